"""Two schedulers, each with its own engine, on one database: a missed nightly run and a
missed digest happen once at start, by whichever scheduler claims them first."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import func, select
from tests.fakes.fake_slack import TOKEN, FakeSlack

from account_health.config import load_settings
from account_health.jobs import claims
from account_health.jobs.scheduler import DIGEST, ENGINE_RUN, start_scheduler, triggers
from account_health.jobs.settings import load_job_settings
from account_health.slack.client import build_client
from account_health.storage.db import Database, open_database
from account_health.storage.delivery_tables import JobClaimRow, OutboxRow
from account_health.storage.importer import import_directory
from account_health.storage.tables import EngineRunRow

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday, after the 02:00 run and 09:00 digest


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    slack.add_channel("CDIGEST")
    for channel in ("C0ACME", "C0BETA", "C0GAMMA"):
        slack.add_channel(channel)
    slack.start()
    yield slack
    slack.stop()


def test_latest_fire_time_is_the_same_for_everyone() -> None:
    found = triggers(load_settings(TZ_DEFAULT="Europe/Paris"), load_job_settings())
    assert claims.latest_fire_time(found[DIGEST], NOW) == datetime(
        2026, 3, 2, 9, 0, tzinfo=UTC).astimezone(found[DIGEST].timezone) - timedelta(hours=1)
    assert claims.latest_fire_time(found[ENGINE_RUN], NOW).hour == 2  # Paris time


def test_only_one_of_many_concurrent_claims_wins(sqlite_db: Database) -> None:
    engines = [open_database(str(sqlite_db.url)) for _ in range(4)]
    won: list[bool] = []
    start = threading.Barrier(len(engines))

    def contend(db: Database) -> None:
        start.wait()
        won.append(claims.claim(db, ENGINE_RUN, NOW))

    threads = [threading.Thread(target=contend, args=(db,)) for db in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False, False, False, True]
    for db in engines:
        db.dispose()


def test_two_schedulers_run_a_missed_engine_run_and_digest_once(
        sqlite_db: Database, fake: FakeSlack, fixtures_dir: Path) -> None:
    import_directory(sqlite_db, fixtures_dir / "import_good", progress=False)
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url)
    jobs = load_job_settings(DIGEST_CHANNEL="CDIGEST")
    second_db = open_database(str(sqlite_db.url))
    schedulers = []
    for db in (sqlite_db, second_db):
        client = build_client(settings, interval=FixedValueRetryIntervalCalculator(0),
                                       rate_limit_jitter=0)
        schedulers.append(start_scheduler(settings, db, client, job_settings=jobs,
                                          clock=lambda: NOW, paused=True))
    try:
        missed = datetime.now(UTC) - timedelta(minutes=1)  # both were down at fire time
        for job_id in (ENGINE_RUN, DIGEST):
            schedulers[0].modify_job(job_id, next_run_time=missed)
        for scheduler in schedulers:
            scheduler.resume()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _finished(sqlite_db) < 2:
            time.sleep(0.05)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        second_db.dispose()
    assert _finished(sqlite_db) == 2
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(EngineRunRow)) == 1
        digests = session.scalars(select(OutboxRow).where(OutboxRow.key.like("digest:%"))).all()
        claimed = session.scalars(select(JobClaimRow)).all()
    assert sorted(d.key for d in digests) == ["digest:2026-03-02", "digest:2026-03-02:chart"]
    assert {(c.job_id, c.scheduled_for) for c in claimed} == {
        (ENGINE_RUN, datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        (DIGEST, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))}
    assert len([m for m in fake.messages if m["channel"] == "CDIGEST"]) == 1
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    [upload] = fake.files.values()
    assert upload["content"].startswith(b"\x89PNG") and upload["channel"] == "CDIGEST"
    assert fake.violations == []


def _finished(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(JobClaimRow).where(
            JobClaimRow.status == "finished")) or 0


def test_the_digest_waits_for_a_running_engine_run_and_gives_up_on_one_that_never_came(
        sqlite_db: Database) -> None:
    due = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    clock = {"t": 0.0}
    events: list[str] = []

    def sleep(seconds: float) -> None:  # a fake clock: the run finishes after 3 polls
        clock["t"] += seconds
        events.append("poll")
        if len(events) == 3:
            claims.finish(sqlite_db, ENGINE_RUN, due)

    assert claims.claim(sqlite_db, ENGINE_RUN, due)
    status = claims.wait_until_done(sqlite_db, ENGINE_RUN, due, sleep=sleep,
                                    clock=lambda: clock["t"])
    assert (status, len(events)) == ("finished", 3)

    never = due + timedelta(days=1)
    clock["t"], events[:] = 0.0, ["x", "x", "x"]  # no more finishing
    assert claims.wait_until_done(sqlite_db, ENGINE_RUN, never, appear_within=5, poll=1,
                                  sleep=sleep, clock=lambda: clock["t"]) is None
    assert clock["t"] == 5
