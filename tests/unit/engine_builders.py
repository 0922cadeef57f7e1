"""Small builders for hand-computed engine cases (shared by the engine's unit tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from account_health.domain.models import (
    Account,
    AccountData,
    CommentAnalysis,
    Feedback,
    FeedbackKind,
    Person,
    Role,
    Touchpoint,
    TouchpointKind,
    UsageWeek,
)

AS_OF = date(2025, 6, 15)  # a Sunday: the week of 2025-06-09 is complete


def at(days_before: int, as_of: date = AS_OF) -> datetime:
    """Noon UTC, `days_before` days before `as_of`."""
    day = as_of - timedelta(days=days_before)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def account(arr: float = 120_000, licensed: int | None = 10, **kw: object) -> Account:
    return Account(id="acc-1", name="Acme Corp", arr=arr, users_licensed=licensed, **kw)  # type: ignore[arg-type]


def person(pid: str, role: Role, active: bool = True, **kw: object) -> Person:
    return Person(id=pid, account_id="acc-1", role=role, name=pid.title(), active=active, **kw)  # type: ignore[arg-type]


_counter = iter(range(1_000_000))


def nps(pid: str | None, score: float, days_before: int, comment: str | None = None,
        role: Role | None = None, sentiment: float | None = None, topic: str | None = None,
        kind: FeedbackKind = FeedbackKind.NPS) -> Feedback:
    analysis = ()
    if comment is not None and (sentiment is not None or topic is not None):
        analysis = (CommentAnalysis(sentiment=sentiment or 0.0, topic=topic),)
    return Feedback(id=f"fb-{next(_counter)}", account_id="acc-1", kind=kind,
                    submitted_at=at(days_before), person_id=pid, role=role, score=score,
                    comment=comment, analysis=analysis)


def comment(pid: str, text: str, days_before: int, sentiment: float | None = None,
            kind: FeedbackKind = FeedbackKind.ENHANCEMENT_REQUEST,
            topic: str | None = None) -> Feedback:
    analysis = (CommentAnalysis(sentiment=sentiment, topic=topic),) if sentiment is not None else ()
    return Feedback(id=f"fb-{next(_counter)}", account_id="acc-1", kind=kind,
                    submitted_at=at(days_before), person_id=pid, comment=text, analysis=analysis)


def weeks(pid: str, logins: list[int], features: int | None = None, new: int | None = None,
          as_of: date = AS_OF) -> list[UsageWeek]:
    """One row per complete week ending at `as_of`, oldest first."""
    monday = as_of - timedelta(days=as_of.weekday())
    last = monday if as_of.weekday() == 6 else monday - timedelta(days=7)
    n = len(logins)
    return [UsageWeek(account_id="acc-1", person_id=pid, week=last - timedelta(weeks=n - 1 - i),
                      logins=count, features_used=features, new_features_adopted=new)
            for i, count in enumerate(logins)]


def touch(kind: TouchpointKind, days_before: int, pid: str | None = None,
          **kw: object) -> Touchpoint:
    return Touchpoint(account_id="acc-1", kind=kind, at=at(days_before), person_id=pid, **kw)  # type: ignore[arg-type]


def data(people: list[Person], feedback: list[Feedback] = (), usage: list[UsageWeek] = (),  # type: ignore[assignment]
         touchpoints: list[Touchpoint] = (), outcomes: list = (), renewals: list = (),  # type: ignore[assignment]
         acct: Account | None = None) -> AccountData:
    return AccountData(account=acct or account(), people=tuple(people), feedback=tuple(feedback),
                       usage=tuple(usage), touchpoints=tuple(touchpoints),
                       outcomes=tuple(outcomes), renewals=tuple(renewals))
