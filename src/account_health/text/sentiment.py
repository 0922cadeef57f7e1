"""Offline comment sentiment: a small supervised head over MiniLM embeddings, with VADER-B2B
as its fallback.

VADER-B2B: stock VADER reads consumer reviews. In customer-success feedback "support", "help"
and "please" are requests, not praise, and complaints are phrased as effort and time ("takes
too long", "had to build workarounds"). So we (1) update VADER's lexicon with B2B words, and
(2) add the valence of multi-word phrases VADER cannot see, plus the engine's own text signals
(evaluating alternatives, frustration), to VADER's raw sum before its normalisation.

Word lists miss what they were not written for, so when the comment's all-MiniLM-L6-v2
embedding is at hand (it is computed at ingest anyway) a multinomial logistic regression over
[embedding, VADER-B2B score, a few lexical features] decides. It is trained by
text/train_sentiment.py on text/data/sentiment_train.csv and stored as coefficients in
text/data/sentiment_head.npz, so scoring is one small matrix product. Its class
probabilities become a -1..1 score whose label is the head's decision (`stance_scores`), on
the scale the rest of the product reads (theme thresholds +-0.2, open issue at -0.3).

Accuracy on tests/fixtures/text/sentiment*.csv is measured in tests/unit/test_text_sentiment.py.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from account_health.domain.phrases import EVALUATING_ALTERNATIVES, FRUSTRATION
from account_health.text.embedding import EMBEDDING_DIM, MODEL_NAME

log = logging.getLogger(__name__)

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
_CONTRAST = re.compile(r"\b(?:but|however|though|although|yet|except|otherwise|aside)\b",
                       re.IGNORECASE)

HEAD_PATH = Path(__file__).with_name("data") / "sentiment_head.npz"
CLASSES = ("negative", "neutral", "positive")
_NEGATIVE, _NEUTRAL, _POSITIVE = (CLASSES.index(c) for c in ("negative", "neutral", "positive"))
LEXICAL_FEATURES = (
    "vader_b2b", "vader_b2b_after_contrast", "negative_phrases", "positive_phrases",
    "evaluating_alternatives", "frustration", "contrast", "question",
)


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


def vader_b2b_score(text: str, signals: Collection[str] = ()) -> float:
    """VADER-B2B sentiment of one comment in -1..1; `signals` are its detected text signals."""
    if not text or not text.strip():
        return 0.0
    return _vader_b2b(_analyzer().polarity_scores(text)["compound"], *_phrase_valences(text),
                      signals)


def score_sentiment(
    text: str, signals: Collection[str] = (), embedding: np.ndarray | None = None
) -> float:
    """Sentiment of one comment in -1..1 (see `score_sentiments`)."""
    vectors = None if embedding is None else np.asarray(embedding, dtype=np.float32)[None, :]
    return score_sentiments([text], [signals], vectors)[0]


def score_sentiments(
    texts: Sequence[str],
    signals: Sequence[Collection[str]],
    embeddings: np.ndarray | None = None,
) -> list[float]:
    """Sentiment of each comment in -1..1: the trained head's stance (`stance_scores`) when
    `embeddings` (all-MiniLM-L6-v2 rows) are given and the head is installed, else the
    VADER-B2B score. Empty texts are 0."""
    head = load_head() if embeddings is not None else None
    if head is None or embeddings is None:
        return [vader_b2b_score(text, found) for text, found in zip(texts, signals, strict=True)]
    scores = stance_scores(head.probabilities(head_features(texts, signals, embeddings)))
    return [float(s) if text.strip() else 0.0 for text, s in zip(texts, scores, strict=True)]


def stance_scores(probabilities: np.ndarray) -> np.ndarray:
    """-1..1 scores whose `sentiment_label` is the head's most likely class.

    The winning polar class's margin over the runner-up, lifted past the neutral band: 0 when
    neutral wins, about +-0.05 for a coin toss, near +-1 when the head is sure. P(pos) - P(neg)
    would give a comment the head calls neutral up to +-0.33 and so count it as clearly positive
    or negative in theme aggregation (thresholds +-0.2).
    """
    positive, neutral, negative = (
        probabilities[:, _POSITIVE], probabilities[:, _NEUTRAL], probabilities[:, _NEGATIVE]
    )
    margin = np.maximum(positive, neutral) - np.maximum(negative, neutral)
    lifted = np.sign(margin) * (NEUTRAL_BAND + (1.0 - NEUTRAL_BAND) * np.abs(margin))
    return np.clip(lifted, -1.0, 1.0)


def lexical_features(text: str, signals: Collection[str] = ()) -> list[float]:
    """The head's hand-made features, in LEXICAL_FEATURES order."""
    if not text.strip():
        return [0.0] * len(LEXICAL_FEATURES)
    negative, positive = _phrase_valences(text)
    tail = _CONTRAST.split(text)[-1]
    return [
        _vader_b2b(_analyzer().polarity_scores(text)["compound"], negative, positive, signals),
        # In "great reporting, but mobile is unusable" the clause after the contrast decides.
        vader_b2b_score(tail) if tail != text else 0.0,
        negative / 4.0,
        positive / 4.0,
        float(EVALUATING_ALTERNATIVES in signals),
        float(FRUSTRATION in signals),
        float(tail != text),
        float("?" in text),
    ]


