"""The proactive side's tables: the outbox, alerts, scheduler claims and pulse requests.

They live on storage's `Base`, so one metadata and one Alembic history describe the whole
database; `migrations/versions/0002_delivery.py` creates exactly these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from account_health.storage.tables import Base, utcnow

# outbox statuses
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# alert statuses
OPEN, ACKNOWLEDGED, SNOOZED, RESOLVED = "open", "acknowledged", "snoozed", "resolved"
ACTIVE_ALERT_STATUSES = (OPEN, ACKNOWLEDGED, SNOOZED)


class OutboxRow(Base):
    """One Slack call to make, stored in the transaction that decided it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # idempotency key
    method: Mapped[str] = mapped_column(String(40))  # post, update, reply, upload
    channel: Mapped[str | None] = mapped_column(String(100))
    user: Mapped[str | None] = mapped_column(String(100))  # a DM's person, or the fallback
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # when it went to "sending"
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    slack_channel: Mapped[str | None] = mapped_column(String(100))
    slack_ts: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """One insight about one account, as the team sees and handles it in Slack."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_account_key", "account_id", "insight_key", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    insight_key: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40))  # a signal type, or tier_change
    title: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    snoozed_until: Mapped[datetime | None]
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    attention_since: Mapped[datetime] = mapped_column(default=utcnow)  # the escalation clock
    route: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    as_of: Mapped[str] = mapped_column(String(10))  # the run's day, ISO
    posted_channel: Mapped[str | None] = mapped_column(String(100))
    posted_ts: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobClaimRow(Base):
    """Who runs one scheduled time of one job: the unique pair makes it exactly one."""

    __tablename__ = "job_claims"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_job_claims_run"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)


class PulseRequestRow(Base):
    """One pulse check asked of one person (or of their CSM on their behalf)."""

    __tablename__ = "pulse_requests"
    __table_args__ = (
        UniqueConstraint("person_id", "due", name="uq_pulse_requests_person_due"),
        Index("ix_pulse_requests_person_sent", "person_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    due: Mapped[str] = mapped_column(String(10))  # the local day it was asked, ISO
    recipient: Mapped[str] = mapped_column(String(100))  # the person's Slack id, or the CSM's
    on_behalf: Mapped[bool] = mapped_column(default=False)
    time_zone: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]  # when it was queued, at a working hour of their time zone
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]


class SlackUserRow(Base):
    """What users.info said about a person's Slack account: their time zone, cached."""

    __tablename__ = "slack_users"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
