"""Storage: migrations, settings of the connection, time zones and the repository."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, select, text

from account_health.domain.models import ExpansionInterest, FeedbackKind, Role
from account_health.domain.report import (
    AccountRef,
    Component,
    Health,
    Playbook,
    Report,
    SentimentSummary,
)
from account_health.storage import delivery_tables, repository, tables
from account_health.storage.db import Database, DatabaseUnavailable, migration_config, open_database
from account_health.storage.importer import import_directory
from account_health.storage.validation import InvalidRecord

GOOD = Path(__file__).parent.parent / "fixtures" / "import_good"


@pytest.fixture
def loaded(db: Database) -> Database:
    import_directory(db, GOOD, progress=False)
    return db


def test_migrates_to_the_latest_revision_and_reopening_is_harmless(database_url: str) -> None:
    db = open_database(database_url)
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        names = set(inspect(connection).get_table_names())
    head = ScriptDirectory.from_config(migration_config()).get_current_head()
    assert current == head
    assert {t.name for t in tables.Base.metadata.sorted_tables} <= names
    db.dispose()
    open_database(database_url).dispose()  # already at head: nothing to do, no error


def test_migrations_match_the_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata

    assert delivery_tables.OutboxRow.__table__.metadata is tables.Base.metadata

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), tables.Base.metadata)
    # APScheduler creates and owns its job table; the migrations only make room for it
    assert [d for d in differences if "apscheduler" not in repr(d)] == []


def test_sqlite_uses_wal_and_enforces_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_an_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(DatabaseUnavailable) as error:
        open_database("postgresql+psycopg://someone:secret@127.0.0.1:1/nothing")
    message = str(error.value)
    assert message.startswith("cannot open database postgresql+psycopg://someone:***@127.0.0.1:1")
    assert "\n" not in message and "secret" not in message


def test_session_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(tables.AccountRow(id="x", name="X", arr=1))
        session.flush()
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.get(tables.AccountRow, "x") is None


def test_times_come_back_as_aware_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    with db.session() as session:
        session.add(tables.AccountRow(id="a", name="A", arr=1))
        session.add(tables.PersonRow(id="p", account_id="a", role="admin",
                                     last_login=datetime(2026, 1, 1, 12, 0, tzinfo=paris),
                                     left_at=datetime(2026, 1, 2, 8, 0)))  # naive means UTC
    with db.session() as session:
        person = session.get(tables.PersonRow, "p")
        assert person is not None
        assert person.last_login == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
        assert person.last_login.tzinfo is not None
        assert person.left_at == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def test_accounts_are_listed_and_found(loaded: Database) -> None:
    with loaded.session() as session:
        accounts = repository.list_accounts(session)
        acme = repository.get_account(session, "acme")
        missing = repository.get_account(session, "nope")
    assert [a.name for a in accounts] == ["Acme Corp", "Beta Inc", "Gamma LLC"]
    assert acme is not None and acme.arr == 240000 and acme.renewal_date == date(2026, 4, 15)
    assert (acme.csm, acme.channel, acme.users_licensed) == ("U0CSM1", "C0ACME", 50)
    assert missing is None


def test_account_data_holds_nothing_dated_after_as_of(loaded: Database) -> None:
    with loaded.session() as session:
        january = repository.load_account_data(session, "acme", date(2026, 1, 31))
        february = repository.load_account_data(session, "acme", date(2026, 2, 10))
        early = repository.load_account_data(session, "acme", date(2025, 12, 10))
        assert repository.load_account_data(session, "nope", date(2026, 1, 31)) is None
    assert january is not None and february is not None and early is not None
    assert "fb-future" not in {f.id for f in january.feedback}
    assert "fb-future" in {f.id for f in february.feedback}  # the end of the day counts
    assert [u.week for u in january.usage] == [date(2025, 12, 29), date(2026, 1, 5),
                                               date(2026, 1, 5)]
    assert len(february.usage) == 4
    assert [t.kind.value for t in january.touchpoints] == ["ebr", "champion_contact"]
    assert [r.outcome.value for r in january.renewals] == ["renewed"]
    assert len(january.people) == 4
    gone = {p.id: p for p in early.people}["u_acme_gone"]
    assert gone.left_at is None  # she leaves on 2025-12-15: not yet known on 12-10
    assert gone.last_login == datetime(2025, 11, 1, tzinfo=UTC)
    assert {p.id: p for p in january.people}["u_acme_gone"].left_at == datetime(
        2025, 12, 15, tzinfo=UTC)
    assert early.feedback == () and [o.kind.value for o in early.outcomes] == ["roi_reported"]


def test_feedback_comes_flattened_with_its_analysis(loaded: Database) -> None:
    with loaded.session() as session:
        data = repository.load_account_data(session, "acme", date(2026, 1, 31))
    assert data is not None
    by_kind = {f.kind: f for f in data.feedback}
    ebr = by_kind[FeedbackKind.EBR_FEEDBACK]
    assert ebr.role is Role.CHAMPION and ebr.expansion_interest is ExpansionInterest.YES
    assert ebr.concerns == ("Onboarding new team members takes too long",)
    assert len(ebr.analysis) == 1 and -1 <= ebr.analysis[0].sentiment <= 1
    nps = next(f for f in data.feedback if f.id == "fb-1")
    assert nps.score == 6 and nps.submitted_at == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert len(nps.analysis) == 1
    assert all(f.submitted_at.tzinfo is not None for f in data.feedback)


def test_iter_account_data_loads_batches_with_a_fixed_number_of_queries(loaded: Database) -> None:
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(loaded.engine, "before_cursor_execute", listener)
    try:
        with loaded.session() as session:
            everything = list(repository.iter_account_data(session, date(2026, 1, 31)))
            queries_for_all = len(statements)
            statements.clear()
            two = list(repository.iter_account_data(session, date(2026, 1, 31),
                                                    ["gamma", "nope", "beta"], batch_size=1))
    finally:
        event.remove(loaded.engine, "before_cursor_execute", listener)
    assert [d.account.id for d in everything] == ["acme", "beta", "gamma"]
    assert [d.account.id for d in two] == ["gamma", "beta"]
    assert queries_for_all <= 10  # ids + one query per kind of record for the whole batch


def _report(account_id: str, day: date, overall: float, tier: str) -> Report:
    components = {name: Component(score=score, confidence=1.0) for name, score in
                  {"feedback": 70.0, "engagement": 80.0, "relationship": 60.0,
                   "outcome": 50.0}.items()}
    return Report(
        account=AccountRef(id=account_id, name=account_id.title(), arr=1000.0),
        as_of=day,
        health=Health(overall=overall, tier=tier, components=components,  # type: ignore[arg-type]
                      confidence=0.9),
        sentiment=SentimentSummary(raw_average=None, weighted_average=None, respondent_count=0,
                                   coverage_rate=None, decision_maker_coverage=None),
        roles=[], themes=[], signals=[], routing=[],
        playbook=Playbook(tier=tier, actions=["Keep going"]),  # type: ignore[arg-type]
    )


def test_snapshots_keep_history_and_the_latest_before_a_day(loaded: Database) -> None:
    with loaded.session() as session:
        run = tables.EngineRunRow(as_of=date(2026, 1, 10))
        session.add(run)
        session.flush()
        repository.save_snapshot(session, _report("acme", date(2026, 1, 3), 61.0, "yellow"))
        repository.save_snapshot(session, _report("acme", date(2026, 1, 10), 72.5, "green"),
                                 run_id=run.id)
        run_id = run.id
    with loaded.session() as session:
        latest = repository.latest_snapshot(session, "acme", before=date(2026, 1, 11))
        older = repository.latest_snapshot(session, "acme", before=date(2026, 1, 10))
        none = repository.latest_snapshot(session, "acme", before=date(2026, 1, 3))
        stored = session.scalars(select(tables.HealthSnapshotRow)).all()
    assert latest is not None and older is not None and none is None
    assert (latest.overall, latest.tier, latest.run_id) == (72.5, "green", run_id)
    assert latest.components == {"feedback": 70.0, "engagement": 80.0, "relationship": 60.0,
                                 "outcome": 50.0}
    assert (older.as_of, older.overall) == (date(2026, 1, 3), 61.0)
    assert latest.created_at is not None and latest.created_at.tzinfo is not None
    assert len(stored) == 2 and stored[0].report["account"]["id"] == "acme"


PULSE = {
    "id": "pulse-1",
    "accountId": "acme",
    "respondent": {"userId": "u_acme_champ"},
    "content": {"type": "pulse_check", "renewalLikelihood": 4, "overallSatisfaction": 4,
                "expansionInterest": "maybe", "concerns": ["Pricing for new seats is unclear"]},
    "submittedAt": "2026-01-25T10:00:00Z",
}


def test_save_feedback_validates_analyses_and_is_idempotent(loaded: Database) -> None:
    with loaded.session() as session:
        feedback, created = repository.save_feedback(session, PULSE)
    with loaded.session() as session:
        again, created_again = repository.save_feedback(session, PULSE)
        stored = session.scalars(select(tables.FeedbackRow).where(
            tables.FeedbackRow.id == "pulse-1")).all()
    assert created is True and created_again is False
    assert feedback == again and len(stored) == 1
    assert feedback.role is Role.CHAMPION  # from the person, as the modal does not say
    assert feedback.kind is FeedbackKind.PULSE_CHECK and feedback.renewal_likelihood == 4
    assert feedback.concerns == ("Pricing for new seats is unclear",)
    assert len(feedback.analysis) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"accountId": "nope"}, "accountId: unknown account 'nope'"),
        ({"content": {"type": "pulse_check", "renewalLikelihood": 9}},
         "content.renewalLikelihood: must be 1-5, got 9"),
        ({"submittedAt": "yesterday"}, "submittedAt: 'yesterday' is not a date or time"),
    ],
)
def test_save_feedback_refuses_bad_records(loaded: Database, change: dict, message: str) -> None:
    with pytest.raises(InvalidRecord) as error, loaded.session() as session:
        repository.save_feedback(session, PULSE | change)
    assert str(error.value).startswith(message)
    with loaded.session() as session:
        assert session.get(tables.FeedbackRow, "pulse-1") is None
