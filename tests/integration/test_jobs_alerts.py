"""Alerts after delivery: escalation when nobody acknowledges, and the buttons' effects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.fakes.fake_slack import FakeSlack
from tests.integration.test_jobs_delivery import (  # noqa: F401 - fixtures
    AS_OF,
    NOW,
    fake,
    fast_client,
    loaded,
    portfolio_dir,
    posted_keys,
    settings_for,
)

from account_health.jobs.alerts import apply_alert_action
from account_health.jobs.delivery import deliver_message, deliver_pending
from account_health.jobs.escalation import escalate_overdue
from account_health.jobs.pipeline import run_and_deliver
from account_health.jobs.settings import load_job_settings
from account_health.storage.db import Database
from account_health.storage.delivery_tables import AlertRow

JOBS = load_job_settings(ROUTING_CS_MANAGER="U0MGR", ROUTING_CS_DIRECTOR="U0DIR")


def _alerts(db: Database) -> list[AlertRow]:
    with db.session() as session:
        return list(session.scalars(select(AlertRow).order_by(AlertRow.id)))


def test_unacknowledged_alerts_climb_the_ladder_and_acknowledged_ones_stay(
        loaded: Database, fake: FakeSlack) -> None:  # noqa: F811
    settings = settings_for(fake)
    client = fast_client(settings)
    run_and_deliver(loaded, settings, client, AS_OF, now=NOW, job_settings=JOBS)
    first, second, *rest = _alerts(loaded)
    assert first.posted_ts is not None
    with loaded.session() as session:
        result = apply_alert_action(session, first.id, "acknowledge", "U0ME", JOBS,
                                    NOW + timedelta(hours=1))
    assert result.outbox_id is not None
    assert deliver_message(loaded, client, result.outbox_id).sent == 1
    [update] = fake.calls_to("chat.update")
    assert update.params["ts"] == first.posted_ts and "acknowledged by" in str(update.params)

    assert escalate_overdue(loaded, JOBS, NOW + timedelta(hours=47)).escalated == 0
    later = NOW + timedelta(hours=49)
    assert escalate_overdue(loaded, JOBS, later).escalated == len(rest) + 1
    deliver_pending(loaded, client, now=later)
    by_id = {a.id: a for a in _alerts(loaded)}
    assert by_id[first.id].escalation_level == 0 and by_id[second.id].escalation_level == 1
    replies = [m for m in fake.messages if m.get("thread_ts") == second.posted_ts]
    assert len(replies) == 1 and "<@U0MGR>" in replies[0]["text"]
    assert any(m["channel"] == "DU0MGR" for m in fake.messages)
    escalate_overdue(loaded, JOBS, later + timedelta(hours=49))
    escalate_overdue(loaded, JOBS, later + timedelta(hours=98))  # the top is the director
    assert {a.escalation_level for a in _alerts(loaded) if a.id != first.id} == {2}
    assert fake.violations == []


def test_a_snoozed_alert_comes_back_when_the_snooze_ends(
        loaded: Database, fake: FakeSlack) -> None:  # noqa: F811
    settings = settings_for(fake)
    client = fast_client(settings)
    run_and_deliver(loaded, settings, client, AS_OF, now=NOW, job_settings=JOBS)
    alert = _alerts(loaded)[0]
    with loaded.session() as session:
        result = apply_alert_action(session, alert.id, "snooze", "U0ME", JOBS, NOW)
    deliver_message(loaded, client, result.outbox_id)
    assert "snoozed until 2026-03-10" in str(fake.calls_to("chat.update")[-1].params)
    posts = len(fake.messages)
    # a rerun while snoozed posts nothing; the escalation job ignores it until the end
    run_and_deliver(loaded, settings, client, AS_OF, now=NOW + timedelta(days=1),
                    job_settings=JOBS)
    assert escalate_overdue(loaded, JOBS, NOW + timedelta(days=6)).resurfaced == 0
    assert len(fake.messages) == posts
    assert escalate_overdue(loaded, JOBS, NOW + timedelta(days=7, hours=1)).resurfaced == 1
    deliver_pending(loaded, client, now=NOW + timedelta(days=7, hours=1))
    again = [k for k in posted_keys(fake) if k.startswith(f"alert:{alert.id}:")]
    assert sorted(again) == [f"alert:{alert.id}:post", f"alert:{alert.id}:resurface:1773115200"]
    assert _alerts(loaded)[0].status == "open"
