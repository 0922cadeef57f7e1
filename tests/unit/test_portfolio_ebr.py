"""Portfolio metrics (coverage, decision-maker coverage, response-rate trend) and the EBR agenda."""

from __future__ import annotations

from engine_builders import AS_OF, comment, data, nps, person

from account_health.domain.config import DEFAULT_CONFIG
from account_health.domain.ebr import ebr_agenda
from account_health.domain.engine import build_report
from account_health.domain.models import Role
from account_health.domain.portfolio import ResponseRateTally, portfolio_metrics


def test_portfolio_metrics_by_hand():
    people = [person("exec", Role.EXECUTIVE_SPONSOR), person("champ", Role.CHAMPION)]
    people += [person(f"u{i}", Role.CASUAL_USER) for i in range(8)]
    # May (1 person), June (3 people): the current month is partial, so the trend reads April/May
    fb = [nps("u0", 8, 40), nps("exec", 9, 2), nps("u1", 7, 3), nps("u2", 6, 4),
          nps("u3", 9, 75)]
    d = data(people, fb)
    tally = ResponseRateTally(AS_OF, 3)
    tally.add(d)
    metrics = portfolio_metrics([build_report(d, AS_OF)], tally, DEFAULT_CONFIG)
    assert metrics.coverage_rate == 0.5  # 5 respondents / 10 active users
    assert metrics.accounts_meeting_coverage == 1  # > 30%
    assert metrics.decision_maker_coverage == 0.5 and metrics.accounts_meeting_decision_maker == 0
    assert [(m.month, m.respondents) for m in metrics.response_rates] == [
        ("2025-04", 1), ("2025-05", 1), ("2025-06", 3)]
    assert metrics.response_trend == "flat"  # April 10% -> May 10%


def test_ebr_agenda_has_the_seed_sections_and_who_raised_themes():
    people = [person("champ", Role.CHAMPION), person("u1", Role.CASUAL_USER)]
    fb = [nps("champ", 8, 5), comment("champ", "Onboarding is slow", 5, -0.6, topic="Onboarding"),
          comment("u1", "Onboarding takes too long", 5, -0.5, topic="Onboarding")]
    text = ebr_agenda(build_report(data(people, fb), AS_OF))
    for heading in ("EBR Agenda - Acme Corp", "1. Relationship Health Summary",
                    "2. Business Outcomes", "3. Feedback-Driven Discussion", "4. Forward Planning"):
        assert heading in text
    assert "Overall satisfaction: 8.0/10" in text
    assert ("Theme 1: Onboarding (negative, 2 mentions, "
            "mentioned by 2 users: casual user, champion") in text
