"""Commands: `serve` (the Slack app over HTTP) and `socket` (over Socket Mode)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from account_health.cli.common import UserError, console

if TYPE_CHECKING:
    from slack_bolt import App

    from account_health.config import Settings

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
    app = _connected(create_app, settings)
    if not no_scheduler:
        _start_scheduler(settings)
    server = make_http_server(app, port=port if port is not None else _port_default())
    console.print(f"account-health: listening on :{server.server_port}/slack/events")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _connected(create_app: Callable[[Settings], App], settings: Settings) -> App:
    """The app, or one line saying why Slack refused it (the token is checked at start)."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackClientError

    try:
        return create_app(settings)
    except (BoltError, SlackClientError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        where = settings.slack_api_url
        raise UserError(f"could not start the Slack app at {where}: {reason}") from None


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

    from account_health.slack.app import create_app, freeze_startup_objects

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = _connected(create_app, settings)
    freeze_startup_objects()
    SocketModeHandler(app, settings.slack_app_token).start()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
    app.command()(socket)
