"""Theme aggregation: what is this account talking about? (seed: aggregateAccountThemes)

Comments are grouped by `CommentAnalysis.topic` when text analysis set one (the text engineer's
clustering); otherwise by the keyword table in ThemeConfig, behind this same function.
A theme needs at least `min_people` (seed: minClusterSize 2) distinct people. It reports the
roles that raised it, its sentiment, whether a decision-maker (executive sponsor or champion)
raised it, and priority = negative and raised by a decision-maker ("Onboarding is negative and
mentioned by executives - priority issue").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from account_health.domain.config import ThemeConfig
from account_health.domain.facts import AccountView, Comment, Window
from account_health.domain.models import FeedbackKind
from account_health.domain.phrases import FRUSTRATION
from account_health.domain.report import Evidence, Theme

MAX_EXAMPLES = 3
FRUSTRATED_SENTIMENT = -0.5  # an unanalysed comment with frustration words


@lru_cache(maxsize=8)
def _keyword_patterns(
    table: tuple[tuple[str, tuple[str, ...]], ...],
) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (topic, re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keywords) + r")", re.I))
        for topic, keywords in table
    ]


def keyword_topics(text: str, config: ThemeConfig) -> list[str]:
    """The fallback grouping: every topic whose keywords appear in the text."""
    table = tuple((t, tuple(k)) for t, k in config.keyword_topics.items())
    return [topic for topic, pattern in _keyword_patterns(table) if pattern.search(text)]


def comment_sentiment(c: Comment) -> float | None:
    """The analysed sentiment, or, without one, what the words or the response's score say."""
    if c.sentiment is not None:
        return c.sentiment
    if FRUSTRATION in c.signals:
        return FRUSTRATED_SENTIMENT
    fb = c.feedback
    if fb.score is not None:
        if fb.kind is FeedbackKind.NPS:
            return (fb.score - 5) / 5
        return (fb.score - 3) / 2
    if fb.overall_satisfaction is not None:
        return (fb.overall_satisfaction - 3) / 2
    return None


def sentiment_label(scores: Sequence[float], config: ThemeConfig) -> str:
    if not scores:
        return "neutral"
    positive = sum(1 for s in scores if s > config.positive_above) / len(scores)
    negative = sum(1 for s in scores if s < config.negative_below) / len(scores)
    if positive >= config.mixed_share and negative >= config.mixed_share:
        return "mixed"
    mean = sum(scores) / len(scores)
    if mean > config.positive_above:
        return "positive"
    if mean < config.negative_below:
        return "negative"
    return "neutral"


def aggregate_themes(view: AccountView, window: Window) -> list[Theme]:
    cfg = view.config.themes
    groups: dict[str, list[Comment]] = defaultdict(list)
    for c in view.comments_in(window):
        for topic in [c.topic] if c.topic else keyword_topics(c.text, cfg):
            groups[topic].append(c)
    themes = []
    for topic, items in groups.items():
        people = {c.person_id or c.feedback.id for c in items}
        if len(people) < cfg.min_people:
            continue
        scores = [s for s in (comment_sentiment(c) for c in items) if s is not None]
        label = sentiment_label(scores, cfg)
        roles = sorted({c.role for c in items})
        executive = any(r in cfg.decision_maker_roles for r in roles)
        newest = sorted(items, key=lambda c: c.when, reverse=True)
        themes.append(Theme(
            topic=topic, mentions=len(items), roles=roles, sentiment=label,  # type: ignore[arg-type]
            executive_mention=executive, priority=executive and label == "negative",
            sentiment_score=round(sum(scores) / len(scores), 2) if scores else None,
            people=len(people),
            examples=[Evidence(what=f'"{c.text}"', who=view.label(c.person_id, c.role), when=c.when)
                      for c in newest[:MAX_EXAMPLES]],
        ))
    themes.sort(key=lambda t: (not t.priority, -t.mentions, t.topic))
    return themes[:cfg.max_themes]
