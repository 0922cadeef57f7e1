"""The pure rules of the proactive side: who is due a pulse check and when, which insights
become alerts, and the digest's movers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from engine_builders import AS_OF, data, nps, person, weeks

from account_health.domain.engine import build_report
from account_health.domain.models import Role
from account_health.domain.report import Report
from account_health.jobs.alerts import alert_candidates, tier_change, worse
from account_health.jobs.digest import Snapshot, weekly_movers
from account_health.jobs.pulse import LastRequest, PulsePolicy, pulse_action, pulse_due
from account_health.slack.blocks.alerts import AlertView, alert_blocks, mention

POLICY = PulsePolicy()
MONDAY_9_UTC = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARIS, TOKYO = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Tokyo")


def test_never_asked_is_due_at_a_working_hour_of_their_own_zone_only() -> None:
    assert pulse_action(None, None, MONDAY_9_UTC, PARIS, POLICY) == "ask"  # 10:00 Paris
    assert pulse_action(None, None, MONDAY_9_UTC, TOKYO, POLICY) is None  # 18:00 Tokyo
    saturday = MONDAY_9_UTC - timedelta(days=2)
    assert pulse_action(None, None, saturday, PARIS, POLICY) is None


def test_a_recent_answer_skips_them_until_the_period_has_passed() -> None:
    answered = MONDAY_9_UTC - timedelta(weeks=5)
    assert pulse_due(answered, None, MONDAY_9_UTC, POLICY) is None
    assert pulse_due(answered, None, MONDAY_9_UTC + timedelta(weeks=1, hours=1), POLICY) == "ask"


def test_one_reminder_after_a_few_silent_days() -> None:
    asked = LastRequest(MONDAY_9_UTC)
    assert pulse_due(None, asked, MONDAY_9_UTC + timedelta(days=2), POLICY) is None
    assert pulse_due(None, asked, MONDAY_9_UTC + timedelta(days=3), POLICY) == "remind"
    reminded = LastRequest(MONDAY_9_UTC, reminded_at=MONDAY_9_UTC + timedelta(days=3))
    assert pulse_due(None, reminded, MONDAY_9_UTC + timedelta(days=5), POLICY) is None
    answered = MONDAY_9_UTC + timedelta(days=1)
    assert pulse_due(answered, asked, MONDAY_9_UTC + timedelta(days=4), POLICY) is None
    assert pulse_due(None, reminded, MONDAY_9_UTC + timedelta(weeks=6), POLICY) == "ask"


def test_severity_order() -> None:
    assert worse("critical", "high") and not worse("medium", "medium")


def test_movers_are_the_largest_changes_either_way() -> None:
    now = {k: Snapshot(k, v, "green") for k, v in {"a": 80, "b": 40, "c": 60, "d": 50}.items()}
    before = {"a": Snapshot("a", 70, "green"), "b": Snapshot("b", 65, "yellow"),
              "c": Snapshot("c", 60, "green")}
    movers = weekly_movers(now, before, {"a": "A", "b": "B"}, count=5)
    assert [(m.name, m.change) for m in movers] == [("B", -25), ("A", 10)]


def test_alert_blocks_mention_people_and_carry_the_three_buttons() -> None:
    view = AlertView(alert_id=7, account_name="Acme <script>", title="Usage decline",
                     type="churn_risk", severity="high", status="open", as_of="2026-03-02",
                     owner="U0CSM", escalated_role="cs_manager", escalated_to=("S0MGRS",))
    blocks = [b.to_dict() for b in alert_blocks(view)]
    text = str([b for b in blocks if b["type"] != "header"])  # mrkdwn: escaped
    assert "<@U0CSM>" in text and "<!subteam^S0MGRS>" in text and "<script>" not in text
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [
        "alert_acknowledge", "alert_snooze", "alert_assign"]
    resolved = AlertView(**{**view.__dict__, "status": "resolved"})
    assert all(b.to_dict()["type"] != "actions" for b in alert_blocks(resolved))
    assert mention("W123") == "<@W123>"


@pytest.fixture
def sample_report() -> Report:
    people = [person("c1", Role.CHAMPION), person("e1", Role.EXECUTIVE_SPONSOR),
              person("u1", Role.POWER_USER)]
    feedback = [nps("c1", 2, 10, "We are evaluating alternatives, frankly."),
                nps("e1", 3, 20), nps("u1", 4, 5)]
    usage = [*weeks("u1", [20, 18, 15, 10, 6, 3, 1, 0]), *weeks("c1", [10, 8, 5, 2, 0, 0, 0, 0])]
    return build_report(data(people, feedback, usage), AS_OF)


def test_tier_changes_and_signals_become_candidates(sample_report: Report) -> None:
    report = sample_report
    assert report.signals  # the builders make a troubled account
    keys = {c.key for c in alert_candidates(report, previous_tier=None)}
    assert keys == {s.key or f"{s.type}:{s.name}" for s in report.signals}
    other = "green" if report.health.tier != "green" else "red"
    change = tier_change(report, other)
    assert change is not None and change.key == f"tier_change:{other}->{report.health.tier}"
    assert tier_change(report, report.health.tier) is None
