"""build_report: as-of filtering, routing, playbooks, the contract's JSON keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_builders import AS_OF, account, comment, data, nps, person, touch, weeks

from account_health.domain.config import DEFAULT_CONFIG
from account_health.domain.engine import build_report
from account_health.domain.models import Role, TouchpointKind
from account_health.domain.playbooks import playbook_for
from account_health.domain.report import Signal
from account_health.domain.routing import route


def team():
    return [person("champ", Role.CHAMPION), person("exec", Role.EXECUTIVE_SPONSOR),
            person("u1", Role.CASUAL_USER)]


def test_nothing_after_as_of_is_used_even_if_passed_in():
    early = [nps("champ", 9, 10), nps("exec", 9, 10)]
    future = [nps("champ", 0, -5, "We are evaluating alternatives"),
              nps("exec", 0, -1)]  # dated after AS_OF
    usage = weeks("u1", [5] * 12) + weeks("u1", [0] * 4, as_of=AS_OF + timedelta(days=28))
    tps = [touch(TouchpointKind.SUPPORT_ESCALATION, -3)]
    with_future = build_report(data(team(), early + future, usage, tps), AS_OF)
    without = build_report(data(team(), early, weeks("u1", [5] * 12)), AS_OF)
    assert with_future.health == without.health
    assert with_future.signals == without.signals
    assert with_future.sentiment.weighted_average == 9.0
    assert any("ignored" in w for w in with_future.warnings)


def test_as_of_the_end_of_the_day_includes_that_day():
    report = build_report(data(team(), [nps("champ", 7, 0)]), AS_OF)  # noon of AS_OF
    assert report.sentiment.respondent_count == 1


@pytest.mark.parametrize(("arr", "escalate"), [(100_000, None), (100_001, "cs_manager")])
def test_churn_route_escalates_above_100k(arr, escalate):
    signal = Signal(type="churn_risk", name="x", severity="high")
    r = route(signal, account(arr=arr), DEFAULT_CONFIG)
    assert (r.assign_to, r.priority, r.action, r.escalate_to) == ("csm", "urgent", "schedule_call",
                                                                 escalate)


def test_routing_table_is_the_seeds():
    acc = account(arr=50_000)
    exp = route(Signal(type="expansion_signal", name="x", severity="low"), acc, DEFAULT_CONFIG)
    assert (exp.priority, exp.action, exp.cc_to) == ("high", "prepare_expansion_proposal", "sales")
    sup = route(Signal(type="support_escalation", name="x", severity="high"), acc, DEFAULT_CONFIG)
    assert (sup.priority, sup.action) == ("urgent", "coordinate_with_support")
    champ = route(Signal(type="champion_at_risk", name="x", severity="high"), acc, DEFAULT_CONFIG)
    assert (champ.priority, champ.action, champ.escalate_to) == (
        "critical", "executive_engagement", "cs_director")


def test_playbooks_are_the_seeds():
    assert playbook_for("green", DEFAULT_CONFIG).actions[0] == "Standard renewal process"
    assert playbook_for("yellow", DEFAULT_CONFIG).actions == [
        "Proactive check-in", "Address open feedback themes", "Champion reinforcement"]
    assert playbook_for("red", DEFAULT_CONFIG).actions[-1] == "Save strategy activation"


def test_report_json_has_the_contract_keys():
    report = build_report(data(team(), [nps("champ", 9, 3, "Looking forward to the roadmap"),
                                        comment("exec", "We need more seats", 3)]), AS_OF)
    payload = report.model_dump(mode="json")
    assert set(payload["account"]) >= {"id", "name", "arr", "renewal_date"}
    assert set(payload["health"]) >= {"overall", "tier", "components", "risk_factors"}
    assert set(payload["health"]["components"]) == {"feedback", "engagement", "relationship",
                                                    "outcome"}
    assert set(payload["sentiment"]) >= {"raw_average", "weighted_average", "respondent_count",
                                         "coverage_rate", "decision_maker_coverage"}
    assert payload["routing"] and set(payload["routing"][0]) >= {
        "type", "assign_to", "priority", "action", "escalate_to", "cc_to"}
    assert payload["playbook"]["tier"] == payload["health"]["tier"]
