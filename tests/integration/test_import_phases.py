"""The import's two phases (load, then text analysis of each distinct text once), the
engine's batched lookups and fast loading, on SQLite and PostgreSQL (conftest's `db`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import account_health.storage.bulk as bulk
from account_health.domain.engine import build_report
from account_health.services.reports import load_engine_config
from account_health.storage.db import Database, open_database
from account_health.storage.importer import import_directory
from account_health.storage.repository import (
    latest_snapshot,
    latest_snapshots,
    load_account_data,
    save_snapshot,
)
from account_health.storage.tables import CommentAnalysisRow, FeedbackRow

GOOD = Path(__file__).parent.parent / "fixtures" / "import_good"


def _with_repeated_comments(tmp_path: Path, copies: int) -> Path:
    """The good fixture plus `copies` responses repeating one comment."""
    folder = tmp_path / "data"
    shutil.copytree(GOOD, folder)
    first = json.loads((folder / "feedback.jsonl").read_text().splitlines()[0])
    account = first.get("accountId")
    with (folder / "feedback.jsonl").open("a") as out:
        for i in range(copies):
            out.write(json.dumps({"id": f"dup-{i}", "accountId": account,
                                  "content": {"type": "nps", "score": 7,
                                              "comment": "Reporting is slow every Monday."},
                                  "submittedAt": "2025-05-01T10:00:00Z"}) + "\n")
    return folder


def test_each_distinct_text_is_analysed_once_across_the_import_and_the_store(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analysed: list[str] = []
    real = bulk.analyse_texts
    monkeypatch.setattr(bulk, "analyse_texts",
                        lambda texts, llm=None: analysed.extend(texts) or real(texts, llm))
    folder = _with_repeated_comments(tmp_path, 5)
    summary = import_directory(db, folder, progress=False)

    assert analysed.count("Reporting is slow every Monday.") == 1
    assert len(analysed) == len(set(analysed)) == summary.comments_analysed
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(CommentAnalysisRow))
    assert summary.comments_total == stored > summary.comments_analysed
    assert summary.load_seconds > 0 and summary.analysis_seconds > 0

    # a new response repeating a stored text copies the stored analysis: nothing is analysed
    analysed.clear()
    more = tmp_path / "more"
    more.mkdir()
    (more / "feedback.jsonl").write_text(json.dumps({
        "id": "dup-new", "accountId": json.loads(
            (folder / "feedback.jsonl").read_text().splitlines()[0])["accountId"],
        "content": {"type": "nps", "score": 6, "comment": "Reporting is slow every Monday."},
        "submittedAt": "2025-05-02T10:00:00Z"}) + "\n")
    again = import_directory(db, more, progress=False)
    assert analysed == [] and again.comments_reused == 1 and again.comments_total == 1


def test_pending_texts_are_found_and_analysed(db: Database) -> None:
    import_directory(db, GOOD, progress=False)
    with db.session() as session:
        connection = session.connection()
        assert bulk.pending_feedback_ids(connection) == []
        first = session.scalars(select(CommentAnalysisRow.feedback_id)
                                .where(CommentAnalysisRow.position == 0)).first()
        session.execute(CommentAnalysisRow.__table__.delete()
                        .where(CommentAnalysisRow.feedback_id == first))
        assert bulk.pending_feedback_ids(connection) == [first]
        bulk.analyse_feedback(connection, [first])
        assert bulk.pending_feedback_ids(connection) == []
        assert session.get(FeedbackRow, first) is not None


def test_batched_snapshot_lookup_equals_the_per_account_one(db: Database) -> None:
    import_directory(db, GOOD, progress=False)
    config = load_engine_config()
    with db.session() as session:
        ids = [row for row in session.scalars(select(FeedbackRow.account_id).distinct())]
        for day in (date(2025, 5, 1), date(2025, 6, 1), date(2025, 6, 1)):
            for account_id in ids[:2]:
                data = load_account_data(session, account_id, day)
                assert data is not None
                save_snapshot(session, build_report(data, day, config))
        before = date(2025, 7, 1)
        batched = latest_snapshots(session, [*ids, "nope"], before)
        for account_id in [*ids, "nope"]:
            assert batched.get(account_id) == latest_snapshot(session, account_id, before)
        assert set(batched) == set(ids[:2])


def test_fast_loading_equals_the_orm_rows(db: Database, tmp_path: Path) -> None:
    """iter_account_data's raw-tuple paths (usage, concerns, analysis names) read exactly
    what the ORM reads."""
    from account_health.domain.models import UsageWeek
    from account_health.generator.portfolio import generate_portfolio
    from account_health.storage.repository import (
        _feedback,
        _feedback_query,
        iter_account_data,
    )
    from account_health.storage.tables import UsageWeekRow

    day = date(2025, 6, 30)
    generate_portfolio(tmp_path / "p", accounts=4, seed=3, as_of=day)
    import_directory(db, tmp_path / "p", progress=False)
    as_of = date(2025, 3, 31)
    with db.session() as session:
        loaded = list(iter_account_data(session, as_of))
        assert loaded
        for data in loaded:
            rows = session.scalars(select(UsageWeekRow).where(
                UsageWeekRow.account_id == data.account.id, UsageWeekRow.week <= as_of)
                .order_by(UsageWeekRow.week, UsageWeekRow.person_id))
            assert data.usage == tuple(UsageWeek(r.account_id, r.person_id, r.week, r.logins,
                                                 r.features_used, r.new_features_adopted)
                                       for r in rows)
            for feedback in data.feedback:
                row = session.get(FeedbackRow, feedback.id)
                assert row is not None
                core = session.execute(_feedback_query()  # SQLAlchemy's typed row, bound id
                                       .where(FeedbackRow.id == feedback.id)).one()
                assert feedback == _feedback(core, feedback.analysis)  # the row-by-row path
                assert feedback.submitted_at.tzinfo is not None
                assert feedback.concerns == tuple(row.concerns or ())
                stored = session.scalars(select(CommentAnalysisRow).where(
                    CommentAnalysisRow.feedback_id == feedback.id)
                    .order_by(CommentAnalysisRow.position)).all()
                assert [(a.signals, a.competitors, a.topic) for a in feedback.analysis] == [
                    (frozenset(s.signals or ()), frozenset(s.competitors or ()), s.topic)
                    for s in stored]
        assert any(f.concerns for data in loaded for f in data.feedback)
        assert any(a.signals for data in loaded for f in data.feedback for a in f.analysis)


@pytest.mark.parametrize("as_of", [date(2025, 6, 30), date(2025, 3, 16), date(2024, 9, 2)])
def test_the_runs_usage_window_gives_the_same_reports_as_the_whole_history(
        sqlite_db: Database, tmp_path: Path, as_of: date) -> None:
    from account_health.generator.portfolio import generate_portfolio
    from account_health.storage.repository import iter_account_data, usage_window_start

    generate_portfolio(tmp_path / "p", accounts=40, seed=11, as_of=date(2025, 6, 30))
    import_directory(sqlite_db, tmp_path / "p", progress=False)
    config = load_engine_config()
    since = usage_window_start(as_of, config.health.recent_weeks, config.health.baseline_weeks)
    with sqlite_db.session() as session:
        whole = list(iter_account_data(session, as_of))
        window = list(iter_account_data(session, as_of, usage_since=since, batch_size=7))
    assert [d.account.id for d in whole] == [d.account.id for d in window]
    read, everything = (sum(len(d.usage) for d in data) for data in (window, whole))
    assert read <= everything and (as_of != date(2025, 6, 30) or read < everything / 2)
    for full, windowed in zip(whole, window, strict=True):
        assert build_report(windowed, as_of, config).model_dump() == \
            build_report(full, as_of, config).model_dump(), full.account.id


def test_copy_writes_exactly_what_executemany_writes(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL large batches go through COPY + INSERT ... SELECT ... ON CONFLICT; the
    stored rows, and a re-import's counts, are the same as through executemany."""
    from tests.integration.test_import import fingerprint

    from account_health.generator.portfolio import generate_portfolio

    folder = tmp_path / "p"
    generate_portfolio(folder, accounts=3, seed=5, as_of=date(2025, 6, 30))
    prints = []
    for copy_min in (10**9, 1):
        monkeypatch.setattr(bulk, "COPY_MIN_ROWS", copy_min)
        with _fresh_database(database_url, f"w{copy_min}") as database:
            first = import_directory(database, folder, progress=False)
            again = import_directory(database, folder, progress=False)
            assert first.changed > 0 and again.changed == 0
            prints.append({name: digest for name, digest in fingerprint(database).items()
                           if name not in {"comment_analysis", "llm_cache"}})  # analysed_at
    assert prints[0] == prints[1]


@contextmanager
def _fresh_database(url: str, tag: str) -> Iterator[Database]:
    """An empty database beside the test's own (one per write path), dropped afterwards."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = open_database(url.replace(".db", f"-{tag}.db"))
        try:
            yield database
        finally:
            database.dispose()
        return
    name = f"{parsed.database}_{tag}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = open_database(parsed.set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
