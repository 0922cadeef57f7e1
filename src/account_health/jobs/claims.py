"""Exactly one run per scheduled time, however many schedulers run.

Every process computes the same scheduled time for a run (the trigger's latest fire time
at or before now) and inserts a row for (job, scheduled time) in its own transaction; the
unique constraint lets exactly one insert succeed, and only that process runs the job.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from account_health.storage.db import Database
from account_health.storage.delivery_tables import JobClaimRow

LOOKBACKS = (timedelta(days=2), timedelta(days=9), timedelta(days=40), timedelta(days=400))
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def latest_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The trigger's last fire time at or before `now` (None if it never fired within a
    year). Deterministic: every process that asks with the same `now` period agrees."""
    for lookback in LOOKBACKS:
        latest = None
        moment = trigger.get_next_fire_time(None, now - lookback)
        while moment is not None and moment <= now:
            latest = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
        if latest is not None:
            return latest
    return None


def claim(db: Database, job_id: str, scheduled_for: datetime, worker: str = WORKER) -> bool:
    """True when this worker won the run of `job_id` at `scheduled_for`."""
    try:
        with db.session() as session:
            session.add(JobClaimRow(job_id=job_id, scheduled_for=scheduled_for,
                                    claimed_by=worker, claimed_at=datetime.now(UTC)))
    except IntegrityError:
        return False
    return True


def finish(db: Database, job_id: str, scheduled_for: datetime, error: str | None = None) -> None:
    with db.session() as session:
        row = session.scalar(select(JobClaimRow).where(
            JobClaimRow.job_id == job_id, JobClaimRow.scheduled_for == scheduled_for))
        if row is not None:
            row.status = "failed" if error else "finished"
            row.error = error
            row.finished_at = datetime.now(UTC)


def wait_until_done(
    db: Database, job_id: str, scheduled_for: datetime, *,
    appear_within: float = 30.0, finish_within: float = 1800.0, poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """Wait for the run of `job_id` at `scheduled_for` to end; returns its final status.

    A run that is not claimed within `appear_within` seconds is taken as not happening
    (None); one still running after `finish_within` seconds is left running ("running").
    """
    started = clock()
    while True:
        status = _status(db, job_id, scheduled_for)
        waited = clock() - started
        if status not in (None, "running"):
            return status
        if (status is None and waited >= appear_within) or waited >= finish_within:
            return status
        sleep(poll)


def _status(db: Database, job_id: str, scheduled_for: datetime) -> str | None:
    with db.session() as session:
        return session.scalar(select(JobClaimRow.status).where(
            JobClaimRow.job_id == job_id, JobClaimRow.scheduled_for == scheduled_for))
