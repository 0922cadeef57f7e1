"""Each seed signal fires on a planted case and stays quiet on its near miss."""

from __future__ import annotations

from dataclasses import replace

import pytest
from engine_builders import AS_OF, at, comment, data, nps, person, touch, weeks

from account_health.domain.config import EngineConfig, SentimentConfig
from account_health.domain.engine import build_report
from account_health.domain.models import FeedbackKind, Role, TouchpointKind
from account_health.domain.report import Report


def keys(d) -> dict[str, str]:
    return {s.key: s.severity for s in build_report(d, AS_OF).signals}


def team(**kw):
    return [person("champ", Role.CHAMPION, **kw), person("exec", Role.EXECUTIVE_SPONSOR)]


def test_champion_nps_drop_of_exactly_3_is_champion_risk_but_not_churn_risk():
    found = keys(data(team(), [nps("champ", 8, 120), nps("champ", 5, 5)]))
    assert found["champion_at_risk:sentiment_drop"] == "high"  # "NPS dropped 3+ points"
    assert "churn_risk:champion_nps_drop" not in found  # seed: "> 3"


def test_champion_nps_drop_over_3_is_critical():
    found = keys(data(team(), [nps("champ", 9, 120), nps("champ", 5, 5)]))
    assert found["churn_risk:champion_nps_drop"] == "critical"


def test_nps_drop_under_3_is_quiet():
    found = keys(data(team(), [nps("champ", 8, 120), nps("champ", 6, 5)]))
    assert "champion_at_risk:sentiment_drop" not in found


@pytest.mark.parametrize(("recent", "fires"), [(59, True), (60, False), (61, False)])
def test_usage_decline_over_40_percent(recent, fires):
    # 8 baseline weeks at 100 logins, 4 recent weeks at `recent`: 59 is a 41% decline
    usage = weeks("exec", [100] * 8 + [recent] * 4)
    found = keys(data(team(), [], usage))
    assert ("churn_risk:usage_decline" in found) is fires
    if fires:
        assert found["churn_risk:usage_decline"] == "high"


def test_usage_down_39_percent_does_not_fire():
    usage = weeks("exec", [100] * 8 + [61] * 4)
    assert "churn_risk:usage_decline" not in keys(data(team(), [], usage))


@pytest.mark.parametrize(("recent", "fires"), [(5, True), (6, False)])
def test_champion_logins_down_50_percent(recent, fires):
    usage = weeks("champ", [10] * 8 + [recent] * 4) + weeks("exec", [10] * 12)
    assert ("champion_at_risk:login_drop" in keys(data(team(), [], usage))) is fires


@pytest.mark.parametrize(("days", "fires"), [(29, True), (31, False)])
def test_support_escalations(days, fires):
    found = keys(data(team(), [], touchpoints=[touch(TouchpointKind.SUPPORT_ESCALATION, days)]))
    assert ("support_escalation:support_escalations" in found) is fires


@pytest.mark.parametrize(("days", "fires"), [(89, False), (90, True)])
def test_no_exec_engagement_90_days(days, fires):
    found = keys(data(team(), [], touchpoints=[touch(TouchpointKind.EXEC_MEETING, days, "exec")]))
    assert ("churn_risk:no_exec_engagement" in found) is fires
    if fires:
        assert found["churn_risk:no_exec_engagement"] == "medium"


@pytest.mark.parametrize(("text", "fires"), [
    ("We are evaluating other vendors this quarter", True),
    ("Honestly we're looking at alternatives", True),
    ("Looking at the reports every morning", False),
])
def test_evaluating_alternatives_is_critical(text, fires):
    found = keys(data(team(), [comment("champ", text, 3)]))
    assert ("churn_risk:evaluating_alternatives" in found) is fires
    if fires:
        assert found["churn_risk:evaluating_alternatives"] == "critical"


def test_competitor_mentions_are_medium_and_use_the_configured_list():
    found = keys(data(team(), [comment("exec", "Gainsight has a nicer mobile app", 3)]))
    assert found["churn_risk:competitor_mentions"] == "medium"
    assert "churn_risk:competitor_mentions" not in keys(
        data(team(), [comment("exec", "Gains in productivity are great", 3)]))


