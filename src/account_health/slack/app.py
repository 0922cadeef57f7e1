"""The Bolt app: built from settings, served over HTTP or Socket Mode.

`create_app` wires the listeners, the access guard and the portfolio (storage and the
report services) into one `slack_bolt.App`. Serving is stdlib WSGI through Bolt's own
adapter, so it runs the same in production, in a test thread and in a one-off dyno.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from account_health.config import Settings
from account_health.slack import listeners, security
from account_health.slack.blocks.home import notice_home
from account_health.slack.blocks.modals import notice_modal
from account_health.slack.client import build_client
from account_health.slack.startup import require_http_settings

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from account_health.storage.db import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_app(
    settings: Settings,
    client: WebClient | None = None,
    db: Database | None = None,
    *,
    today: Callable[[], date] | None = None,
    now: Callable[[], datetime] | None = None,
) -> App:
    """The Slack app. `client` and `db` default to ones built from settings; `today` and
    `now` fix the clock (tests)."""
    from account_health.slack.portfolio import Portfolio
    from account_health.storage.db import open_database

    require_http_settings(settings)
    client = client or build_client(settings)
    portfolio = Portfolio(
        db or open_database(settings.database_url),
        **{k: v for k, v in (("today", today), ("now", now)) if v is not None},
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=False,  # ack at once, do the work after (Slack's 3 s)
        logger=logging.getLogger("account_health.slack.bolt"),
    )
    access = security.AccessCheck()

    def provide(context: Any, next: Callable[[], None]) -> None:
        context["portfolio"] = portfolio
        next()

    app.use(provide)
    app.use(_guard(access))
    listeners.register(app)
    return app


def _workspace_team(context: Any) -> str | None:
    result = context.authorize_result
    return (result.team_id if result is not None else None) or context.team_id


def _payload_team(body: dict[str, Any]) -> str | None:
    """The team the payload says the user belongs to, where it says so."""
    if body.get("command"):
        return body.get("team_id") or None
    return (body.get("user") or {}).get("team_id")


def _channel_shown_in(body: dict[str, Any]) -> str | None:
    """The channel an answer to this request would appear in, if any."""
    if body.get("command"):
        return body.get("channel_id")
    if body.get("type") == "block_actions" and (body.get("container") or {}).get("type") != "view":
        return (body.get("channel") or {}).get("id")
    return None


def _guard(access: security.AccessCheck) -> Callable[..., BoltResponse | None]:
    """A global middleware: full workspace members only, and no data in shared channels."""

    def guard(
        body: dict[str, Any],
        context: Any,
        client: WebClient,
        next: Callable[[], None],
    ) -> BoltResponse | None:
        user_id = context.user_id
        if not user_id:
            next()
            return None
        team = _workspace_team(context)
        claimed = _payload_team(body)
        refusal = security.NOT_A_MEMBER if claimed and team and claimed != team else None
        refusal = refusal or access.user_refusal(client, user_id, team)
        channel = _channel_shown_in(body)
        if refusal is None and channel:
            refusal = access.channel_refusal(client, channel, team)
        if refusal is None:
            next()
            return None
        logger.info("refused %s: %s", user_id, refusal)
        return _refuse(body, client, user_id, refusal)

    return guard


def _refuse(body: dict[str, Any], client: WebClient, user_id: str, text: str) -> BoltResponse:
    """Says no in the way each kind of request allows, and acknowledges it."""
    ok = BoltResponse(status=200, body="")
    if body.get("command"):
        answer = {"response_type": "ephemeral", "text": text}
        return BoltResponse(status=200, body=json.dumps(answer), headers=_json)
    if body.get("type") == "view_submission":
        view = notice_modal("Account health", text).to_dict()
        answer = {"response_action": "update", "view": view}
        return BoltResponse(status=200, body=json.dumps(answer), headers=_json)
    try:
        if body.get("type") == "block_actions" and body.get("response_url"):
            WebhookClient(body["response_url"]).send(
                text=text, response_type="ephemeral", replace_original=False
            )
        elif body.get("type") == "block_actions":
            client.chat_postMessage(channel=user_id, text=text)
        elif (body.get("event") or {}).get("type") == "app_home_opened":
            client.views_publish(user_id=user_id, view=notice_home(text))
    except Exception as error:  # the refusal is best effort; the ack must still go out
        logger.warning("could not deliver a refusal to %s: %s", user_id, error)
    return ok


_json = {"content-type": "application/json;charset=utf-8"}


def wsgi_app(app: App) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    """POST /slack/events to Bolt (which verifies every signature), GET /healthz."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return slack(environ, start_response)

    return application


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def freeze_startup_objects() -> None:
    """Keep what start-up built (Bolt, SQLAlchemy, pydantic's schemas, caches) out of the
    garbage collector's full passes: with 10,000 accounts, a full pass over them paused one
    request in ten for 100 ms and more (bench: `/account-health` ack p95 125 ms on PostgreSQL).
    """
    gc.collect()
    gc.freeze()


def make_http_server(app: App, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
    """A threaded HTTP server for the app; port 0 picks a free one (`server.server_port`).
    Call `serve_forever()` (in a thread, in tests) and `shutdown()` to stop."""
    freeze_startup_objects()
    return make_server(
        host, port, wsgi_app(app), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
