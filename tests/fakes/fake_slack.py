"""A fake Slack for the tests: the Web API methods the app calls, response_url endpoints,
and the request signing Slack does when it calls the app.

`FakeSlack` is a stdlib ThreadingHTTPServer on 127.0.0.1. It records every call, answers
like Slack (`{"ok": true, ...}`), can be told to fail (HTTP 500, 429 with Retry-After, or
`{"ok": false, "error": ...}`) for N calls, and checks every Block Kit payload it receives
against Slack's limits, recording each violation in `violations`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

TOKEN = "xoxb-test-token"
TEAM_ID = "T0WORK"
BOT_USER_ID = "UBOT"
SIGNING_SECRET = "test-signing-secret"

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
VIEW_METHODS = {"views.open", "views.publish", "views.update"}
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_JSON = 50_000
MAX_VIEW_JSON = 250_000


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    path: str = ""


@dataclass
class _Failure:
    method: str | None  # None: any method
    times: int
    status: int = 200
    error: str | None = None
    retry_after: int = 0


@dataclass
class FakeSlack:
    token: str = TOKEN
    team_id: str = TEAM_ID
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # what Slack accepted: posted messages (conversations.history reads them) and files
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._failures: list[_Failure] = []
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # --- setup -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSlack:
        """Serve on `port` (0: a free one; the old port again to come back after `stop`)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def new_response_url(self) -> str:
        return f"{self.base_url}/response/{next(self._ids)}"

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        user = {
            "id": user_id, "team_id": self.team_id, "name": user_id.lower(), "deleted": False,
            "is_bot": False, "is_restricted": False, "is_ultra_restricted": False,
        } | fields  # fmt: skip
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, **fields: Any) -> dict[str, Any]:
        channel = {
            "id": channel_id, "name": channel_id.lower(), "is_channel": True,
            "is_shared": False, "is_ext_shared": False, "is_org_shared": False,
            "context_team_id": self.team_id,
        } | fields  # fmt: skip
        self.channels[channel_id] = channel
        return channel

    def fail(
        self, method: str | None = None, *, times: int = 1, status: int = 200,
        error: str | None = None, retry_after: int = 0,
    ) -> None:  # fmt: skip
        """The next `times` calls of `method` (any when None) fail: with HTTP `status`
        (500, 429 + Retry-After) or, with status 200, as `{"ok": false, "error": error}`."""
        with self._changed:
            self._failures.append(_Failure(method, times, status, error, retry_after))

    # --- inspection --------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls of `method` once there are at least `count` (woken by each call)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def wait_for_path(self, url: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls to one response_url (or any URL of this fake), once `count` arrived."""
        path = urlsplit(url).path
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.path == path]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    # --- serving -----------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._changed:
            for failure in self._failures:
                if failure.times > 0 and failure.method in (None, method):
                    failure.times -= 1
                    return failure
        return None

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in MESSAGE_METHODS | VIEW_METHODS:
            self.violations.extend(check_payload(method, params))
        if method == "auth.test":
            return {"ok": True, "url": "https://work.example/", "team": "Work",
                    "team_id": self.team_id, "user": "account-health",
                    "user_id": BOT_USER_ID, "bot_id": "B0BOT"}  # fmt: skip
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.info":
            channel = self.channels.get(params.get("channel", ""))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))}}
        if method == "chat.postMessage":
            ts = f"{time.time():.6f}"
            with self._changed:
                self.messages.append({**params, "ts": ts})
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": params}
        if method == "chat.update":
            ts = f"{time.time():.6f}"
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": params}
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            with self._changed:
                found = [m for m in self.messages
                         if m.get("channel") == params.get("channel") and float(m["ts"]) >= oldest]
            return {"ok": True, "messages": list(reversed(found)), "has_more": False}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            self.files[file_id] = {"id": file_id, "name": params.get("filename"),
                                   "length": int(params.get("length") or 0), "content": None}
            upload_url = f"{self.base_url}/upload/{file_id}"
            return {"ok": True, "file_id": file_id, "upload_url": upload_url}
        if method == "files.completeUploadExternal":
            done = []
            for item in _decoded(params.get("files")) or []:
                stored = self.files.get(item.get("id"))
                if stored is None or stored["content"] is None:
                    return {"ok": False, "error": "file_not_found"}
                stored |= {"title": item.get("title"), "channel": params.get("channel_id")}
                done.append({"id": stored["id"], "title": item.get("title")})
            return {"ok": True, "files": done}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        if method in VIEW_METHODS:
            view = _decoded(params.get("view"))
            return {"ok": True, "view": {"id": f"V{next(self._ids):06d}", **(view or {})}}
        return {"ok": False, "error": "unknown_method"}


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _params(self) -> dict[str, Any]:
            url = urlsplit(self.path)
            params: dict[str, Any] = dict(parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if raw and "json" in (self.headers.get("Content-Type") or ""):
                params |= json.loads(raw)
            elif raw:
                params |= dict(parse_qsl(raw))
            return {key: _decoded(value) for key, value in params.items()}

        def _handle(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/upload/"):  # files_upload_v2's second step: the raw bytes
                self._upload(path.removeprefix("/upload/"))
                return
            params = self._params()
            if path.startswith("/response/"):
                method = "response_url"
            elif path.startswith("/api/"):
                method = path.removeprefix("/api/")
            else:
                self._send(404, "text/plain", b"not found")
                return
            fake._record(Call(method, params, time.time(), path))
            failure = fake._take_failure(method)
            if failure is not None and failure.status != 200:
                headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
                self._send(failure.status, "text/plain", b"failure", headers)
                return
            if method == "response_url":
                if failure is not None:
                    self._send(404, "text/plain", failure.error.encode() if failure.error else b"")
                else:
                    fake.violations.extend(check_payload(method, params))
                    self._send(200, "text/plain", b"ok")
                return
            if failure is not None:
                answer: dict[str, Any] = {"ok": False, "error": failure.error or "fatal_error"}
            elif self.headers.get("Authorization") != f"Bearer {fake.token}":
                answer = {"ok": False, "error": "invalid_auth"}
            else:
                answer = fake.answer(method, params)
            self._send(200, "application/json", json.dumps(answer).encode())

        def _upload(self, file_id: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            fake._record(Call("files.upload", {"file_id": file_id, "bytes": len(data)},
                              time.time(), self.path))
            stored = fake.files.get(file_id)
            if stored is None:
                self._send(404, "text/plain", b"unknown upload")
                return
            stored["content"] = data
            self._send(200, "text/plain", b"OK - " + str(len(data)).encode())

        def _send(
            self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


# --- Slack's Block Kit limits ---------------------------------------------------------------


def check_payload(method: str, params: dict[str, Any]) -> list[str]:
    """Every way this payload breaks Slack's limits (empty when it is fine)."""
    problems: list[str] = []
    if method in VIEW_METHODS:
        view = _decoded(params.get("view"))
        if not isinstance(view, dict):
            return [f"{method}: no view"]
        problems += _check_view(view)
        size, limit = len(json.dumps(view, ensure_ascii=False)), MAX_VIEW_JSON
    else:
        blocks = _decoded(params.get("blocks")) or []
        if len(blocks) > MAX_MESSAGE_BLOCKS:
            problems.append(f"{len(blocks)} blocks in a message (max {MAX_MESSAGE_BLOCKS})")
        problems += _check_blocks(blocks)
        text = params.get("text") or ""
        if not blocks and not text:
            problems.append("a message with neither text nor blocks")
        problems += _check_markup(text, "text")
        size, limit = len(json.dumps(blocks, ensure_ascii=False)), MAX_MESSAGE_JSON
    if size > limit:
        problems.append(f"payload of {size} characters (max {limit})")
    return [f"{method}: {problem}" for problem in problems]


def _check_view(view: dict[str, Any]) -> list[str]:
    problems = []
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"{len(blocks)} blocks in a view (max {MAX_VIEW_BLOCKS})")
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "")
        if len(text) > 24:
            problems.append(f"view {key} longer than 24 characters")
    if view.get("type") == "modal" and not view.get("title"):
        problems.append("a modal without a title")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append("private_metadata longer than 3000 characters")
    if len(view.get("callback_id") or "") > 255:
        problems.append("callback_id longer than 255 characters")
    return problems + _check_blocks(blocks)


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


_MENTION = re.compile(r"<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>")


def _check_markup(text: str, where: str) -> list[str]:
    """We never mean to send Slack markup (<!channel>, links) except the mentions alerts
    route with (<@U…>, <!subteam^S…>): any other raw `<` is text that was not escaped."""
    text = _MENTION.sub("", text)
    return [f"{where}: unescaped '<' in {text[:60]!r}"] if "<" in text else []


def _check_text(obj: Any, limit: int, where: str) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
        return [f"{where}: not a text object"]
    text = _text(obj)
    problems = [] if text else [f"{where}: empty text"]
    if len(text) > limit:
        problems.append(f"{where}: {len(text)} characters (max {limit})")
    if obj.get("type") == "mrkdwn":
        problems += _check_markup(text, where)
    return problems


def _check_element(element: dict[str, Any], where: str) -> list[str]:
    kind = element.get("type")
    problems: list[str] = []
    if len(element.get("action_id") or "") > 255:
        problems.append(f"{where}: action_id longer than 255")
    if kind == "button":
        problems += _check_text(element.get("text"), 75, f"{where} button")
        if len(element.get("value") or "") > 2000:
            problems.append(f"{where}: button value longer than 2000")
    elif kind == "static_select":
        options = element.get("options") or []
        if not 1 <= len(options) <= 100:
            problems.append(f"{where}: {len(options)} options (1 to 100)")
        for option in options:
            problems += _check_text(option.get("text"), 75, f"{where} option")
            if len(option.get("value") or "") > 150:
                problems.append(f"{where}: option value longer than 150")
        initial = element.get("initial_option")
        if initial is not None and initial not in options:
            problems.append(f"{where}: initial_option is not one of the options")
    elif kind == "plain_text_input":
        if (element.get("max_length") or 0) > 3000:
            problems.append(f"{where}: max_length over 3000")
    else:
        problems.append(f"{where}: unexpected element {kind!r}")
    return problems


def _check_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    block_ids = [b["block_id"] for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        problems += _check_block(block, where)
    return problems


def _check_block(block: dict[str, Any], where: str) -> list[str]:
    kind = block.get("type")
    problems: list[str] = []
    if len(block.get("block_id") or "") > 255:
        problems.append(f"{where}: block_id longer than 255")
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            problems.append(f"{where}: neither text nor fields")
        if block.get("text") is not None:
            problems += _check_text(block["text"], 3000, where)
        fields = block.get("fields") or []
        if len(fields) > 10:
            problems.append(f"{where}: {len(fields)} fields (max 10)")
        for item in fields:
            problems += _check_text(item, 2000, f"{where} field")
        if block.get("accessory"):
            problems += _check_element(block["accessory"], where)
    elif kind == "header":
        problems += _check_text(block.get("text"), 150, where)
        if (block.get("text") or {}).get("type") != "plain_text":
            problems.append(f"{where}: header text must be plain_text")
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            problems.append(f"{where}: {len(elements)} elements (1 to 10)")
        problems += [p for e in elements for p in _check_text(e, 3000, where)]
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            problems.append(f"{where}: {len(elements)} elements (1 to 25)")
        action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            problems.append(f"{where}: duplicate action_id in one block")
        problems += [p for e in elements for p in _check_element(e, where)]
    elif kind == "input":
        problems += _check_text(block.get("label"), 2000, f"{where} label")
        if block.get("hint") is not None:
            problems += _check_text(block["hint"], 2000, f"{where} hint")
        problems += _check_element(block.get("element") or {}, where)
    elif kind != "divider":
        problems.append(f"{where}: unexpected block type")
    return problems


# --- Slack's side of a request to the app -------------------------------------------------------


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """X-Slack-Signature: v0= + HMAC-SHA256 of `v0:{timestamp}:{body}` with the secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class AppResponse:
    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class SlackSender:
    """Sends the app what Slack would, signed as Slack signs it."""

    def __init__(self, app_url: str, secret: str = SIGNING_SECRET) -> None:
        self.app_url = app_url
        self.secret = secret

    def post(
        self, body: str, content_type: str, *, timestamp: int | None = None,
        signature: str | None = None, signed: bool = True,
    ) -> AppResponse:  # fmt: skip
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type}
        if signed:
            headers["X-Slack-Request-Timestamp"] = str(stamp)
            headers["X-Slack-Signature"] = signature or sign(body, stamp, self.secret)
        request = urllib.request.Request(self.app_url, body.encode(), headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            text, status = error.read().decode(), error.code
        return AppResponse(status, text, time.monotonic() - started)

    def command(self, text: str, *, user_id: str, response_url: str, channel_id: str = "D0DM",
                team_id: str = TEAM_ID, **signing: Any) -> AppResponse:  # fmt: skip
        form = {
            "token": "legacy", "team_id": team_id, "team_domain": "work",
            "channel_id": channel_id, "channel_name": "directmessage", "user_id": user_id,
            "user_name": user_id.lower(), "command": "/account-health", "text": text,
            "api_app_id": "A0APP", "response_url": response_url,
            "trigger_id": f"trigger-{time.monotonic_ns()}",
        }  # fmt: skip
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **signing)

    def interaction(self, payload: dict[str, Any], **signing: Any) -> AppResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def event(
        self, event: dict[str, Any], *, team_id: str = TEAM_ID, **signing: Any
    ) -> AppResponse:
        envelope = {
            "token": "legacy", "team_id": team_id, "api_app_id": "A0APP", "event": event,
            "type": "event_callback", "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
        }  # fmt: skip
        return self.post(json.dumps(envelope), "application/json", **signing)


def block_action(
    action_id: str, value: str, *, user_id: str, response_url: str | None,
    channel_id: str | None = "D0DM", team_id: str = TEAM_ID,
) -> dict[str, Any]:  # fmt: skip
    """A block_actions payload for a button click."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "work"},
        "user": {"id": user_id, "team_id": team_id},
        "api_app_id": "A0APP",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip
    if channel_id:
        payload["channel"] = {"id": channel_id, "name": "x"}
        payload["container"] = {"type": "message", "channel_id": channel_id}
    else:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, view_id: str, user_id: str,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:  # fmt: skip
    """A view_submission payload for `view` (as the app opened it) with these answers:
    block id → a selected option value, or text for a text input."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        block_id = block.get("block_id")
        if block.get("type") != "input" or block_id not in values:
            continue
        element = block["element"]
        if element["type"] == "static_select":
            answer = {"type": "static_select", "selected_option": {"value": values[block_id]}}
        else:
            answer = {"type": element["type"], "value": values[block_id]}
        state[block_id] = {element["action_id"]: answer}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "work"},
        "user": {"id": user_id, "team_id": team_id},
        "api_app_id": "A0APP",
        "view": {**view, "id": view_id, "team_id": team_id, "state": {"values": state},
                 "hash": "h"},
    }  # fmt: skip


def response_bodies(fake: FakeSlack) -> Iterator[dict[str, Any]]:
    for call in fake.calls_to("response_url"):
        yield call.params
