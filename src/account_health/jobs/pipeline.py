"""One engine run end to end: recompute every account, raise alerts, queue and deliver.

What the `run` command and the scheduler's nightly job call. The alerts and their messages
are written in the same transactions as the snapshots; delivery comes after, and
whatever it cannot send now stays in the outbox for the next run or the delivery job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from slack_sdk import WebClient

from account_health.config import Settings
from account_health.domain.config import EngineConfig
from account_health.jobs.alerts import AlertCounts, AlertRaiser
from account_health.jobs.delivery import (
    DeliverySummary,
    deliver_pending,
    pending_count,
)
from account_health.jobs.settings import JobSettings, load_job_settings
from account_health.processes import available_cores
from account_health.services.reports import RunSummary, run_engine
from account_health.slack.client import build_client
from account_health.storage.db import Database

WAITING_FOR_SLACK = "delivery is waiting for Slack: set SLACK_BOT_TOKEN"


@dataclass
class PipelineSummary:
    run: RunSummary
    alerts: AlertCounts
    delivery: DeliverySummary | None  # None: no Slack token, nothing was sent
    waiting: int  # messages still in the outbox after this run

    def lines(self) -> list[str]:
        """What the `run` command prints about alerts and delivery."""
        a = self.alerts
        out = [f"alerts: {a.raised} new, {a.worsened} worse, {a.resolved} resolved"]
        if self.delivery is None:
            out.append(f"{self.waiting} Slack message(s) queued; {WAITING_FOR_SLACK}")
        else:
            d = self.delivery
            line = f"Slack: {d.sent} sent, {d.failed} failed, {self.waiting} waiting"
            if d.stopped:
                line += f" ({d.stopped}; they go out on the next run)"
            out.append(line)
        return out


def run_and_deliver(
    db: Database,
    settings: Settings,
    client: WebClient | None,
    as_of: date,
    *,
    now: datetime | None = None,
    job_settings: JobSettings | None = None,
    config: EngineConfig | None = None,
) -> PipelineSummary:
    """Run the engine as of `as_of`, raise alerts, and deliver the outbox.

    `client` None builds one from SLACK_BOT_TOKEN; without a token the messages are
    queued and the summary says delivery is waiting for Slack.
    """
    now = now or datetime.now(UTC)
    job_settings = job_settings or load_job_settings()
    raiser = AlertRaiser(job_settings, now)
    run = run_engine(db, as_of, config=config, on_report=raiser,
                     workers=settings.engine_workers or available_cores())
    if client is None and settings.slack_bot_token:
        client = build_client(settings)
    delivery = None
    if client is not None:
        delivery = deliver_pending(db, client, now=now, respect_backoff=False)
    return PipelineSummary(run, raiser.counts, delivery, pending_count(db))
