"""The scheduler: APScheduler 3 with its job store in the app's own database.

Jobs have stable ids and crontab schedules in TZ_DEFAULT (jobs/settings.py). `coalesce`
and a misfire grace make a run missed while the process was down happen once at start:
on start, a job already stored with the same schedule keeps its stored next run time
instead of being replaced. Two schedulers (the `serve` process and the `scheduler`
process, or two replicas) may fire the same job; `claims.claim` lets one of them run it.

Job functions are stored by reference (`run_job` plus the job id), so the store can be
pickled; each scheduler's worker threads know their own `Runtime` (database, Slack
client, settings, clock) through the executor's thread initializer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from account_health.config import Settings
from account_health.jobs import claims
from account_health.jobs.delivery import deliver_pending
from account_health.jobs.digest import queue_digest, queue_ebr_summaries
from account_health.jobs.escalation import escalate_overdue
from account_health.jobs.pipeline import run_and_deliver
from account_health.jobs.pulse import run_pulse_checks
from account_health.jobs.settings import JobSettings, load_job_settings
from account_health.slack.client import build_client
from account_health.storage.db import Database

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
ENGINE_RUN, DIGEST, PULSE, EBR, ESCALATION, DELIVERY = (
    "engine_run", "weekly_digest", "pulse_checks", "ebr_summaries", "escalations", "delivery")


@dataclass
class Runtime:
    """What the jobs of one scheduler work with."""

    settings: Settings
    db: Database
    client: WebClient | None
    jobs: JobSettings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    triggers: dict[str, BaseTrigger] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.tz_default)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()


_local = threading.local()


def _bind(runtime: Runtime) -> None:
    _local.runtime = runtime


def triggers(settings: Settings, jobs: JobSettings) -> dict[str, BaseTrigger]:
    tz = ZoneInfo(settings.tz_default)
    cron = {
        ENGINE_RUN: jobs.schedule_engine_run, DIGEST: jobs.schedule_digest,
        PULSE: jobs.schedule_pulse, EBR: jobs.schedule_ebr, ESCALATION: jobs.schedule_escalation,
    }  # fmt: skip
    found: dict[str, BaseTrigger] = {
        job: CronTrigger.from_crontab(line, timezone=tz) for job, line in cron.items()}
    found[DELIVERY] = IntervalTrigger(seconds=jobs.delivery_interval_seconds, timezone=tz)
    return found


# --- the jobs ------------------------------------------------------------------------------


def run_job(job_id: str) -> None:
    """The function every stored job calls: claim this scheduled time, then do the work."""
    runtime: Runtime = _local.runtime
    now = runtime.clock()
    if job_id == DELIVERY:  # not claimed: the outbox's own claims make it safe to overlap
        _deliver(runtime, now)
        return
    scheduled = claims.latest_fire_time(runtime.triggers[job_id], now)
    if scheduled is None or not claims.claim(runtime.db, job_id, scheduled):
        logger.info("%s at %s: another scheduler has it", job_id, scheduled)
        return
    logger.info("%s at %s: running", job_id, scheduled)
    try:
        JOBS[job_id](runtime, now, scheduled)
    except Exception as error:
        claims.finish(runtime.db, job_id, scheduled, error=f"{type(error).__name__}: {error}")
        logger.exception("%s at %s failed", job_id, scheduled)
        raise
    claims.finish(runtime.db, job_id, scheduled)


def _deliver(runtime: Runtime, now: datetime) -> None:
    if runtime.client is not None:
        deliver_pending(runtime.db, runtime.client, now=now)


def _engine_run(runtime: Runtime, now: datetime, scheduled: datetime) -> None:
    summary = run_and_deliver(runtime.db, runtime.settings, runtime.client,
                              runtime.today(scheduled), now=now, job_settings=runtime.jobs)
    for line in summary.lines():
        logger.info("engine run %s: %s", summary.run.run_id, line)


def _digest(runtime: Runtime, now: datetime, scheduled: datetime) -> None:
    # The digest reports the latest snapshots. When the engine run due before it is still
    # going (both were missed while down and fire together at start), let it finish first.
    engine_due = claims.latest_fire_time(runtime.triggers[ENGINE_RUN], scheduled)
    if engine_due is not None:
        claims.wait_until_done(runtime.db, ENGINE_RUN, engine_due)
    queue_digest(runtime.db, runtime.jobs, runtime.today(scheduled), now)
    _deliver(runtime, now)


def _pulse(runtime: Runtime, now: datetime, scheduled: datetime) -> None:
    summary = run_pulse_checks(runtime.db, runtime.jobs, runtime.client, now,
                               runtime.settings.tz_default)
    logger.info("pulse checks: %s asked, %s reminded", summary.asked, summary.reminded)
    _deliver(runtime, now)


def _ebr(runtime: Runtime, now: datetime, scheduled: datetime) -> None:
    queue_ebr_summaries(runtime.db, runtime.jobs, runtime.today(scheduled), now)
    _deliver(runtime, now)


def _escalations(runtime: Runtime, now: datetime, scheduled: datetime) -> None:
    escalate_overdue(runtime.db, runtime.jobs, now)
    _deliver(runtime, now)


JOBS: dict[str, Callable[[Runtime, datetime, datetime], None]] = {
    ENGINE_RUN: _engine_run, DIGEST: _digest, PULSE: _pulse, EBR: _ebr,
    ESCALATION: _escalations,
}


# --- starting it -----------------------------------------------------------------------------


def create_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A BackgroundScheduler (not started) whose worker threads run with `runtime`."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.db.engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(
            max_workers=2, pool_kwargs={"initializer": _bind, "initargs": (runtime,)})},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": runtime.jobs.misfire_grace_seconds},
        timezone=runtime.tz,
    )


def start_scheduler(
    settings: Settings,
    db: Database,
    client: WebClient | None,
    *,
    job_settings: JobSettings | None = None,
    clock: Callable[[], datetime] | None = None,
    paused: bool = False,
) -> BackgroundScheduler:
    """Start the scheduled jobs in this process (what `serve` and `scheduler` call)."""
    jobs = job_settings or load_job_settings()
    runtime = Runtime(settings, db, client, jobs, triggers=triggers(settings, jobs))
    if clock is not None:
        runtime.clock = clock
    scheduler = create_scheduler(runtime)
    scheduler.start(paused=True)
    for job_id, trigger in runtime.triggers.items():
        _ensure_job(scheduler, job_id, trigger)
    if not paused:
        scheduler.resume()
    logger.info("scheduler started: %s", ", ".join(
        f"{job.id} next {job.next_run_time:%Y-%m-%d %H:%M %Z}" for job in scheduler.get_jobs()
        if job.next_run_time))
    return scheduler


def _ensure_job(scheduler: BackgroundScheduler, job_id: str, trigger: BaseTrigger) -> None:
    """Add the job, or keep the stored one when its schedule is unchanged, so that a run
    missed while no scheduler was up is still due (and runs once, within the grace)."""
    stored = scheduler.get_job(job_id)
    if stored is not None and str(stored.trigger) == str(trigger) \
            and stored.func_ref == f"{__name__}:run_job":
        return
    scheduler.add_job(f"{__name__}:run_job", trigger, args=[job_id], id=job_id, name=job_id,
                      replace_existing=True)


def start_background_scheduler(settings: Settings) -> BackgroundScheduler:
    """`serve`'s entry point: the database and Slack client from settings."""
    from account_health.storage.db import open_database

    client = build_client(settings) if settings.slack_bot_token else None
    if client is None:
        logger.warning("scheduler without SLACK_BOT_TOKEN: messages wait in the outbox")
    return start_scheduler(settings, open_database(settings.database_url), client)
