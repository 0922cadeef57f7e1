"""Sending the outbox to Slack: each message once, however often Slack fails.

Per message: claim it (`pending` → `sending`, one UPDATE that only one worker can win),
call Slack, then mark it `sent` with Slack's ts in one transaction (and the alert that
caused it learns where it was posted). A message counts as sent only when Slack answered
`ok: true`. The WebClient retries rate limits, 5xx and connection errors itself; what is
still failing goes back to `pending` with a backoff and is retried by a later pass (the
next `run` or the scheduler's delivery job). An outage (5xx, refused connections,
timeouts, rate limits) ends the pass at once instead of failing every message in turn.

A worker that dies between the Slack call and marking `sent` leaves the message in
`sending`. Once its lease is over, `reconcile` looks for the message in the channel's
history (every post carries its outbox key as message metadata): found, it is marked sent;
not found, it goes back to `pending`. So nothing is posted twice and nothing is lost.
"""

from __future__ import annotations

import base64
import http.client
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy import select, update

from account_health.jobs.outbox import METADATA_EVENT
from account_health.slack.client import retry_after
from account_health.storage.db import Database
from account_health.storage.delivery_tables import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    AlertRow,
    OutboxRow,
)

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a message `sending` for longer than this was left by a crash
MAX_ATTEMPTS = 10  # for answers that are neither an outage nor clearly permanent
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
DEFER = timedelta(minutes=1)  # an update waiting for its original post
BATCH = 200
SHARED_CHANNEL = "is shared with another organisation"
# Slack's answers that will not change by trying again: the message fails for good.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "msg_too_long",
    "no_text", "user_not_found", "cannot_dm_bot", "invalid_arguments", "too_many_attachments",
    "restricted_action", "message_not_found", "cant_update_message", "edit_window_closed",
    "user_disabled", "invalid_metadata_format",
})  # fmt: skip
# Answers that mean the bot cannot talk to Slack at all right now: stop and retry later.
OUTAGE_ERRORS = frozenset({
    "ratelimited", "invalid_auth", "not_authed", "token_revoked", "token_expired",
    "account_inactive", "service_unavailable", "fatal_error", "internal_error", "request_timeout",
})  # fmt: skip
TRANSPORT_ERRORS = (URLError, ConnectionError, TimeoutError, socket.timeout,
                    http.client.HTTPException, SlackRequestError)


# --- where a message goes ------------------------------------------------------------------


class _Defer(Exception):
    """The message cannot go yet (its alert's first post has not gone out)."""


class _Refused(Exception):
    """The message must not or cannot go (e.g. only a shared channel, nobody to DM)."""


class Targets:
    """Resolves an outbox row's channel or user to a conversation id, once per pass.

    Never posts into a channel shared with another organisation: such a message goes to
    the row's `user` (the CSM) as a DM instead, and the log says why.
    """

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._shared: dict[str, str | None] = {}  # channel → why it can't be used, or None
        self._dms: dict[str, str] = {}

    def conversation(self, row: OutboxRow) -> str:
        if row.channel is not None:
            problem = self._channel_problem(row.channel)
            if problem is None:
                return row.channel
            if row.user is None:
                raise _Refused(f"channel {row.channel} {problem}; nobody to DM instead")
            logger.warning("outbox %s: channel %s %s; sending it to %s as a DM instead",
                           row.key, row.channel, problem, row.user)
        if row.user is None:
            raise _Refused("no channel and no user to send it to")
        return self.dm(row.user)

    def dm(self, user: str) -> str:
        if user.startswith("S"):
            raise _Refused(f"{user} is a user group; a DM needs a user")
        if user not in self._dms:
            opened = self.client.conversations_open(users=user)
            self._dms[user] = opened["channel"]["id"]
        return self._dms[user]

    def _channel_problem(self, channel: str) -> str | None:
        if channel.startswith("D"):
            return None
        if channel not in self._shared:
            try:
                info = self.client.conversations_info(channel=channel)["channel"]
            except SlackApiError as error:
                if _error_code(error) not in ("channel_not_found", "not_in_channel"):
                    raise
                self._shared[channel] = f"cannot be read ({_error_code(error)})"
            else:
                self._shared[channel] = SHARED_CHANNEL if info.get("is_ext_shared") else None
        return self._shared[channel]


# --- one pass ------------------------------------------------------------------------------


@dataclass
class DeliverySummary:
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    reconciled: int = 0
    stopped: str | None = None  # why the pass ended early (an outage), if it did
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliverySummary) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retry_later += other.retry_later
        self.reconciled += other.reconciled
        self.stopped = other.stopped
        self.errors += other.errors