def head_features(
    texts: Sequence[str], signals: Sequence[Collection[str]], embeddings: np.ndarray
) -> np.ndarray:
    """Rows of [embedding, lexical features]: the head's input."""
    lexical = np.array(
        [lexical_features(text, found) for text, found in zip(texts, signals, strict=True)],
        dtype=np.float32,
    ).reshape(len(texts), len(LEXICAL_FEATURES))
    return np.hstack([np.asarray(embeddings, dtype=np.float32), lexical])


@dataclass(frozen=True, slots=True)
class SentimentHead:
    """Multinomial logistic regression with the feature scaling folded into the weights."""

    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = features @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        np.savez(
            path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
            classes=np.array(CLASSES), lexical=np.array(LEXICAL_FEATURES),
            embedding_model=np.array(MODEL_NAME),
        )


@lru_cache(maxsize=1)
def load_head(path: Path = HEAD_PATH) -> SentimentHead | None:
    """The trained head, or None (VADER-B2B is used) when its file is missing or was trained
    for other classes, features or embeddings than this code produces."""
    try:
        with np.load(path) as stored:
            matches = (
                tuple(stored["classes"]) == CLASSES
                and tuple(stored["lexical"]) == LEXICAL_FEATURES
                and str(stored["embedding_model"]) == MODEL_NAME
            )
            head = SentimentHead(stored["weights"], stored["bias"])
    except (OSError, KeyError, ValueError) as error:
        log.warning("sentiment head %s not usable (%s); using VADER-B2B", path, error)
        return None
    if not matches or head.weights.shape != (len(CLASSES), EMBEDDING_DIM + len(LEXICAL_FEATURES)):
        log.warning("sentiment head %s does not match this code; using VADER-B2B "
                    "(rerun python -m account_health.text.train_sentiment)", path)
        return None
    return head


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


def _phrase_valences(text: str) -> tuple[float, float]:
    """Summed valence of the negative and of the positive B2B phrases found in `text`."""
    found = [v for pattern, v in _PHRASE_PATTERNS if pattern.search(text)]
    return sum(v for v in found if v < 0), sum(v for v in found if v > 0)


def _vader_b2b(
    compound: float, negative: float, positive: float, signals: Collection[str]
) -> float:
    extra = negative + positive + sum(_SIGNAL_VALENCE.get(signal, 0.0) for signal in signals)
    if extra == 0.0:
        return compound
    return _normalise(_raw_from_compound(compound) + extra)


def _normalise(raw: float) -> float:
    return max(-1.0, min(1.0, raw / math.sqrt(raw * raw + _VADER_ALPHA)))
