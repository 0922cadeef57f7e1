"""Commands: `serve` (the Slack app over HTTP) and `socket` (over Socket Mode)."""

from __future__ import annotations

import logging
import os

import typer

from account_health.cli.common import console

DEFAULT_PORT = 3000


def _port_default() -> int:
    value = os.environ.get("PORT", "")
    return int(value) if value.isdigit() else DEFAULT_PORT


def serve(
    port: int = typer.Option(None, "--port", help="Port to listen on (default $PORT or 3000)."),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Don't run the scheduled jobs in this process."
    ),
) -> None:
    """The Slack app over HTTP: POST /slack/events, GET /healthz."""
    from account_health.config import get_settings
    from account_health.slack.startup import require_http_settings

    settings = get_settings()
    require_http_settings(settings)  # one clear line before anything else starts
    from account_health.slack.app import create_app, make_http_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(settings)
    if not no_scheduler:
        _start_scheduler(settings)
    server = make_http_server(app, port=port if port is not None else _port_default())
    console.print(f"account-health: listening on :{server.server_port}/slack/events")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _start_scheduler(settings: object) -> None:
    """The scheduled jobs in this process, when the scheduler is part of this build."""
    try:
        from account_health.jobs.scheduler import start_background_scheduler  # type: ignore
    except ImportError:
        console.print("account-health: no scheduler in this build; serving without it")
        return
    start_background_scheduler(settings)


def socket() -> None:
    """The same Slack app over Socket Mode (no public URL needed)."""
    from account_health.config import get_settings
    from account_health.slack.startup import require_socket_settings

    settings = get_settings()
    require_socket_settings(settings)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from account_health.slack.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    SocketModeHandler(create_app(settings), settings.slack_app_token).start()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
    app.command()(socket)
