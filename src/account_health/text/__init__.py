"""Text intelligence: comment sentiment, text signals and themes.

`analyze_comments` is the one entry point the rest of the product calls, once per
comment when it arrives (import, modal, DM answer); its results are stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from account_health.domain.models import CommentAnalysis

_analyzer: SentimentIntensityAnalyzer | None = None


def analyze_comments(texts: Sequence[str]) -> list[CommentAnalysis]:
    """Analyse each text once: sentiment in -1..1 (the text-analysis issue refines this)."""
    global _analyzer
    if _analyzer is None:
        _analyzer = SentimentIntensityAnalyzer()
    return [CommentAnalysis(sentiment=_analyzer.polarity_scores(t)["compound"]) for t in texts]
