"""Theme aggregation: topic when analysed, keywords otherwise, 2 distinct people minimum."""

from __future__ import annotations

from engine_builders import AS_OF, comment, data, person

from account_health.domain.engine import build_report
from account_health.domain.models import Role


def people():
    return [person("champ", Role.CHAMPION), person("admin", Role.ADMIN),
            person("u1", Role.CASUAL_USER), person("u2", Role.CASUAL_USER)]


def test_topic_from_analysis_groups_and_flags_priority():
    fb = [comment("champ", "New hires take weeks", 5, sentiment=-0.6, topic="Onboarding"),
          comment("admin", "Setting people up is slow", 6, sentiment=-0.4, topic="Onboarding"),
          comment("u1", "Love the charts", 7, sentiment=0.8, topic="Reporting"),
          comment("u2", "Charts are great", 8, sentiment=0.7, topic="Reporting"),
          comment("u2", "Mobile app crashes", 8, sentiment=-0.7, topic="Mobile experience")]
    themes = {t.topic: t for t in build_report(data(people(), fb), AS_OF).themes}
    onboarding = themes["Onboarding"]
    assert onboarding.mentions == 2 and onboarding.roles == ["admin", "champion"]
    assert onboarding.sentiment == "negative" and onboarding.executive_mention
    assert onboarding.priority  # negative and raised by a decision-maker
    assert themes["Reporting"].sentiment == "positive" and not themes["Reporting"].priority
    assert "Mobile experience" not in themes  # one person only
    assert next(iter(themes)) == "Onboarding"  # priority first


def test_keyword_fallback_without_analysis():
    fb = [comment("u1", "The mobile app is slow", 5), comment("u2", "No mobile offline mode", 6)]
    themes = {t.topic: t for t in build_report(data(people(), fb), AS_OF).themes}
    assert themes["Mobile experience"].mentions == 2


def test_mixed_sentiment():
    fb = [comment("u1", "a", 5, sentiment=0.8, topic="Integrations"),
          comment("u2", "b", 5, sentiment=-0.8, topic="Integrations")]
    assert build_report(data(people(), fb), AS_OF).themes[0].sentiment == "mixed"
