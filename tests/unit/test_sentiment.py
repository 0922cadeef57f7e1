"""Weighted sentiment (seed: calculateAccountSentiment), hand-computed."""

from __future__ import annotations

import pytest
from engine_builders import AS_OF, data, nps, person

from account_health.domain.config import DEFAULT_CONFIG
from account_health.domain.facts import AccountView, Window
from account_health.domain.models import Role
from account_health.domain.sentiment import calculate_account_sentiment


def _summary(d):
    view = AccountView(d, AS_OF, DEFAULT_CONFIG)
    return calculate_account_sentiment(view, Window.ending(AS_OF, 90))


def _people():
    return [person("exec", Role.EXECUTIVE_SPONSOR), person("champ", Role.CHAMPION),
            person("champ2", Role.CHAMPION), person("pu", Role.POWER_USER, active=False),
            person("cu", Role.CASUAL_USER)]


def test_weighted_average_is_the_seed_formula():
    # weights: exec 5, champion 4, inactive power user 2 x 0.5 = 1, casual 1
    fb = [nps("exec", 8, 10), nps("champ", 9, 5), nps("pu", 6, 3), nps("cu", 7, 20)]
    s = _summary(data(_people(), fb))
    assert s.weighted_average == pytest.approx(round((8 * 5 + 9 * 4 + 6 * 1 + 7 * 1) / 11, 2))
    assert s.raw_average == 7.5
    assert s.respondent_count == 4
    assert s.active_users == 4  # the inactive power user is not counted
    assert s.coverage_rate == 1.0  # seed: respondents / active users
    assert s.decision_maker_coverage == pytest.approx(0.667, abs=1e-3)  # exec + 1 of 2 champions


def test_each_person_counts_once_by_latest_answer_in_the_window():
    fb = [nps("champ", 2, 60), nps("champ", 9, 5), nps("exec", 0, 100), nps("cu", 10, 1)]
    s = _summary(data(_people(), fb))
    assert s.respondent_count == 2  # the exec answered 100 days ago: outside the 90-day window
    assert s.weighted_average == pytest.approx(round((9 * 4 + 10 * 1) / 5, 2))


def test_classic_nps_and_too_few_answers():
    fb = [nps("exec", 10, 1), nps("champ", 9, 1), nps("champ2", 7, 1), nps("cu", 3, 1)]
    s = _summary(data(_people(), fb))
    assert s.nps == 25.0  # 2 promoters - 1 detractor of 4
    assert s.enough_responses
    few = _summary(data(_people(), fb[:2]))
    assert not few.enough_responses and "fewer than 3" in (few.note or "")


def test_no_answers_is_unknown_not_zero():
    s = _summary(data(_people(), []))
    assert s.weighted_average is None and s.raw_average is None and s.nps is None
    assert s.coverage_rate == 0.0
    assert "unknown" in (s.note or "")
