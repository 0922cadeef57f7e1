"""Weighted account sentiment: the seed's calculateAccountSentiment, plus classic NPS.

weight = role weight x (1 if the person is active, else the inactive factor 0.5)
weighted average = sum(score x weight) / sum(weight), over each person's latest NPS answer
in the window (default 90 days). Coverage = respondents / active users. Decision-maker
coverage = executive sponsors and champions who answered anything in the window / all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from account_health.domain.facts import AccountView, Window
from account_health.domain.models import DECISION_MAKERS, Feedback, FeedbackKind
from account_health.domain.report import SentimentSummary


@dataclass(frozen=True, slots=True)
class Voice:
    """One person's latest NPS answer in the window, with the weight the seed gives it."""

    feedback: Feedback
    role: str
    active: bool
    weight: float

    @property
    def score(self) -> float:
        assert self.feedback.score is not None
        return self.feedback.score


def voices(view: AccountView, window: Window) -> list[Voice]:
    latest = view.latest_by_person(window, (FeedbackKind.NPS,))
    out = []
    for fb in latest.values():
        role = view.role_of(fb)
        active = view.is_active(fb.person_id)
        out.append(Voice(fb, role, active, view.config.role_weight(role, active)))
    return out


def weighted_average(items: list[Voice]) -> float | None:
    """seed: weightedSum / totalWeight."""
    total = sum(v.weight for v in items)
    if total <= 0:
        return None
    return sum(v.score * v.weight for v in items) / total


def raw_average(items: list[Voice]) -> float | None:
    return sum(v.score for v in items) / len(items) if items else None


def classic_nps(items: list[Voice], promoter_min: float, detractor_max: float) -> float | None:
    """% promoters (9-10) minus % detractors (0-6), -100..100, one answer per person."""
    if not items:
        return None
    promoters = sum(1 for v in items if v.score >= promoter_min)
    detractors = sum(1 for v in items if v.score <= detractor_max)
    return 100.0 * (promoters - detractors) / len(items)


def decision_maker_coverage(view: AccountView, window: Window) -> float | None:
    deciders = {p.id for p in view.with_role(*DECISION_MAKERS)}
    if not deciders:
        return None
    answered = {fb.person_id for fb in view.data.feedback if fb.submitted_at in window}
    return len(deciders & answered) / len(deciders)


def mean_comment_sentiment(view: AccountView, window: Window) -> float | None:
    """The average analysed sentiment of the window's comments (the backtest's third score)."""
    scores = [c.sentiment for c in view.comments_in(window) if c.sentiment is not None]
    return sum(scores) / len(scores) if scores else None


def calculate_account_sentiment(view: AccountView, window: Window) -> SentimentSummary:
    cfg = view.config.sentiment
    items = voices(view, window)
    count = len(items)
    active = view.active_count
    enough = count >= cfg.min_respondents
    note = None
    if count == 0:
        note = f"No NPS answers in the last {cfg.window_days} days: sentiment unknown."
    elif not enough:
        note = (
            f"Only {count} of {active} active users answered in the last {cfg.window_days} days "
            f"(fewer than {cfg.min_respondents}): treat these figures with caution."
        )
    return SentimentSummary(
        raw_average=_round(raw_average(items)),
        weighted_average=_round(weighted_average(items)),
        respondent_count=count,
        coverage_rate=_round(count / active, 3) if active else None,
        decision_maker_coverage=_round(decision_maker_coverage(view, window), 3),
        active_users=active,
        nps=_round(classic_nps(items, cfg.promoter_min, cfg.detractor_max), 1),
        comment_sentiment=_round(mean_comment_sentiment(view, window), 3),
        comments=len(view.comments_in(window)),
        enough_responses=enough,
        note=note,
    )


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
