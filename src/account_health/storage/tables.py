"""The database tables, as SQLAlchemy 2 typed models.

Column names follow the import format (CONTRACT section 1) where they can. Every
timestamp is a `UTCDateTime`: aware UTC in Python, `timestamptz` on PostgreSQL and
naive UTC on SQLite, so both databases behave the same. The Alembic migrations in
`storage/migrations/versions` create exactly these tables; change both together.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python whatever the database stores.

    SQLite has no time zones, so it gets naive UTC; reading converts back to aware UTC.
    A naive value handed in is taken to be UTC already (the import format's rule).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    arr: Mapped[float] = mapped_column(Float)
    contract_value: Mapped[float | None] = mapped_column(Float)
    users_licensed: Mapped[int | None] = mapped_column(Integer)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    segment: Mapped[str | None] = mapped_column(String(200))
    csm: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(100))


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_account", "account_id"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(500))
    slack_user_id: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login: Mapped[datetime | None]
    left_at: Mapped[datetime | None]


class FeedbackRow(Base):
    """One response in either seed shape, flattened; `raw` keeps the original object."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_account_time", "account_id", "submitted_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    person_id: Mapped[str | None] = mapped_column(String(200))  # respondent; may be unlisted
    role: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40))
    shape: Mapped[str] = mapped_column(String(10))  # "user" or "account" (the seed's two)
    submitted_at: Mapped[datetime]
    score: Mapped[float | None] = mapped_column(Float)
    overall_satisfaction: Mapped[float | None] = mapped_column(Float)
    value_realization: Mapped[float | None] = mapped_column(Float)
    renewal_likelihood: Mapped[float | None] = mapped_column(Float)
    expansion_interest: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    concerns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class CommentAnalysisRow(Base):
    """What text analysis found in one text of a response (position 0 = the comment)."""

    __tablename__ = "comment_analysis"
    __table_args__ = (
        UniqueConstraint("feedback_id", "position", name="uq_comment_analysis_text"),
        Index("ix_comment_analysis_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[str] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    sentiment: Mapped[float] = mapped_column(Float)
    signals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    competitors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    topic: Mapped[str | None] = mapped_column(String(200))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    analyzer: Mapped[str] = mapped_column(String(100))
    analyzed_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageWeekRow(Base):
    """One person's activity in one week; the key starts with the account for range scans."""

    __tablename__ = "usage_weeks"
    __table_args__ = (Index("ix_usage_person_week", "person_id", "week"),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    logins: Mapped[int] = mapped_column(Integer)
    features_used: Mapped[int | None] = mapped_column(Integer)
    new_features_adopted: Mapped[int | None] = mapped_column(Integer)


class TouchpointRow(Base):
    """A relationship event; `id` is derived from its natural key (see the importer)."""

    __tablename__ = "touchpoints"
    __table_args__ = (Index("ix_touchpoints_account_time", "account_id", "at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    response_hours: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)


class OutcomeRow(Base):
    __tablename__ = "outcomes"
    __table_args__ = (Index("ix_outcomes_account_time", "account_id", "at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    value: Mapped[float | None] = mapped_column(Float)


class RenewalRow(Base):
    __tablename__ = "renewals"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    arr_after: Mapped[float | None] = mapped_column(Float)


class EngineRunRow(Base):
    __tablename__ = "engine_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class HealthSnapshotRow(Base):
    """One account's health as computed by one run: history and trends read these."""

    __tablename__ = "health_snapshots"
    __table_args__ = (Index("ix_snapshots_account_as_of", "account_id", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("engine_runs.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    overall: Mapped[float] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(10))
    feedback: Mapped[float | None] = mapped_column(Float)
    engagement: Mapped[float | None] = mapped_column(Float)
    relationship: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LlmCacheRow(Base):
    """An LLM answer kept so that the same text and task never costs twice."""

    __tablename__ = "llm_cache"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
