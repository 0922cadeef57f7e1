"""Offline phrase patterns tolerate wording variants."""

from __future__ import annotations

import pytest

from account_health.domain.phrases import detect_text_signals

COMPETITORS = ["Gainsight", "ChurnZero", "ChurnZero Plus"]


@pytest.mark.parametrize(("text", "label"), [
    ("We're evaluating other vendors", "evaluating_alternatives"),
    ("looking at alternatives for next quarter", "evaluating_alternatives"),
    ("We started considering a few alternatives", "evaluating_alternatives"),
    ("Budget is approved for next year", "future_language"),
    ("What's on the roadmap?", "future_language"),
    ("So frustrating to export", "frustration"),
    ("We will need 15 more seats", "need_more_seats"),
    ("We ran out of licenses again", "need_more_seats"),
    ("Other teams are asking to use it too", "cross_department"),
    ("Marketing is also interested", "cross_department"),
    ("Looking forward to the API", "looking_forward"),
    ("I wish it had a dark mode", "feature_request"),
    ("Would love to see Jira sync", "feature_request"),
])
def test_variants_are_found(text, label):
    assert label in detect_text_signals(text, COMPETITORS)[0]


@pytest.mark.parametrize("text", [
    "Looking at the dashboard daily", "We compared notes in the meeting", "Great support team",
    "",
])
def test_plain_text_has_no_risk_signals(text):
    signals, named = detect_text_signals(text, COMPETITORS)
    assert not signals & {"evaluating_alternatives", "competitor_mention", "frustration"}
    assert not named


def test_competitors_from_the_configured_list_whole_words_only():
    signals, named = detect_text_signals("churnzero plus and Gainsight are cheaper", COMPETITORS)
    assert named == {"ChurnZero Plus", "Gainsight"} and "competitor_mention" in signals
    assert detect_text_signals("Gainsightful ideas", COMPETITORS)[1] == frozenset()
    assert detect_text_signals("Gainsight", [])[1] == frozenset()
