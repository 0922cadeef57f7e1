"""Offline comment sentiment: VADER with a B2B word list and a few phrase rules.

Stock VADER reads consumer reviews. In customer-success feedback "support", "help" and
"please" are requests, not praise, and complaints are phrased as effort and time ("takes too
long", "had to build workarounds"). So we (1) update VADER's lexicon with B2B words, and (2)
add the valence of multi-word phrases VADER cannot see, plus the engine's own text signals
(evaluating alternatives, frustration), to VADER's raw sum before its normalisation.

Accuracy on tests/fixtures/text/sentiment.csv is measured in tests/unit/test_text_sentiment.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from account_health.domain.phrases import EVALUATING_ALTERNATIVES, FRUSTRATION

NEUTRAL_BAND = 0.05  # |compound| below this is neutral (VADER's own convention)
_VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = x / sqrt(x^2 + alpha)

# Word valences on VADER's -4..4 scale. Requests and politeness carry no sentiment in B2B
# feedback; product words that signal friction or delight do.
B2B_LEXICON: dict[str, float] = {
    # requests and politeness, not praise
    "support": 0.0, "help": 0.0, "please": 0.0, "like": 0.0, "share": 0.0, "want": 0.0,
    "promised": 0.0, "wish": 0.0, "champion": 0.0, "free": 0.0, "agreement": 0.0, "yes": 0.0,
    # friction
    "slow": -1.6, "slower": -1.6, "sluggish": -1.8, "laggy": -1.8, "lag": -1.2,
    "clunky": -1.9, "buggy": -2.0, "crashes": -2.0, "crashing": -2.0, "crashed": -2.0,
    "timeout": -1.5, "timeouts": -1.5, "outage": -2.0, "outages": -2.0, "downtime": -1.8,
    "glitch": -1.5, "glitches": -1.5, "glitchy": -1.8, "unreliable": -2.2, "unstable": -1.9,
    "confusing": -1.8, "cumbersome": -1.9, "tedious": -1.8, "workaround": -1.3,
    "workarounds": -1.3, "overpriced": -2.3, "expensive": -1.5, "pricey": -1.3, "stale": -1.3,
    "outdated": -1.3, "noisy": -1.2, "afterthought": -1.6, "lacks": -1.3, "lacking": -1.3,
    "nightmare": -2.5, "break": -1.4, "breaks": -1.6, "broke": -1.6, "unusable": -2.6,
    "bloated": -1.6, "error-prone": -1.8,
    # delight
    "intuitive": 2.0, "seamless": 2.2, "seamlessly": 2.2, "effortless": 2.3, "painless": 2.0,
    "smooth": 1.8, "smoothly": 1.8, "smoother": 1.6, "flawless": 2.6, "flawlessly": 2.6,
    "reliable": 1.8, "responsive": 1.6, "proactive": 1.6, "saves": 1.8, "breeze": 2.0,
    "fixed": 1.2, "helped": 1.4, "faster": 1.2, "essential": 1.5,
}

# Phrases VADER scores word by word; valence on the same -4..4 scale.
_PHRASES: tuple[tuple[str, float], ...] = (
    # time and effort as a complaint
    (r"\b(?:takes?|took|taking)\s+(?:way\s+)?(?:too\s+long|forever|ages|weeks|days)\b", -2.2),
    (r"\btoo\s+(?:long|slow|many|much|expensive|complex|complicated|hard|difficult"
     r"|manual)\b", -2.0),
    (r"\b(?:hard|difficult|impossible|tough)\s+to\s+(?:justify|find|get|use|adopt|learn|navigate"
     r"|understand|see|trust|explain|configure|set\s+up)\b", -2.2),
    (r"\b(?:can(?:no|')t|could(?:n't| not))\s+justify\b", -2.2),
    (r"\bjustify\s+the\s+(?:cost|price|spend|renewal)\b", -1.2),
    (r"\bwish\s+(?:it|you|there|the\s+\w+|we)\s+(?:had|has|was|were|could|would|worked|supported)\b",
     -3.0),  # an unmet need; outweighs the "better" that usually follows
    (r"\bstill\s+waiting\b|\bwaiting\s+(?:on|for)\s+(?:the|a|an|our)\b", -1.8),
    (r"\bwithout\s+(?:a\s+|any\s+)?(?:reply|response|answer|fixing|resolution|update)\b", -2.0),
    (r"\b(?:had|have|need)\s+to\s+(?:build|create|use|find)\s+(?:\w+\s+)?workarounds?\b", -1.0),
    (r"\b(?:rebuild\w*|redo\w*|re-?enter\w*)\s+(?:everything|it\s+all|\w+\s+manually)\b", -1.5),
    (r"\btiming\s+out\b|\btimes?\s+out\b", -1.8),
    (r"\bnobody\s+(?:\w+\s+){0,3}(?:logs?\s+in|uses?|opens?)\b", -2.0),
    (r"\b(?:price|pricing|cost)\s+(?:increase|hike|went\s+up|goes\s+up)\b", -1.8),
    (r"\bcaught\s+us\s+off\s+guard\b", -1.5),
    (r"\bhalf\s+the\s+price\b", -1.5),
    (r"\blearning\s+curve\b", -1.2),
    (r"\b(?:like|feels\s+like)\s+a\s+beta\b|\bbeta\s+product\b", -1.6),
    (r"\bsit\w*\s+for\s+(?:days|weeks)\b", -1.6),
    (r"\brequired\s+an?\s+(?:engineer|developer|consultant)\b", -1.2),
    (r"\bbasic\s+(?:\w+\s+)?(?:needs|actions|features|things)\b", -0.8),
    # value and time saved
    (r"\bsav(?:es?|ed|ing)\s+(?:us|me|my\s+team|our\s+team|the\s+team)?\s*(?:a\s+)?"
     r"(?:hours|time|days?|a\s+ton|money|weeks?|full\s+day)\b", 2.2),
    (r"\btime\s*-?\s*saver\b", 2.2),
    (r"\bcut\s+(?:our\s+|the\s+)?(?:\w+\s+){0,2}(?:time|effort|costs?|work)"
     r"\s+(?:in\s+half|by)\b", 2.0),
    (r"\bpays?\s+for\s+itself\b", 2.4),
    (r"\bjust\s+works\b", 2.0),
    (r"\bremoved\s+(?:a\s+lot\s+of\s+)?(?:manual|busywork)\b|\bbusywork\b", 1.0),
    (r"\banswered\s+every\s+question\b", 1.5),
    (r"\bfixed\s+every\s+(?:issue|bug|problem)\b", 1.5),
)
_PHRASE_PATTERNS = tuple((re.compile(p, re.IGNORECASE), v) for p, v in _PHRASES)
_SIGNAL_VALENCE = {EVALUATING_ALTERNATIVES: -2.5, FRUSTRATION: -1.5}


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(B2B_LEXICON)
    return analyzer


def sentiment_words(min_valence: float = 0.5) -> frozenset[str]:
    """Words that carry sentiment (|valence| >= `min_valence`): not topic words."""
    return frozenset(
        word for word, valence in _analyzer().lexicon.items()
        if abs(valence) >= min_valence and word.isalpha()
    )


def score_sentiment(text: str, signals: Collection[str] = ()) -> float:
    """Sentiment of one comment in -1..1; `signals` are the text signals already detected in it."""
    if not text or not text.strip():
        return 0.0
    compound = _analyzer().polarity_scores(text)["compound"]
    extra = sum(v for pattern, v in _PHRASE_PATTERNS if pattern.search(text))
    extra += sum(_SIGNAL_VALENCE.get(signal, 0.0) for signal in signals)
    if extra == 0.0:
        return compound
    return _normalise(_raw_from_compound(compound) + extra)


def sentiment_label(score: float) -> str:
    """positive / negative / neutral, with VADER's neutral band."""
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def _raw_from_compound(compound: float) -> float:
    """Invert VADER's normalisation so phrase valences add on VADER's own scale."""
    clipped = max(-0.9999, min(0.9999, compound))
    return clipped * math.sqrt(_VADER_ALPHA) / math.sqrt(1.0 - clipped * clipped)


def _normalise(raw: float) -> float:
    return max(-1.0, min(1.0, raw / math.sqrt(raw * raw + _VADER_ALPHA)))
