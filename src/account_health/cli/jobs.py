"""Commands: `scheduler` (the scheduled jobs alone, as their own process)."""

from __future__ import annotations

import logging
import signal
import threading

import typer

from account_health.cli.common import console


def scheduler() -> None:
    """The scheduled jobs alone, as the Procfile's `clock:` process.

    Engine runs, pulse checks, alert escalations, the weekly digest, EBR summaries and
    outbox delivery.
    """
    from account_health.config import get_settings
    from account_health.jobs.scheduler import start_background_scheduler
    from account_health.jobs.settings import load_job_settings

    settings = get_settings()
    load_job_settings()  # a bad schedule or routing setting: one line, before anything starts
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    running = start_background_scheduler(settings)
    console.print("account-health: scheduler running; Ctrl-C to stop")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.shutdown(wait=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(scheduler)
