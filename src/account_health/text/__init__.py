"""Text intelligence: comment sentiment, text signals and themes.

`analyze_comments` is the one entry point the rest of the product calls, once per
comment when it arrives (import, modal, DM answer); its results are stored. Storage
that also keeps the embedding calls `analyze_texts`, which returns it alongside.
Everything here runs offline; the LLM (text/llm.py) is used only when configured.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from account_health.domain.config import EngineConfig
from account_health.domain.models import CommentAnalysis
from account_health.domain.phrases import detect_text_signals
from account_health.text.embedding import MODEL_NAME
from account_health.text.features import (
    HASHED_FEATURES,
    anchors_for,
    embedding_to_bytes,
    encode_texts,
)
from account_health.text.llm import LLM_SIGNALS, LlmProvider
from account_health.text.sentiment import score_sentiments
from account_health.text.themes import ThemeCatalogue

log = logging.getLogger(__name__)

# What scored a text offline, stored beside its analysis: the MiniLM sentiment head when
# the embedding model is installed, VADER with the B2B lexicon otherwise.
HEAD_ANALYZER = "minilm-head+phrases"
FALLBACK_ANALYZER = "vader-b2b+phrases"

_active_catalogue: ThemeCatalogue | None = None


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """One analysed text with what storage keeps beside the analysis."""

    analysis: CommentAnalysis
    content_hash: str
    embedding: bytes | None  # float16 MiniLM vector; None with the hashed fallback
    analyzer: str  # e.g. "minilm-head+phrases/all-MiniLM-L6-v2"


def content_hash(text: str) -> str:
    """SHA-256 of the whitespace-normalised text: the cache key for this text."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def use_theme_catalogue(catalogue: ThemeCatalogue | None) -> None:
    """Make `catalogue` the one new comments are assigned to (None: the built-in anchors)."""
    global _active_catalogue
    _active_catalogue = catalogue


def active_theme_catalogue() -> ThemeCatalogue | None:
    """The catalogue new comments are assigned to, if one was made active."""
    return _active_catalogue


def analyze_texts(
    texts: Sequence[str],
    competitors: Collection[str] | None = None,
    llm: LlmProvider | None = None,
) -> list[TextAnalysis]:
    """Sentiment, text signals, competitors, topic and embedding of each text.

    Offline unless `llm` is given; then the LLM's signal classification replaces the
    offline one for the signals it knows, and any LLM failure keeps the offline result.
    """
    if competitors is None:
        competitors = _default_competitors()
    texts = [text or "" for text in texts]
    vectors, features = encode_texts(texts)
    catalogue = _catalogue_for(features)
    topics = catalogue.assign(vectors) if catalogue is not None else [None] * len(texts)
    offline = HEAD_ANALYZER if features == MODEL_NAME else FALLBACK_ANALYZER
    found = []
    for text in texts:
        signals, named = detect_text_signals(text, competitors)
        analyzer = f"{offline}/{features}"
        if llm is not None and text.strip():
            answer = llm.classify_signals(text)
            if answer is not None:
                signals = (signals - frozenset(LLM_SIGNALS)) | frozenset(answer.signals)
                named = named | frozenset(answer.competitors)
                analyzer = f"llm:{llm.options.model}/{features}"
        found.append((signals, named, analyzer))
    # The sentiment head reads MiniLM vectors; with the hashed fallback it is VADER-B2B alone.
    sentiments = score_sentiments(
        texts, [signals for signals, _, _ in found], vectors if features == MODEL_NAME else None
    )
    results = []
    for text, vector, topic, sentiment, (signals, named, analyzer) in zip(
        texts, vectors, topics, sentiments, found, strict=True
    ):
        analysis = CommentAnalysis(
            sentiment=sentiment,
            signals=signals,
            competitors=named,
            topic=topic if text.strip() else None,
        )
        embedding = embedding_to_bytes(vector) if features != HASHED_FEATURES else None
        results.append(
            TextAnalysis(analysis, content_hash(text), embedding, analyzer)
        )
    return results


def analyze_comments(texts: Sequence[str]) -> list[CommentAnalysis]:
    """Analyse each text once: sentiment in -1..1, text signals, competitors and topic."""
    return [result.analysis for result in analyze_texts(texts)]


def _catalogue_for(features: str) -> ThemeCatalogue | None:
    if _active_catalogue is not None and _active_catalogue.features == features:
        return _active_catalogue
    return anchors_for(features)


def _default_competitors() -> list[str]:
    return list(EngineConfig().signals.competitors)
