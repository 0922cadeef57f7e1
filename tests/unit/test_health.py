"""Health components, tiers and missing data, hand-computed."""

from __future__ import annotations

import pytest
from engine_builders import AS_OF, data, nps, person, touch, weeks

from account_health.domain.config import DEFAULT_CONFIG
from account_health.domain.engine import build_report
from account_health.domain.health import component, overall_score, score_input, tier_for
from account_health.domain.models import Role, TouchpointKind


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
    assert inputs["weighted_nps"].points == pytest.approx(8 / 10 * 40)
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
