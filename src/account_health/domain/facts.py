"""Shared facts about one account as of a day: time windows, who is active, who said what.

Every engine module reads the account through these helpers so that "as of", "the window",
"active" and "each person once, by their latest answer" mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from account_health.domain.config import EngineConfig
from account_health.domain.models import (
    AccountData,
    CommentAnalysis,
    Feedback,
    FeedbackKind,
    Person,
    Role,
    UsageWeek,
)
from account_health.domain.phrases import detect_text_signals
from account_health.domain.report import Evidence


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in UTC: `--as-of DAY` knows everything up to here."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """Times are aware UTC by contract; a naive one is read as UTC rather than crash."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def known_as_of(data: AccountData, as_of: date) -> AccountData:
    """Drop everything dated after the end of `as_of`, even if the caller passed it in."""
    if data.known_as_of is not None and data.known_as_of <= as_of:
        return data
    end = end_of_day(as_of)
    people = tuple(
        p if p.left_at is None or as_utc(p.left_at) <= end else replace(p, left_at=None)
        for p in data.people
    )
    return replace(
        data,
        known_as_of=as_of,
        people=people,
        feedback=tuple(f for f in data.feedback if as_utc(f.submitted_at) <= end),
        usage=tuple(u for u in data.usage if u.week <= as_of),
        touchpoints=tuple(t for t in data.touchpoints if as_utc(t.at) <= end),
        outcomes=tuple(o for o in data.outcomes if as_utc(o.at) <= end),
        renewals=tuple(r for r in data.renewals if r.date <= as_of),
    )


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open period (start, end]: the latest `days` days up to `end`."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, as_of: date, days: int, periods_back: int = 0) -> Window:
        end = end_of_day(as_of) - timedelta(days=days * periods_back)
        return cls(end - timedelta(days=days), end)

    def __contains__(self, moment: datetime) -> bool:
        return self.start < as_utc(moment) <= self.end


def days_between(earlier: datetime, as_of: date) -> int:
    return (as_of - as_utc(earlier).date()).days


class AccountView:
    """One account's data as of a day, with the lookups every module needs, computed once."""

    def __init__(self, data: AccountData, as_of: date, config: EngineConfig) -> None:
        self.data = known_as_of(data, as_of)
        self.as_of = as_of
        self.config = config
        self.people: dict[str, Person] = {p.id: p for p in self.data.people}
        self._role_values = {p.id: p.role.value for p in self.data.people}
        self.current_people = [p for p in self.data.people if p.left_at is None]
        self.weeks = complete_weeks(self.data.usage, as_of)
        self._active = self._active_ids()
        self._comments: dict[Window, list[Comment]] = {}
        self._logins: dict[str | None, dict[date, int]] = {}

    # --- who ------------------------------------------------------------------------------
    def _active_ids(self) -> frozenset[str]:
        """Active = logged in during the recent complete weeks when usage is known (so a
        backtest never reads today's flag), else the person's own `active` flag."""
        current = {p.id for p in self.current_people}
        if self.data.usage:
            recent = set(self.weeks[-self.config.health.recent_weeks:])
            logged_in = {u.person_id for u in self.data.usage if u.week in recent and u.logins > 0}
            return frozenset(current & logged_in)
        return frozenset(p.id for p in self.current_people if p.active)

    def is_active(self, person_id: str | None) -> bool:
        if person_id is None or person_id not in self.people:
            return True  # an unknown respondent answered, so they were active
        return person_id in self._active

    @property
    def active_count(self) -> int:
        return len(self._active)

    def role_of(self, feedback: Feedback) -> str:
        """The respondent's role today if they are on the roster, else the answer's own."""
        role = self._role_values.get(feedback.person_id or "")
        if role is not None:
            return role
        return (feedback.role or Role.CASUAL_USER).value

    def label(self, person_id: str | None, role: str | None = None) -> str:
        person = self.people.get(person_id or "")
        name = (person.name if person else None) or person_id or "anonymous"
        role = role or (person.role.value if person else None)
        return f"{name} ({role})" if role else name

    def with_role(self, *roles: Role) -> list[Person]:
        return [p for p in self.current_people if p.role in roles]

    # --- what they said -------------------------------------------------------------------
    def latest_by_person(
        self, window: Window, kinds: Iterable[FeedbackKind], has: str = "score"
    ) -> dict[str, Feedback]:
        """Each person once: their latest response of these kinds in the window that has a
        value in field `has`. Anonymous responses count as their own person."""
        kinds = frozenset(kinds)
        latest: dict[str, Feedback] = {}
        for fb in self.data.feedback:
            if fb.kind not in kinds or fb.submitted_at not in window or getattr(fb, has) is None:
                continue
            key = fb.person_id or f"feedback:{fb.id}"
            if key not in latest or as_utc(fb.submitted_at) > as_utc(latest[key].submitted_at):
                latest[key] = fb
        return latest

    def comments_in(self, window: Window) -> list[Comment]:
        """Every piece of free text answered in the window, oldest first (computed once)."""
        if window not in self._comments:
            self._comments[window] = [c for fb in self.data.feedback if fb.submitted_at in window
                                      for c in _comments_of(fb, self)]
        return self._comments[window]

    def logins_by_week(self, person_id: str | None = None) -> dict[date, int]:
        """Weekly logins of the account (None) or of one person, computed once."""
        if not self._logins:
            totals: dict[str | None, dict[date, int]] = {None: {}}
            for u in self.data.usage:
                for key in (None, u.person_id):
                    weeks = totals.setdefault(key, {})
                    weeks[u.week] = weeks.get(u.week, 0) + u.logins
            self._logins = totals
        return self._logins.get(person_id, {})

    def evidence(self, fb: Feedback, what: str) -> Evidence:
        return Evidence(what=what, who=self.label(fb.person_id, self.role_of(fb)),
                        when=as_utc(fb.submitted_at))


