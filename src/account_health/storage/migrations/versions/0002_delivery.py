"""Delivery: the outbox, alerts, scheduler claims, pulse requests, cached Slack time zones,
and APScheduler's own job store table.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_health.storage.delivery_tables  # noqa: F401 - the tables join Base.metadata

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("insight_key", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("snoozed_until", STAMP, nullable=True),
        sa.Column("assigned_to", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("attention_since", STAMP, nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("posted_channel", sa.String(length=100), nullable=True),
        sa.Column("posted_ts", sa.String(length=40), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_account_key", "alerts", ["account_id", "insight_key", "status"])
    op.create_index(op.f("ix_alerts_status"), "alerts", ["status"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("user", sa.String(length=100), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", STAMP, nullable=False),
        sa.Column("claimed_at", STAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", STAMP, nullable=True),
        sa.Column("slack_channel", sa.String(length=100), nullable=True),
        sa.Column("slack_ts", sa.String(length=40), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_outbox_status_due", "outbox", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_alert_id"), "outbox", ["alert_id"])
    op.create_table(
        "job_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("scheduled_for", STAMP, nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", STAMP, nullable=False),
        sa.Column("finished_at", STAMP, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "scheduled_for", name="uq_job_claims_run"),
    )
    op.create_table(
        "pulse_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("due", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("sent_at", STAMP, nullable=False),
        sa.Column("reminded_at", STAMP, nullable=True),
        sa.Column("answered_at", STAMP, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "due", name="uq_pulse_requests_person_due"),
    )
    op.create_index("ix_pulse_requests_person_sent", "pulse_requests", ["person_id", "sent_at"])
    op.create_table(
        "slack_users",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    # APScheduler's SQLAlchemyJobStore table (the same shape it would create itself)
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs",
                    ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("slack_users")
    op.drop_table("pulse_requests")
    op.drop_table("job_claims")
    op.drop_table("outbox")
    op.drop_table("alerts")
