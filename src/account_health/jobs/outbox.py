"""Queueing Slack messages in the outbox, inside the caller's transaction.

A message is stored in the same transaction as the decision that caused it (an alert,
a pulse request, a digest), so either both exist or neither does. Its `key` is its
identity: queueing the same key again does nothing, which is what makes a second run,
a retried job or a second scheduler harmless. `jobs/delivery.py` sends what is queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_health.storage.delivery_tables import PENDING, OutboxRow

Method = Literal["post", "update", "reply", "upload"]
METADATA_EVENT = "account_health_message"  # message metadata that carries the outbox key


def message_payload(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """A message's JSON: the fallback text and the Block Kit blocks, as Slack takes them."""
    return {"text": text, "blocks": [block.to_dict() for block in blocks or []]}


def enqueue(
    session: Session,
    *,
    key: str,
    method: Method,
    payload: dict[str, Any],
    now: datetime,
    channel: str | None = None,
    user: str | None = None,
    alert_id: int | None = None,
) -> OutboxRow | None:
    """Queue one Slack call unless a message with this key exists; None when it does.

    `channel` is where it goes; `user` is the person to DM when there is no channel, or
    when the channel turns out to be shared with another organisation.
    """
    if channel is None and user is None and method in ("post", "upload"):
        raise ValueError(f"outbox message {key!r} has neither a channel nor a user")
    if session.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None:
        return None
    row = OutboxRow(
        key=key, method=method, channel=channel, user=user, payload=payload,
        alert_id=alert_id, status=PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def replace_pending(session: Session, key: str, payload: dict[str, Any]) -> bool:
    """Swap the content of a message not sent yet (True), e.g. an alert that worsened
    before its first post went out; False when it is already on its way or sent."""
    row = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
    if row is None or row.status != PENDING:
        return False
    row.payload = payload
    return True
