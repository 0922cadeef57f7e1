"""Reading and writing domain objects: the only place that maps tables to domain records.

Every function takes a Session and returns plain records from `domain/models.py`.
"As of a day" means known at the end of that day UTC: nothing dated later is read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Text, and_, cast, func, insert, select
from sqlalchemy.orm import Session

from account_health.domain.models import (
    Account,
    AccountData,
    CommentAnalysis,
    ExpansionInterest,
    Feedback,
    FeedbackKind,
    Outcome,
    OutcomeKind,
    Person,
    Renewal,
    RenewalOutcome,
    Role,
    Touchpoint,
    TouchpointKind,
    UsageWeek,
)
from account_health.domain.report import Report
from account_health.storage.bulk import (
    CommentAnalyser,
    TableWriter,
    execute_many,
)
from account_health.storage.tables import (
    AccountRow,
    CommentAnalysisRow,
    FeedbackRow,
    HealthSnapshotRow,
    OutcomeRow,
    PersonRow,
    RenewalRow,
    TouchpointRow,
    UsageWeekRow,
)
from account_health.storage.validation import InvalidRecord, validate_feedback

COMPONENTS = ("feedback", "engagement", "relationship", "outcome")


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """A stored health snapshot: what the engine compares against for trends."""

    account_id: str
    as_of: date
    overall: float
    tier: str
    components: dict[str, float] = field(default_factory=dict)
    created_at: datetime | None = None
    confidence: float | None = None
    run_id: int | None = None


def end_of_day(day: date) -> datetime:
    """The last instant of `day` UTC, as the exclusive bound's predecessor."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) - timedelta(microseconds=1)


# --- accounts --------------------------------------------------------------------------


def list_accounts(session: Session) -> list[Account]:
    rows = session.scalars(select(AccountRow).order_by(AccountRow.name, AccountRow.id))
    return [_account(row) for row in rows]


def get_account(session: Session, account_id: str) -> Account | None:
    row = session.get(AccountRow, account_id)
    return _account(row) if row is not None else None


def load_account_data(session: Session, account_id: str, as_of: date) -> AccountData | None:
    """Everything known about one account at the end of `as_of`, or None if it does not exist."""
    return next(iter_account_data(session, as_of, [account_id]), None)


def iter_account_data(session: Session, as_of: date, account_ids: Sequence[str] | None = None,
                      batch_size: int = 500, usage_since: date | None = None
                      ) -> Iterator[AccountData]:
    """AccountData for many accounts, `batch_size` at a time, a few IN queries per batch.

    Accounts come in id order (all of them when `account_ids` is None); unknown ids are skipped.
    `usage_since` (see `usage_window_start`) reads only the weekly usage the engine's report
    depends on instead of the whole history: most of a run's rows.
    """
    if account_ids is None:
        ids = list(session.scalars(select(AccountRow.id).order_by(AccountRow.id)))
    else:
        ids = list(dict.fromkeys(account_ids))
    for start in range(0, len(ids), batch_size):
        yield from _load_batch(session, ids[start:start + batch_size], as_of, usage_since)


USAGE_MARGIN_WEEKS = 2


def usage_window_start(as_of: date, recent_weeks: int, baseline_weeks: int) -> date:
    """The first week whose usage rows a report as of `as_of` reads in full.

    The engine compares the last `recent_weeks` complete weeks with the `baseline_weeks`
    before them; older rows matter only as the account's first week (where its weeks start)
    and as each person's last week with a new feature adopted. `_usage_of` keeps exactly
    those, so the report is the same as with the whole history (the benchmark checks it
    against `load_account_data`, which reads everything, and so does a test).
    """
    last_monday = as_of - timedelta(days=as_of.weekday())
    weeks = recent_weeks + baseline_weeks + USAGE_MARGIN_WEEKS
    return last_monday - timedelta(weeks=weeks)