def deliver_pending(
    db: Database,
    client: WebClient,
    *,
    now: datetime | None = None,
    respect_backoff: bool = True,
    limit: int | None = None,
) -> DeliverySummary:
    """Send what is due in the outbox, oldest first, until done or Slack is unavailable.

    `respect_backoff=False` (the `run` command) also retries messages whose backoff has
    not ended yet: the user asked for delivery now.
    """
    now = now or datetime.now(UTC)
    summary = DeliverySummary(reconciled=reconcile(db, client, now=now))
    targets = Targets(client)
    after = 0
    while limit is None or summary.sent + summary.failed < limit:
        ids = _due(db, now, respect_backoff, after)
        if not ids:
            break
        for outbox_id in ids:
            after = outbox_id
            if not _claim(db, outbox_id, now):
                continue
            stop = _deliver_one(db, client, targets, outbox_id, now, summary)
            if stop is not None:
                summary.stopped = stop
                logger.warning("delivery paused: %s; the rest waits for the next pass", stop)
                return summary
    return summary


def deliver_message(db: Database, client: WebClient, outbox_id: int,
                    now: datetime | None = None) -> DeliverySummary:
    """Send one queued message now (e.g. an alert's update after a button click)."""
    now = now or datetime.now(UTC)
    summary = DeliverySummary()
    if _claim(db, outbox_id, now):
        summary.stopped = _deliver_one(db, client, Targets(client), outbox_id, now, summary)
    return summary


def pending_count(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(OutboxRow.id).where(
            OutboxRow.status.in_((PENDING, SENDING)))).all())


def _due(db: Database, now: datetime, respect_backoff: bool, after: int) -> list[int]:
    query = select(OutboxRow.id).where(OutboxRow.status == PENDING, OutboxRow.id > after)
    if respect_backoff:
        query = query.where(OutboxRow.next_attempt_at <= now)
    with db.session() as session:
        return list(session.scalars(query.order_by(OutboxRow.id).limit(BATCH)))


def _claim(db: Database, outbox_id: int, now: datetime) -> bool:
    """pending → sending, in its own transaction; only one worker's UPDATE matches."""
    with db.session() as session:
        claimed = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id, OutboxRow.status == PENDING)
            .values(status=SENDING, claimed_at=now, attempts=OutboxRow.attempts + 1)
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]


def _deliver_one(db: Database, client: WebClient, targets: Targets, outbox_id: int,
                 now: datetime, summary: DeliverySummary) -> str | None:
    """Send one claimed message and record the outcome; returns why to stop, if so."""
    with db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        session.expunge(row)
        alert = _alert_target(session, row)
    try:
        channel, ts = _send(client, targets, row, alert)
    except _Defer as reason:
        _release(db, outbox_id, now + DEFER, str(reason), count_attempt=False)
        summary.retry_later += 1
        return None
    except _Refused as reason:
        _fail(db, outbox_id, str(reason))
        summary.failed += 1
        summary.errors.append(f"{row.key}: {reason}")
        logger.warning("outbox %s not sent: %s", row.key, reason)
        return None
    except SlackApiError as error:
        return _api_failure(db, row, error, now, summary)
    except TRANSPORT_ERRORS as error:
        _release(db, outbox_id, now + _backoff(row.attempts), _describe(error))
        summary.retry_later += 1
        return f"Slack unreachable ({_describe(error)})"
    _mark_sent(db, outbox_id, channel, ts, now)
    summary.sent += 1
    return None


def _api_failure(db: Database, row: OutboxRow, error: SlackApiError, now: datetime,
                 summary: DeliverySummary) -> str | None:
    status = error.response.status_code
    code = _error_code(error)
    if status == 429:
        wait = timedelta(seconds=retry_after(error.response.headers))
        _release(db, row.id, now + wait, "rate limited")
        summary.retry_later += 1
        return "rate limited by Slack"
    if status >= 500 or code in OUTAGE_ERRORS:
        _release(db, row.id, now + _backoff(row.attempts), f"{status} {code}")
        summary.retry_later += 1
        return f"Slack answered {status} {code}"
    if code in PERMANENT_ERRORS or row.attempts >= MAX_ATTEMPTS:
        _fail(db, row.id, code)
        summary.failed += 1
        summary.errors.append(f"{row.key}: {code}")
        logger.warning("outbox %s failed for good: %s", row.key, code)
        return None
    _release(db, row.id, now + _backoff(row.attempts), code)
    summary.retry_later += 1
    return None


