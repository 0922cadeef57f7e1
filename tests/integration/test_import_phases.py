"""The import's two phases (load, then text analysis of each distinct text once) and the
engine's batched lookups, on SQLite."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

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


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'phases.db'}")


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
    monkeypatch.setattr(bulk, "analyse_texts", lambda texts: analysed.extend(texts) or real(texts))
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
