"""Work done in other processes gives exactly what the same work gives in process: an engine
run computed by worker processes, and comments embedded in the background during an import."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from account_health.config import SettingsError, load_settings
from account_health.generator import generate_portfolio
from account_health.processes import available_cores
from account_health.services.batches import compute_batch
from account_health.services.reports import load_engine_config, run_engine
from account_health.storage.bulk import CommentAnalyser
from account_health.storage.db import Database, open_database
from account_health.storage.importer import import_directory
from account_health.storage.tables import AccountRow, CommentAnalysisRow, HealthSnapshotRow

AS_OF = date(2025, 6, 15)


@pytest.fixture(scope="module")
def portfolio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portfolio") / "data"
    generate_portfolio(folder, accounts=24, seed=11, as_of=AS_OF)
    return folder


def _snapshots(db: Database, run_id: int) -> dict[str, tuple[Any, ...]]:
    t = HealthSnapshotRow
    with db.session() as session:
        rows = session.execute(select(t.account_id, t.overall, t.tier, t.feedback, t.engagement,
                                      t.relationship, t.outcome, t.confidence, t.report)
                               .where(t.run_id == run_id))
        return {row.account_id: tuple(row[1:]) for row in rows}


def test_worker_processes_store_what_one_process_stores(db: Database, portfolio_dir: Path
                                                        ) -> None:
    import_directory(db, portfolio_dir, progress=False)
    alone = run_engine(db, AS_OF, batch_size=5, workers=1)
    pooled = run_engine(db, AS_OF, batch_size=5, workers=2)  # 5 batches over 2 processes
    assert pooled.accounts == alone.accounts == 24
    assert pooled.tiers == alone.tiers and pooled.signals == alone.signals
    assert pooled.portfolio == alone.portfolio  # the batches' response-rate counts add up
    ours, theirs = _snapshots(db, alone.run_id), _snapshots(db, pooled.run_id)
    assert list(theirs) == list(ours)  # and in the same order
    assert theirs == ours  # every score and the whole stored report


def test_reports_cross_processes_as_json_unchanged(db: Database, portfolio_dir: Path) -> None:
    import_directory(db, portfolio_dir, progress=False)
    with db.session() as session:
        ids = list(session.scalars(select(AccountRow.id).order_by(AccountRow.id)))
        batch = compute_batch(session, ids, AS_OF, load_engine_config())
    received = pickle.loads(pickle.dumps(batch))  # as a worker's result arrives
    assert received._reports is None  # only the JSON travelled
    assert received.reports == batch.reports  # and reads back to equal reports
    assert received.tally.rates() == batch.tally.rates()


def test_engine_workers_setting_says_what_it_expects() -> None:
    assert load_settings(ENGINE_WORKERS="3").engine_workers == 3
    assert load_settings(ENGINE_WORKERS="0").engine_workers == 0  # one per core
    for bad in ("-1", "two", "65"):
        with pytest.raises(SettingsError, match=r"ENGINE_WORKERS: .* expected 0 .* to 64"):
            load_settings(ENGINE_WORKERS=bad)


def _analysis(db: Database) -> dict[tuple[str, int], tuple[Any, ...]]:
    t = CommentAnalysisRow
    with db.session() as session:
        rows = session.execute(select(t.feedback_id, t.position, t.content_hash, t.sentiment,
                                      t.signals, t.competitors, t.topic, t.analyzer))
        return {(r.feedback_id, r.position): tuple(r[2:]) for r in rows}


@pytest.mark.skipif(available_cores() < 2, reason="the background worker needs a second core")
def test_comments_embedded_while_loading_match_the_in_process_analysis(
        portfolio_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = open_database(f"sqlite:///{tmp_path / 'plain.db'}")
    in_process = import_directory(plain, portfolio_dir, progress=False)
    assert in_process.comments_in_background == 0  # too few texts for a background worker

    monkeypatch.setattr(CommentAnalyser, "PREFETCH_CHUNK", 100)  # small chunks for 24 accounts
    background = open_database(f"sqlite:///{tmp_path / 'background.db'}")
    summary = import_directory(background, portfolio_dir, progress=False)
    assert summary.comments_analysed == in_process.comments_analysed
    assert summary.comments_total == in_process.comments_total
    assert summary.comments_in_background > 0

    expected, found = _analysis(plain), _analysis(background)
    assert found.keys() == expected.keys()
    for key, (digest, sentiment, signals, competitors, _topic, analyzer) in expected.items():
        other = found[key]
        assert (other[0], other[2], other[3], other[5]) == (digest, signals, competitors, analyzer)
        assert other[1] == pytest.approx(sentiment, abs=1e-4)  # 1 BLAS thread vs 2: last bits
    same_topic = sum(found[key][4] == value[4] for key, value in expected.items())
    assert same_topic >= 0.99 * len(expected)
    plain.dispose()
    background.dispose()