def _send(client: WebClient, targets: Targets, row: OutboxRow,
          alert: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    payload = dict(row.payload)
    if row.method == "post":
        channel = targets.conversation(row)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": row.key}}
        answer = client.chat_postMessage(channel=channel, metadata=metadata, **payload)
        return answer.get("channel") or channel, answer.get("ts")
    if row.method in ("update", "reply"):
        channel, ts = alert
        if channel is None or ts is None:
            raise _Defer("its alert's message has not been posted yet")
        if row.method == "update":
            answer = client.chat_update(channel=channel, ts=ts, **payload)
            return channel, answer.get("ts")
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": row.key}}
        answer = client.chat_postMessage(channel=channel, thread_ts=ts, metadata=metadata,
                                         **payload)
        return channel, answer.get("ts")
    if row.method == "upload":
        channel = targets.conversation(row)
        content = base64.b64decode(payload.pop("content_b64"))
        client.files_upload_v2(channel=channel, content=content, **payload)
        return channel, None
    raise _Refused(f"unknown outbox method {row.method!r}")


def _alert_target(session: Any, row: OutboxRow) -> tuple[str | None, str | None]:
    if row.alert_id is None or row.method not in ("update", "reply"):
        return None, None
    alert = session.get(AlertRow, row.alert_id)
    return (alert.posted_channel, alert.posted_ts) if alert is not None else (None, None)


def _mark_sent(db: Database, outbox_id: int, channel: str | None, ts: str | None,
               now: datetime) -> None:
    """sending → sent, and the alert learns where its message is, in one transaction."""
    with db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        row.status, row.sent_at, row.last_error = SENT, now, None
        row.slack_channel, row.slack_ts = channel, ts
        if row.alert_id is not None and row.method == "post" and ts is not None:
            alert = session.get(AlertRow, row.alert_id)
            if alert is not None:
                alert.posted_channel, alert.posted_ts = channel, ts


def _release(db: Database, outbox_id: int, when: datetime, error: str,
             count_attempt: bool = True) -> None:
    with db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        row.status, row.next_attempt_at, row.last_error = PENDING, when, error
        if not count_attempt:
            row.attempts = max(0, row.attempts - 1)


def _fail(db: Database, outbox_id: int, error: str) -> None:
    with db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        row.status, row.last_error = FAILED, error


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_BACKOFF * 2 ** max(0, attempts - 1), MAX_BACKOFF)


def _error_code(error: SlackApiError) -> str:
    data = error.response.data if isinstance(error.response.data, dict) else {}
    return str(data.get("error") or f"http_{error.response.status_code}")


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}: {reason or error}"


# --- after a crash -------------------------------------------------------------------------


def reconcile(db: Database, client: WebClient, *, now: datetime, lease: timedelta = LEASE) -> int:
    """Settle messages left `sending` by a worker that died: sent if Slack has them (found
    by their key in the conversation's history), else back to `pending`. Returns how many."""
    with db.session() as session:
        stale = list(session.scalars(select(OutboxRow).where(
            OutboxRow.status == SENDING, OutboxRow.claimed_at <= now - lease)))
        for row in stale:
            session.expunge(row)
    targets = Targets(client)
    settled = 0
    for row in stale:
        try:
            found = _find_posted(client, targets, row)
        except (SlackApiError, *TRANSPORT_ERRORS) as error:
            logger.warning("cannot reconcile outbox %s yet: %s", row.key, error)
            break
        except (_Refused, _Defer):
            found = None
        if found is not None:
            _mark_sent(db, row.id, found[0], found[1], now)
            logger.info("outbox %s had reached Slack before a crash: marked sent", row.key)
        else:
            _release(db, row.id, now, "left sending by a crash; not found in Slack",
                     count_attempt=False)
        settled += 1
    return settled


def _find_posted(client: WebClient, targets: Targets, row: OutboxRow
                 ) -> tuple[str, str] | None:
    """Where Slack shows the post with this row's key, if it does. Updates are idempotent
    and are simply sent again; so are thread replies and uploads, whose crash window is
    the only place a duplicate could still come from (said in the report)."""
    if row.method != "post":
        return None
    channel = targets.conversation(row)
    oldest = (row.claimed_at or row.created_at) - timedelta(minutes=1)
    history = client.conversations_history(
        channel=channel, oldest=f"{oldest.timestamp():.6f}", include_all_metadata=True, limit=200
    )
    for message in history.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == row.key:
            return channel, message["ts"]
    return None