def _load_batch(session: Session, ids: list[str], as_of: date,
                usage_since: date | None = None) -> Iterator[AccountData]:
    end = end_of_day(as_of)
    accounts = {row.id: row for row in session.connection().execute(
        select(AccountRow.__table__).where(AccountRow.id.in_(ids)))}
    analysis = _analysis_for(session, ids, end)
    feedback = _feedback_of(session, ids, end, analysis)
    usage = _usage_of(session, ids, as_of, usage_since)
    people = _people_of(session, ids, end)
    touchpoints = _touchpoints_of(session, ids, end)
    outcomes = _outcomes_of(session, ids, end)
    renewals = _renewals_of(session, ids, as_of)
    for account_id in ids:
        row = accounts.get(account_id)
        if row is None:
            continue
        yield AccountData(
            account=_account(row),
            people=tuple(people.get(account_id, ())),
            feedback=tuple(feedback.get(account_id, ())),
            usage=tuple(usage.get(account_id, ())),
            touchpoints=tuple(touchpoints.get(account_id, ())),
            outcomes=tuple(outcomes.get(account_id, ())),
            renewals=tuple(renewals.get(account_id, ())),
            known_as_of=as_of,
        )


# The loaders below read the driver's plain tuples (see `_raw_rows`) and convert the few
# stored types themselves: SQLite keeps dates and times as ISO text and booleans as 0/1.

_FEEDBACK_COLUMNS = ("id", "account_id", "kind", "submitted_at", "person_id", "role", "score",
                     "overall_satisfaction", "value_realization", "renewal_likelihood",
                     "expansion_interest", "comment", "concerns")


def _feedback_of(session: Session, ids: list[str], end: datetime,
                 analysis: Mapping[str, tuple[CommentAnalysis, ...]]
                 ) -> dict[str, list[Feedback]]:
    """Responses grouped by account, oldest first, with their stored text analysis."""
    f = FeedbackRow.__table__.c
    query = (_feedback_query().where(f.account_id.in_(ids), f.submitted_at <= end)
             .order_by(f.account_id, f.submitted_at, f.id))  # the index's order
    groups: dict[str, list[Feedback]] = defaultdict(list)
    for values in _raw_rows(session, query):
        feedback = _feedback(values, analysis.get(values[0], ()))
        groups[feedback.account_id].append(feedback)
    return groups


def _feedback_query() -> Any:
    """The columns `_feedback` reads, in its order."""
    f = FeedbackRow.__table__.c
    return select(*(_as_text(f[name]) for name in _FEEDBACK_COLUMNS))


def _feedback(values: Sequence[Any], analysis: tuple[CommentAnalysis, ...]) -> Feedback:
    """A stored response (the columns of `_feedback_query`) as the engine reads it."""
    (feedback_id, account_id, kind, submitted_at, person_id, role, score, satisfaction, value,
     renewal, expansion, comment, concerns) = values
    return Feedback(
        id=feedback_id, account_id=account_id, kind=_FEEDBACK_KINDS[kind],
        submitted_at=_utc(submitted_at), person_id=person_id,
        role=_ROLES[role] if role else None, score=score,
        overall_satisfaction=satisfaction, value_realization=value,
        renewal_likelihood=renewal,
        expansion_interest=_EXPANSION[expansion] if expansion else None,
        comment=comment, concerns=_stored_list(concerns), analysis=analysis,
    )


def _people_of(session: Session, ids: list[str], end: datetime) -> dict[str, list[Person]]:
    """People by account, in id order; a later departure or login is not known yet."""
    p = PersonRow
    query = (select(p.id, p.account_id, p.role, p.name, p.email, p.title, p.slack_user_id,
                    p.active, p.last_login, p.left_at)
             .where(p.account_id.in_(ids)).order_by(p.id))
    groups: dict[str, list[Person]] = defaultdict(list)
    for (person_id, account_id, role, name, email, title, slack_user_id, active, last_login,
         left_at) in _raw_rows(session, query):
        last_login, left_at = _utc_or_none(last_login), _utc_or_none(left_at)
        groups[account_id].append(Person(
            id=person_id, account_id=account_id, role=_ROLES[role], name=name, email=email,
            title=title, slack_user_id=slack_user_id, active=bool(active),
            last_login=last_login if last_login is not None and last_login <= end else None,
            left_at=left_at if left_at is not None and left_at <= end else None,
        ))
    return groups


