"""Use case: the demo. A fresh local database, a generated portfolio, one engine run.

Everything the `demo` command shows comes from the same code paths as the real product:
the generator writes the import files, the importer loads them, the nightly pipeline
scores every account and queues the Slack messages it would post (no token: nothing is
sent, they wait in the outbox).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from account_health.config import Settings
from account_health.generator import GenerationSummary, generate_portfolio
from account_health.jobs.pipeline import PipelineSummary, run_and_deliver
from account_health.storage.db import Database, open_database
from account_health.storage.delivery_tables import OutboxRow
from account_health.storage.importer import ImportSummary, import_directory

DEMO_ACCOUNTS = 60
DEMO_SEED = 7


@dataclass
class DemoResult:
    database_url: str
    as_of: date
    generated: GenerationSummary
    imported: ImportSummary
    pipeline: PipelineSummary


def fresh_sqlite_url(path: Path) -> str:
    """Remove any earlier demo database (and its WAL files) and return its URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def run_demo(
    database_url: str, settings: Settings, *, as_of: date | None = None,
    accounts: int = DEMO_ACCOUNTS, seed: int = DEMO_SEED, progress: bool = True,
) -> DemoResult:
    """Generate, import and score a portfolio into `database_url` (which should be empty)."""
    day = as_of or datetime.now(UTC).date()
    db = open_database(database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="account-health-demo-") as folder:
            generated = generate_portfolio(Path(folder), accounts=accounts, seed=seed, as_of=day)
            imported = import_directory(db, Path(folder), progress=progress)
        pipeline = run_and_deliver(db, settings, None, day)
    finally:
        db.dispose()
    return DemoResult(database_url, day, generated, imported, pipeline)


def queued_messages(db: Database, limit: int = 3) -> list[dict[str, Any]]:
    """The first Slack messages waiting in the outbox: what the bot would post."""
    with db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id).limit(limit)).all()
        return [{"channel": r.channel or r.user, "method": r.method, **r.payload} for r in rows]