@dataclass(frozen=True, slots=True)
class Comment:
    """One piece of free text with what is known about it and its author."""

    feedback: Feedback
    text: str
    person_id: str | None
    role: str
    when: datetime
    sentiment: float | None
    signals: frozenset[str]
    competitors: frozenset[str]
    topic: str | None


def _comments_of(fb: Feedback, view: AccountView) -> list[Comment]:
    texts = fb.texts
    analyses: Sequence[CommentAnalysis | None] = list(fb.analysis) + [None] * (
        len(texts) - len(fb.analysis)
    )
    competitors = view.config.signals.competitors
    out = []
    for text, analysis in zip(texts, analyses, strict=False):
        if analysis is None:
            # No stored analysis: find the phrase signals here; sentiment stays unknown.
            signals, named = detect_text_signals(text, competitors)
            sentiment, topic = None, None
        else:  # analysed at arrival (text.analyze_comments ran detect_text_signals then)
            signals, named = analysis.signals, analysis.competitors
            sentiment, topic = analysis.sentiment, analysis.topic
        out.append(Comment(fb, text, fb.person_id, view.role_of(fb), as_utc(fb.submitted_at),
                           sentiment, signals, named, topic))
    return out


def complete_weeks(usage: Sequence[UsageWeek], as_of: date) -> list[date]:
    """The Mondays of weeks fully over by `as_of`, oldest first, without gaps from the first
    week with data (a week with no rows for the account is a week of zero logins)."""
    last_monday = as_of - timedelta(days=as_of.weekday())
    last_complete = last_monday if as_of.weekday() == 6 else last_monday - timedelta(days=7)
    starts = [u.week for u in usage if u.week <= last_complete]
    if not starts:
        return []
    first = min(starts)
    weeks, week = [], first
    while week <= last_complete:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks


def recent_vs_baseline(
    per_week: dict[date, int], weeks: Sequence[date], recent: int, baseline: int
) -> tuple[float, float] | None:
    """Average weekly value of the last `recent` complete weeks and of the `baseline` weeks
    before them; None when there are not enough weeks to compare."""
    if len(weeks) < recent + 1:
        return None
    now = weeks[-recent:]
    before = weeks[-recent - baseline:-recent]
    now_avg = sum(per_week.get(w, 0) for w in now) / len(now)
    before_avg = sum(per_week.get(w, 0) for w in before) / len(before)
    return now_avg, before_avg
