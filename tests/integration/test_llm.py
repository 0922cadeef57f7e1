"""The LLM provider drives the real openai client against a fake server on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from tests.fakes.fake_openai import FakeOpenAI, running_fake_openai

from account_health.config import load_settings
from account_health.text import analyze_texts
from account_health.text.llm import LlmOptions, LlmProvider, MemoryCache, redact
from account_health.text.store import DatabaseLlmCache


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as server:
        yield server


def provider(fake: FakeOpenAI, **overrides: object) -> LlmProvider:
    options = {"api_key": "sk-test", "base_url": fake.base_url, "model": "fake-model",
               "timeout_seconds": 0.5, "max_retries": 0, **overrides}
    return LlmProvider(LlmOptions(**options))  # type: ignore[arg-type]


def test_classifies_signals_and_caches_by_content(fake: FakeOpenAI) -> None:
    llm = provider(fake)
    first = llm.classify_signals("We are trialling Gainsight as an alternative.")
    again = llm.classify_signals("We are trialling Gainsight as an alternative.")
    assert first is not None and again == first
    assert set(first.signals) == {"evaluating_alternatives", "competitor_mention"}
    assert first.competitors == ["Gainsight"]
    assert len(fake.requests) == 1  # the second answer came from the cache
    assert fake.requests[0]["model"] == "fake-model"
    assert fake.requests[0]["response_format"] == {"type": "json_object"}


def test_labels_themes_and_drafts_summaries(fake: FakeOpenAI) -> None:
    llm = provider(fake)
    assert llm.label_theme(["setup took weeks", "kickoff was messy"]) == "Onboarding"
    assert llm.draft_ebr_summary("NPS 8; onboarding slow") == (
        "Healthy account; onboarding is the open risk."
    )


@pytest.mark.parametrize("mode", ["malformed", "schema", "429", "500", "hang"])
def test_any_failure_falls_back_with_a_warning(
    fake: FakeOpenAI, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.mode = mode
    llm = provider(fake)
    with caplog.at_level(logging.WARNING, logger="account_health.text.llm"):
        assert llm.classify_signals("We are looking at alternatives.") is None
        results = analyze_texts(["We are evaluating alternatives to you."], llm=llm)
    assert "evaluating_alternatives" in results[0].analysis.signals  # the offline answer
    assert results[0].analyzer.startswith(("minilm-head", "vader-b2b"))
    assert any("offline analysis" in record.getMessage() for record in caplog.records)


def test_retries_a_server_error_before_giving_up(fake: FakeOpenAI) -> None:
    fake.mode = "500"
    assert provider(fake, max_retries=2).classify_signals("hello") is None
    assert len(fake.requests) == 3


def test_budget_limits_calls_per_run(fake: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    llm = provider(fake, max_calls=2)
    with caplog.at_level(logging.WARNING):
        answers = [llm.classify_signals(f"comment number {i}") for i in range(4)]
    assert answers[:2] != [None, None] and answers[2:] == [None, None]
    assert len(fake.requests) == 2
    assert "budget" in caplog.text


def test_llm_signals_replace_offline_ones_when_it_answers(fake: FakeOpenAI) -> None:
    [result] = analyze_texts(["Gainsight looks like a good alternative"], llm=provider(fake))
    assert {"competitor_mention", "evaluating_alternatives"} <= result.analysis.signals
    assert result.analysis.competitors == {"Gainsight"}
    assert result.analyzer.startswith("llm:fake-model")


def test_redacts_emails_and_phone_numbers_before_sending(fake: FakeOpenAI) -> None:
    provider(fake).classify_signals("Call Ann on +1 (415) 555-0199 or ann.lee@acme.com")
    sent = fake.requests[0]["messages"][-1]["content"]
    assert "555" not in sent and "acme.com" not in sent
    assert sent == "Call Ann on [phone] or [email]"
    provider(fake, redact_pii=False).classify_signals("mail ann.lee@acme.com")
    assert "ann.lee@acme.com" in fake.requests[1]["messages"][-1]["content"]


def test_redact_leaves_dates_and_numbers_alone() -> None:
    text = "Renewal 2025-03-01, 40 seats, $12,000"
    assert redact(text) == text


def test_options_come_from_settings_only_with_a_key() -> None:
    assert LlmOptions.from_settings(load_settings()) is None
    options = LlmOptions.from_settings(
        load_settings(OPENAI_API_KEY="sk-x", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    )
    assert options is not None and options.base_url == "http://127.0.0.1:9/v1"
    assert options.timeout_seconds < 600


def test_cache_in_the_database_survives_providers(fake: FakeOpenAI, sqlite_db) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        with sqlite_db.session() as session:
            llm = LlmProvider(provider(fake).options, DatabaseLlmCache(session))
            assert llm.classify_signals("We need more seats for finance") is not None
    assert len(fake.requests) == 1


def test_memory_cache_is_the_default(fake: FakeOpenAI) -> None:
    assert isinstance(provider(fake).cache, MemoryCache)
