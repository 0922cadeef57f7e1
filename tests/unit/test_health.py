"""Health components, tiers and missing data, hand-computed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_builders import AS_OF, account, at, data, nps, person, touch, weeks

from account_health.domain.config import DEFAULT_CONFIG
from account_health.domain.engine import build_report
from account_health.domain.health import (
    component,
    nps_share,
    overall_score,
    score_input,
    tier_for,
)
from account_health.domain.models import (
    FeedbackKind,
    Outcome,
    OutcomeKind,
    Renewal,
    RenewalOutcome,
    Role,
    TouchpointKind,
)


@pytest.mark.parametrize(("score", "tier"), [
    (80.1, "green"), (80.0, "yellow"), (79.9, "yellow"), (60.0, "yellow"), (59.9, "red"),
])
def test_tiers_switch_exactly_at_60_and_80(score, tier):
    assert tier_for(score, DEFAULT_CONFIG) == tier


def test_overall_is_weighted_40_30_20_10():
    def comp(points):
        return component([score_input("x", points, points / 100, 100, DEFAULT_CONFIG)],
                         DEFAULT_CONFIG)
    parts = {"feedback": comp(50), "engagement": comp(100), "relationship": comp(70),
             "outcome": comp(20)}
    expected = 50 * .4 + 100 * .3 + 70 * .2 + 20 * .1
    assert overall_score(parts, DEFAULT_CONFIG) == pytest.approx(expected)


def test_missing_input_is_neutral_and_lowers_confidence():
    item = score_input("weighted_nps", None, None, 40, DEFAULT_CONFIG)
    assert item.missing and item.points == 20  # half: neither perfect nor zero
    comp = component([item, score_input("coverage", 0.3, 1.0, 60, DEFAULT_CONFIG)], DEFAULT_CONFIG)
    assert comp.score == 80.0 and comp.confidence == 0.6
    assert "weighted_nps" in (comp.missing_treatment or "") and "neutral" in comp.missing_treatment


def test_feedback_component_inputs():
    people = [person(f"u{i}", Role.CASUAL_USER) for i in range(10)]
    fb = [nps("u0", 10, 5), nps("u1", 8, 5), nps("u2", 6, 5)]  # 3 of 10: exactly the 30% target
    report = build_report(data(people, fb), AS_OF)
    inputs = {i.name: i for i in report.health.components["feedback"].signals}
    # weighted NPS 8.0 is half way from the 7.0 threshold (75%) to 9 (100%): 87.5% of 40
    assert inputs["weighted_nps"].points == pytest.approx(0.875 * 40)
    assert inputs["coverage"].points == 20
    assert inputs["sentiment_trend"].missing  # no previous window
    assert inputs["weighted_nps"].evidence[0].who == "U0 (casual_user)"


def test_no_data_at_all_gives_low_confidence_and_says_so():
    report = build_report(data([person("a", Role.ADMIN)]), AS_OF)
    assert report.health.confidence < 0.5
    assert report.health.components["outcome"].score == 50.0  # all neutral, not 0, not 100
    assert any("Low confidence" in w for w in report.warnings)


def test_relationship_decay_and_change_since_previous():
    people = [person("champ", Role.CHAMPION), person("exec", Role.EXECUTIVE_SPONSOR)]
    tps = [touch(TouchpointKind.CHAMPION_CONTACT, 52, "champ"),  # 52 days: (90-52)/(90-14) = .5
           touch(TouchpointKind.EXEC_MEETING, 10, "exec"),
           touch(TouchpointKind.EBR, 200)]

    class Previous:
        def __init__(self) -> None:
            self.overall, self.tier = 50.0, "red"
            self.components = {"relationship": 40.0}

    report = build_report(data(people, [], weeks("champ", [3] * 12), tps), AS_OF,
                          previous=Previous())
    rel = report.health.components["relationship"]
    inputs = {i.name: i for i in rel.signals}
    assert inputs["champion_contact"].points == pytest.approx(15.0)
    assert inputs["ebr_completion"].points == 0  # 200 days: overdue
    assert inputs["executive_engagement"].points == 25
    assert rel.change == pytest.approx(round(rel.score - 40.0, 1))
    assert report.health.change == pytest.approx(round(report.health.overall - 50.0, 1))
    assert report.health.previous_tier == "red"


@pytest.mark.parametrize(("nps_value", "share"), [
    (9.0, 1.0), (10.0, 1.0), (8.0, 0.875), (7.0, 0.75),  # above the threshold: 75% -> 100% at 9
    (5.5, 0.375), (4.0, 0.0), (2.0, 0.0),  # below: 75% at 7 falls to 0 at 4 (25% a point)
])
def test_nps_points_are_anchored_on_the_seed_threshold(nps_value, share):
    assert nps_share(nps_value, DEFAULT_CONFIG) == pytest.approx(share)


def _inputs(report, name):
    return {i.name: i for i in report.health.components[name].signals}


@pytest.mark.parametrize(("raisers", "points"), [
    (1, 20.0),  # 1 of 10 active (10%): normal for engaged users, full points
    (2, 20 * (0.40 - 0.20) / 0.30),  # 20%: two thirds of the way from 40% -> 13.33
    (4, 0.0),  # 40%: none
])
def test_open_issues_tolerate_a_normal_rate(raisers, points):
    people = [person(f"u{i}", Role.CASUAL_USER) for i in range(10)]
    bugs = [nps(f"u{i}", 8, 5, comment="it crashes", kind=FeedbackKind.BUG_REPORT)
            for i in range(raisers)]
    issues = _inputs(build_report(data(people, bugs), AS_OF), "feedback")["open_issues"]
    assert issues.value == raisers and issues.points == pytest.approx(points, abs=0.01)


def test_active_users_and_licences_earn_full_points_at_80_percent():
    people = [person(f"u{i}", Role.CASUAL_USER, active=i < 8) for i in range(10)]
    inputs = _inputs(build_report(data(people, acct=account(licensed=10)), AS_OF), "engagement")
    assert inputs["active_users"].points == 30 and inputs["license_usage"].points == 20
    people = [person(f"u{i}", Role.CASUAL_USER, active=i < 6) for i in range(10)]
    inputs = _inputs(build_report(data(people, acct=account(licensed=12)), AS_OF), "engagement")
    assert inputs["active_users"].points == pytest.approx(0.6 / 0.8 * 30)  # 22.5
    assert inputs["license_usage"].points == pytest.approx(0.5 / 0.8 * 20)  # 12.5


def test_feature_depth_of_five_per_user_week_earns_full_points():
    inputs = _inputs(build_report(data([person("p", Role.POWER_USER)], [],
                                       weeks("p", [3] * 12, features=4)), AS_OF), "engagement")
    assert inputs["feature_adoption"].points == pytest.approx(4 / 5 * 25)


@pytest.mark.parametrize(("segment", "ebr_days", "value", "points", "max_points"), [
    ("enterprise", 200, "overdue", 0, 25),  # 180-day cadence
    ("mid-market", 200, "completed", 25, 25),  # 210: twice a year plus a month's grace
    ("mid-market", 220, "overdue", 0, 25),
    ("smb", None, "not expected", 0, 0),  # no EBR programme: not scored at all
    ("smb", 100, "completed", 25, 25),  # ... but a recent one still counts
])
def test_ebr_cadence_follows_the_segment(segment, ebr_days, value, points, max_points):
    tps = [touch(TouchpointKind.CHAMPION_CONTACT, 5, "champ")]
    tps += [touch(TouchpointKind.EBR, ebr_days)] if ebr_days is not None else []
    report = build_report(data([person("champ", Role.CHAMPION)], [], [], tps,
                               acct=account(segment=segment)), AS_OF)
    ebr = _inputs(report, "relationship")["ebr_completion"]
    assert (ebr.value, ebr.points, ebr.max_points, ebr.missing) == (
        value, points, max_points, False)


def _outcome_inputs(outcomes=(), renewals=()):
    report = build_report(data([person("a", Role.ADMIN)], outcomes=list(outcomes),
                               renewals=list(renewals)), AS_OF)
    return _inputs(report, "outcome")


def test_no_roi_report_is_missing_not_zero():
    goal = Outcome(account_id="acc-1", at=at(30), kind=OutcomeKind.GOAL_ACHIEVED)
    roi = _outcome_inputs([goal])["reported_roi"]
    assert roi.missing and roi.points == 12.5


@pytest.mark.parametrize(("outcome", "points"), [
    (RenewalOutcome.EXPANDED, 25.0), (RenewalOutcome.RENEWED, 12.5),  # steady: half
    (RenewalOutcome.CONTRACTED, 0.0), (RenewalOutcome.CHURNED, 0.0),
])
def test_expansion_actions_by_renewal(outcome, points):
    renewal = Renewal(account_id="acc-1", date=AS_OF - timedelta(days=60), outcome=outcome)
    expansion = _outcome_inputs(renewals=[renewal])["expansion_actions"]
    assert expansion.points == points and not expansion.missing


def test_expansion_without_any_record_is_missing():
    assert _outcome_inputs()["expansion_actions"].missing
    goal = Outcome(account_id="acc-1", at=at(30), kind=OutcomeKind.GOAL_ACHIEVED)
    steady = _outcome_inputs([goal])["expansion_actions"]  # outcomes tracked, none an expansion
    assert not steady.missing and steady.points == 12.5