@pytest.mark.parametrize(("score", "fires"), [(6, True), (7, False)])
def test_it_security_negative_is_its_own_risk(score, fires):
    people = [*team(), person("sec", Role.IT_SECURITY)]
    found = keys(data(people, [nps("sec", score, 3)]))
    assert ("churn_risk:it_security_negative" in found) is fires


def test_champion_left_and_role_changed():
    left = [person("champ", Role.CHAMPION, left_at=at(20)), person("exec", Role.EXECUTIVE_SPONSOR)]
    assert keys(data(left))["champion_at_risk:champion_left"] == "critical"
    long_gone = [person("champ", Role.CHAMPION, left_at=at(200))]
    assert "champion_at_risk:champion_left" not in keys(data(long_gone))
    moved = [person("champ", Role.ADMIN)]
    found = keys(data(moved, [nps("champ", 8, 40, role=Role.CHAMPION)]))
    assert "champion_at_risk:champion_role_changed" in found


@pytest.mark.parametrize(("recent_hours", "fires"), [(30, True), (29, False)])
def test_responsiveness_down_3x(recent_hours, fires):
    tps = [touch(TouchpointKind.CHAMPION_CONTACT, d, "champ", response_hours=10)
           for d in (60, 90, 120)]
    tps.append(touch(TouchpointKind.CHAMPION_CONTACT, 5, "champ", response_hours=recent_hours))
    assert ("champion_at_risk:responsiveness_decline" in keys(data(team(), [], [], tps))) is fires


def test_responsiveness_baseline_is_the_typical_answer_not_one_inflated_by_the_slowdown():
    # Gamma's shape: replies took ~6 h, then slowed inside the baseline window already.
    # The mean of the baseline (10 h) would hide a recent 24 h; its median (6 h) does not.
    hours = {40: 25, 50: 19, 60: 6, 80: 6, 100: 5, 120: 7, 140: 6}
    tps = [touch(TouchpointKind.CHAMPION_CONTACT, d, "champ", response_hours=h)
           for d, h in hours.items()]
    tps.append(touch(TouchpointKind.CHAMPION_CONTACT, 10, "champ", response_hours=24))
    assert "champion_at_risk:responsiveness_decline" in keys(data(team(), [], [], tps))


def test_delegation_increase():
    tps = [touch(TouchpointKind.DELEGATED, d, "champ") for d in (3, 10)]
    assert "champion_at_risk:delegation_increase" in keys(data(team(), [], [], tps))
    steady = tps + [touch(TouchpointKind.DELEGATED, d, "champ") for d in range(35, 200, 15)]
    assert "champion_at_risk:delegation_increase" not in keys(data(team(), [], [], steady))


def test_future_language_gone():
    before = comment("champ", "Planning to roll this out further next year", 120)
    planted = keys(data(team(), [before, comment("champ", "It works.", 5)]))
    assert "champion_at_risk:future_language_absent" in planted
    still = keys(data(team(), [before, comment("champ", "The roadmap looks good", 5)]))
    assert "champion_at_risk:future_language_absent" not in still


def test_rising_frustration():
    now = [comment("champ", "This is so frustrating", 5),
           comment("champ", "Fed up with exports", 8)]
    assert "champion_at_risk:frustration_rising" in keys(data(team(), now))
    same = [*now, comment("champ", "Annoying bug", 100), comment("champ", "Unacceptable", 110)]
    assert "champion_at_risk:frustration_rising" not in keys(data(team(), same))


def test_no_new_feature_in_60_days():
    def usage(adopted_weeks_ago: int) -> list:
        rows = weeks("champ", [5] * 20, features=3, new=0)
        return [replace(w, new_features_adopted=1) if i == 19 - adopted_weeks_ago else w
                for i, w in enumerate(rows)]

    assert "champion_at_risk:feature_exploration_stop" in keys(data(team(), [], usage(10)))
    assert "champion_at_risk:feature_exploration_stop" not in keys(data(team(), [], usage(7)))
    never = weeks("champ", [5] * 20, features=3, new=0)  # never explored: nothing stopped
    assert "champion_at_risk:feature_exploration_stop" not in keys(data(team(), [], never))


@pytest.mark.parametrize(("text", "key"), [
    ("We need 20 more seats for the new hires", "expansion_signal:need_more_seats"),
    ("The finance team is also interested", "expansion_signal:cross_department_interest"),
    ("Looking forward to the new release", "expansion_signal:looking_forward"),
])
def test_expansion_phrases(text, key):
    assert key in keys(data(team(), [comment("champ", text, 5)]))
    assert key not in keys(data(team(), [comment("champ", "Works fine for us", 5)]))