def _touchpoints_of(session: Session, ids: list[str], end: datetime
                    ) -> dict[str, list[Touchpoint]]:
    t = TouchpointRow
    query = (select(t.account_id, t.kind, t.at, t.person_id, t.response_hours, t.sentiment,
                    t.note)
             .where(t.account_id.in_(ids), t.at <= end).order_by(t.at, t.id))
    groups: dict[str, list[Touchpoint]] = defaultdict(list)
    for account_id, kind, at, person_id, hours, sentiment, note in _raw_rows(session, query):
        groups[account_id].append(Touchpoint(
            account_id=account_id, kind=_TOUCHPOINT_KINDS[kind], at=_utc(at),
            person_id=person_id, response_hours=hours, sentiment=sentiment, note=note))
    return groups


def _outcomes_of(session: Session, ids: list[str], end: datetime) -> dict[str, list[Outcome]]:
    o = OutcomeRow
    query = (select(o.account_id, o.at, o.kind, o.value)
             .where(o.account_id.in_(ids), o.at <= end).order_by(o.at, o.id))
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for account_id, at, kind, value in _raw_rows(session, query):
        groups[account_id].append(Outcome(account_id=account_id, at=_utc(at),
                                          kind=OutcomeKind(kind), value=value))
    return groups


def _renewals_of(session: Session, ids: list[str], as_of: date) -> dict[str, list[Renewal]]:
    r = RenewalRow
    query = (select(r.account_id, r.date, r.outcome, r.arr_after)
             .where(r.account_id.in_(ids), r.date <= as_of).order_by(r.date))
    groups: dict[str, list[Renewal]] = defaultdict(list)
    for account_id, day, outcome, arr_after in _raw_rows(session, query):
        groups[account_id].append(Renewal(account_id=account_id, date=_date(day),
                                          outcome=RenewalOutcome(outcome), arr_after=arr_after))
    return groups


def _raw_rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """The driver's plain tuples for `query`: the SQL is rendered once with its values as
    escaped literals (ids, dates), with none of SQLAlchemy's per-row result processing
    (the loaders below convert what they read themselves). For the few queries that read
    millions of rows in an engine run."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _utc(value: Any) -> datetime:
    """A stored timestamp as aware UTC, as `UTCDateTime` reads it (SQLite: naive UTC text)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_or_none(value: Any) -> datetime | None:
    return None if value is None else _utc(value)


def _date(value: Any) -> date:
    """A stored date (SQLite: ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _usage_of(session: Session, ids: list[str], as_of: date, since: date | None = None
              ) -> dict[str, list[UsageWeek]]:
    """Weekly usage grouped by account, each account's in (week, person) order: the bulk of
    what a run reads (millions of rows), so the driver's plain tuples. With `since`: the rows
    from that week on, plus the two kinds of older row a report still reads (see
    `usage_window_start`): each account's first week, and each person's last week with a
    new feature adopted. Three queries that each use the (account, week) key: one query
    with an OR of the three conditions costs half as much again."""
    u = UsageWeekRow
    columns = (u.account_id, u.person_id, u.week, u.logins, u.features_used,
               u.new_features_adopted)
    scope = (u.account_id.in_(ids), u.week <= as_of)
    if since is None:
        rows = _raw_rows(session, select(*columns).where(*scope))
    else:
        # min() per account as a scalar subquery: an index lookup each, on both databases
        # (PostgreSQL aggregates every row of the account for a GROUP BY)
        first_week = select(func.min(u.week)).where(u.account_id == AccountRow.id)
        first = (select(AccountRow.id.label("account"),
                        first_week.scalar_subquery().label("week"))
                 .where(AccountRow.id.in_(ids)).subquery())
        adopted = (select(u.account_id.label("account"), u.person_id.label("person"),
                          func.max(u.week).label("week"))
                   .where(*scope, u.week < since, u.new_features_adopted > 0)
                   .group_by(u.account_id, u.person_id).subquery())
        older = {(row[0], row[1], row[2]): row for query in (
            select(*columns).join(first, and_(u.account_id == first.c.account,
                                              u.week == first.c.week))
            .where(first.c.week < since),
            select(*columns).join(adopted, and_(u.account_id == adopted.c.account,
                                                u.week == adopted.c.week,
                                                u.person_id == adopted.c.person)),
        ) for row in _raw_rows(session, query)}  # a row can be both: once
        rows = [*_raw_rows(session, select(*columns).where(*scope, u.week >= since)),
                *older.values()]
    rows.sort(key=lambda row: (row[2], row[1]))  # ISO text on SQLite sorts as the dates do
    groups: dict[str, list[UsageWeek]] = defaultdict(list)
    for account_id, person_id, week, logins, features, adopted_count in rows:
        groups[account_id].append(UsageWeek(account_id, person_id, _date(week), logins,
                                            features, adopted_count))
    return groups


def _analysis_for(session: Session, ids: list[str], end: datetime
                  ) -> dict[str, tuple[CommentAnalysis, ...]]:
    t = CommentAnalysisRow
    query = (
        select(t.feedback_id, t.position, t.sentiment, _as_text(t.signals),
               _as_text(t.competitors), t.topic)
        .join(FeedbackRow, FeedbackRow.id == t.feedback_id)
        .where(FeedbackRow.account_id.in_(ids), FeedbackRow.submitted_at <= end)
        .order_by(t.feedback_id, t.position)
    )
    found: dict[str, list[CommentAnalysis]] = defaultdict(list)
    for feedback_id, _position, sentiment, signals, competitors, topic in \
            _raw_rows(session, query):
        found[feedback_id].append(CommentAnalysis(
            sentiment=sentiment, signals=_names(signals), competitors=_names(competitors),
            topic=topic))
    return {key: tuple(value) for key, value in found.items()}


def _as_text(column: Any) -> Any:
    """JSON columns read as their text: psycopg would parse every value, most are "[]"."""
    return cast(column, Text).label(column.key) if isinstance(column.type, JSON) else column


_NO_NAMES: frozenset[str] = frozenset()


def _names(stored: Any) -> frozenset[str]:
    """A stored JSON list of names as a set (the empty one shared: most are empty)."""
    names = _stored_list(stored)
    return frozenset(names) if names else _NO_NAMES


def _stored_list(stored: Any) -> tuple[Any, ...]:
    """A stored JSON list (its text, or already parsed by the driver) as a tuple."""
    if stored is None or stored == "[]":
        return ()
    return tuple((json.loads(stored) if isinstance(stored, str) else stored) or ())


# --- feedback from Slack ---------------------------------------------------------------


def save_feedback(session: Session, record: Mapping[str, Any]) -> tuple[Feedback, bool]:
    """Store one response in the import's JSON shape (e.g. a Slack modal's pulse check).

    Validated like the import, comments analysed, idempotent by `id`. Returns the stored
    Feedback and True when it was new. Raises InvalidRecord (`field: reason`).
    """
    row = validate_feedback(record)
    if session.get(AccountRow, row["account_id"]) is None:
        raise InvalidRecord([("accountId", f"unknown account {row['account_id']!r}")])
    if row["role"] is None and row["person_id"] is not None:
        person = session.get(PersonRow, row["person_id"])
        row["role"] = person.role if person is not None else None
    session.flush()
    connection = session.connection()
    counts, _ = TableWriter(connection, FeedbackRow.__table__).write([row])
    analysis = CommentAnalyser(connection).update([row])[row["id"]]
    stored = session.execute(_feedback_query().where(FeedbackRow.id == row["id"])).one()
    return _feedback(stored, tuple(analysis)), counts.inserted == 1


# --- snapshots -------------------------------------------------------------------------


def save_snapshot(session: Session, report: Report, run_id: int | None = None) -> None:
    """Store the report's health as one snapshot (history, trends, the previous score)."""
    save_snapshots(session, [report], run_id)