def test_feature_requests_need_two_people():
    one = [comment("champ", "x", 5, kind=FeedbackKind.ENHANCEMENT_REQUEST)]
    assert "expansion_signal:feature_requests" not in keys(data(team(), one))
    two = [*one, comment("exec", "Please add SSO", 6, kind=FeedbackKind.CSAT)]
    assert "expansion_signal:feature_requests" in keys(data(team(), two))


@pytest.mark.parametrize(("power", "fires"), [(3, True), (2, False)])
def test_high_power_user_ratio(power, fires):
    people = [person(f"p{i}", Role.POWER_USER) for i in range(power)]
    people += [person(f"c{i}", Role.CASUAL_USER) for i in range(10 - power)]
    assert ("expansion_signal:high_power_user_ratio" in keys(data(people))) is fires


DECLINE = "Power user satisfaction declining"


def _power_users(before: list[float], now: list[float], users: int = 6) -> Report:
    people = [person(f"p{i}", Role.POWER_USER) for i in range(users)]
    fb = [nps(f"p{i}", score, 100 + i) for i, score in enumerate(before)]
    fb += [nps(f"p{i}", score, 5 + i) for i, score in enumerate(now)]
    return build_report(data(people, fb), AS_OF)


def test_role_satisfaction_declining():
    report = _power_users([9, 9, 9], [5, 6, 6.5])  # 3 answers in each window: 9.0 -> 5.83
    assert DECLINE in {s.name for s in report.signals}
    row = next(r for r in report.roles if r.role == "power_user")
    assert row.trend == "down" and row.avg_nps == 5.8 and row.previous_avg_nps == 9.0
    steady = _power_users([9, 9, 9], [9, 8.6, 9])  # -0.13: noise
    assert DECLINE not in {s.name for s in steady.signals}


def test_role_decline_near_misses_are_noise():
    # 2 answers in one window: below the 3-respondent floor, however large the drop
    two = _power_users([9, 9], [5, 6, 5])
    assert DECLINE not in {s.name for s in two.signals}
    assert next(r for r in two.roles if r.role == "power_user").trend == "flat"
    # 9.0 -> 8.1 (a 0.9 drop) with 3 answers each: under the 1.0 minimum drop
    small = _power_users([9, 9, 9], [8, 8, 8.3])
    assert DECLINE not in {s.name for s in small.signals}
    # exactly 1.0 from 3 answers each is a decline
    assert DECLINE in {s.name for s in _power_users([9, 9, 9], [8, 8, 8]).signals}


def test_a_whole_small_role_has_a_trend_but_no_risk_signal():
    # both admins answered in both windows: a census, so the arrow moves; but 2 answers are
    # too few for a risk signal (role_decline_min_respondents = 3)
    people = [person("a0", Role.ADMIN), person("a1", Role.ADMIN)]
    fb = [nps("a0", 9, 100), nps("a1", 9, 101), nps("a0", 6, 5), nps("a1", 6, 6)]
    report = build_report(data(people, fb), AS_OF)
    assert next(r for r in report.roles if r.role == "admin").trend == "down"
    assert "Admin satisfaction declining" not in {s.name for s in report.signals}


def test_role_decline_thresholds_are_configurable():
    loose = EngineConfig().model_copy(update={"sentiment": SentimentConfig(
        role_trend_min_respondents=2, role_decline_min_respondents=2, role_decline_min_drop=0.5)})
    people = [person(f"p{i}", Role.POWER_USER) for i in range(6)]
    fb = [nps("p0", 9, 100), nps("p1", 9, 101), nps("p0", 8, 5), nps("p1", 8.5, 6)]
    assert DECLINE in {s.name for s in build_report(data(people, fb), AS_OF, loose).signals}


def test_every_signal_has_evidence_and_a_stable_key():
    d = data(team(), [comment("champ", "We are evaluating alternatives like Gainsight", 3)],
             touchpoints=[touch(TouchpointKind.SUPPORT_ESCALATION, 2)])
    for signal in build_report(d, AS_OF).signals:
        assert signal.evidence and signal.key.startswith(signal.type + ":")