def save_snapshots(session: Session, reports: Sequence[Report], run_id: int | None = None,
                   reports_json: Sequence[str] | None = None) -> None:
    """One snapshot per report, in one batched insert (an engine run stores thousands).
    `reports_json`: each report's `model_dump_json()` when the caller has it already (an
    engine run's workers serialise their reports)."""
    if not reports:
        return
    now = datetime.now(UTC)
    rows = []
    for index, report in enumerate(reports):
        components = report.health.components
        rows.append({
            "run_id": run_id, "account_id": report.account.id, "as_of": report.as_of,
            "overall": report.health.overall, "tier": report.health.tier,
            "confidence": report.health.confidence,
            "report": report.model_dump_json() if reports_json is None else reports_json[index],
            "created_at": now,
            **{name: components[name].score if name in components else None  # type: ignore[index]
               for name in COMPONENTS},
        })
    session.flush()
    execute_many(session.connection(), insert(HealthSnapshotRow.__table__), rows,
                 serialized={"report"})


def latest_snapshot(session: Session, account_id: str, before: date) -> SnapshotRecord | None:
    """The most recent snapshot of the account computed as of a day strictly before `before`."""
    row = session.scalars(
        select(HealthSnapshotRow)
        .where(HealthSnapshotRow.account_id == account_id, HealthSnapshotRow.as_of < before)
        .order_by(HealthSnapshotRow.as_of.desc(), HealthSnapshotRow.created_at.desc(),
                  HealthSnapshotRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _snapshot(row)


def latest_snapshots(session: Session, account_ids: Sequence[str], before: date
                     ) -> dict[str, SnapshotRecord]:
    """`latest_snapshot` of many accounts in one query (accounts without one are absent)."""
    t = HealthSnapshotRow
    rank = func.row_number().over(
        partition_by=t.account_id,
        order_by=(t.as_of.desc(), t.created_at.desc(), t.id.desc())).label("rank")
    ranked = (select(t.id, rank).where(t.account_id.in_(list(account_ids)), t.as_of < before)
              .subquery())
    columns = [t.account_id, t.as_of, t.overall, t.tier, t.created_at, t.confidence, t.run_id,
               *(getattr(t, name) for name in COMPONENTS)]
    rows = session.execute(select(*columns).join(ranked, ranked.c.id == t.id)
                           .where(ranked.c.rank == 1))
    return {row.account_id: _snapshot(row) for row in rows}


def _snapshot(row: Any) -> SnapshotRecord:
    return SnapshotRecord(
        account_id=row.account_id,
        as_of=row.as_of,
        overall=row.overall,
        tier=row.tier,
        components={name: getattr(row, name) for name in COMPONENTS
                    if getattr(row, name) is not None},
        created_at=row.created_at,
        confidence=row.confidence,
        run_id=row.run_id,
    )


# --- rows to domain records ------------------------------------------------------------

# stored values were validated on the way in: a dict lookup instead of Enum(value) per row
_ROLES = {member.value: member for member in Role}
_FEEDBACK_KINDS = {member.value: member for member in FeedbackKind}
_TOUCHPOINT_KINDS = {member.value: member for member in TouchpointKind}
_EXPANSION = {member.value: member for member in ExpansionInterest}


def _account(row: Any) -> Account:
    return Account(
        id=row.id, name=row.name, arr=row.arr, contract_value=row.contract_value,
        users_licensed=row.users_licensed, renewal_date=row.renewal_date, segment=row.segment,
        csm=row.csm, channel=row.channel,
    )
