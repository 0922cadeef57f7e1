"""The weekly digest and the EBR summaries ahead of renewals: gathered from the stored
snapshots (no engine run needed), rendered, and queued in the outbox."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_health.domain.portfolio import PortfolioMetrics
from account_health.domain.report import Report
from account_health.jobs.chart import HealthPoint, health_chart
from account_health.jobs.outbox import enqueue, message_payload
from account_health.jobs.settings import JobSettings
from account_health.services import reports
from account_health.slack.blocks.digest import (
    AtRisk,
    Coverage,
    Digest,
    Mover,
    Renewal,
    digest_blocks,
    digest_text,
)
from account_health.slack.blocks.kit import escape, header, line_sections
from account_health.slack.portfolio import first_action
from account_health.storage.db import Database
from account_health.storage.tables import AccountRow, EngineRunRow, HealthSnapshotRow

logger = logging.getLogger(__name__)

MOVERS = 5
AT_RISK = 10
RENEWAL_DAYS = 90
CHART_WEEKS = 12


@dataclass(frozen=True)
class Snapshot:
    account_id: str
    overall: float
    tier: str


def weekly_movers(now: Mapping[str, Snapshot], before: Mapping[str, Snapshot],
                  names: Mapping[str, str], count: int = MOVERS) -> list[Mover]:
    """The accounts whose health moved most between the two snapshots (pure)."""
    moved = [Mover(names.get(k, k), before[k].overall, s.overall, s.tier)
             for k, s in now.items() if k in before and round(s.overall - before[k].overall)]
    moved.sort(key=lambda m: (-abs(m.change), m.name))
    return moved[:count]


def latest_snapshots(session: Session, on_or_before: date) -> dict[str, Snapshot]:
    """Each account's latest snapshot as of the day (the newest run wins a tie)."""
    s = HealthSnapshotRow
    newest = (select(s.account_id, func.max(s.id).label("id"))
              .where(s.as_of == select(func.max(s.as_of)).where(
                  s.as_of <= on_or_before).scalar_subquery())
              .group_by(s.account_id).subquery())
    latest_day = {r.account_id: r for r in session.execute(
        select(s.account_id, s.overall, s.tier).join(newest, newest.c.id == s.id))}
    if len(latest_day) >= _account_count(session):
        return {k: Snapshot(k, r.overall, r.tier) for k, r in latest_day.items()}
    # accounts not in the latest run: their own latest snapshot
    per_account = (select(s.account_id, func.max(s.id).label("id"))
                   .where(s.as_of <= on_or_before).group_by(s.account_id).subquery())
    return {r.account_id: Snapshot(r.account_id, r.overall, r.tier) for r in session.execute(
        select(s.account_id, s.overall, s.tier).join(per_account, per_account.c.id == s.id))}


def _account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccountRow)) or 0


def health_history(session: Session, as_of: date, weeks: int = CHART_WEEKS) -> list[HealthPoint]:
    """Per day that has snapshots, the newest run's average health and tier counts."""
    s = HealthSnapshotRow
    since = as_of - timedelta(weeks=weeks)
    runs = select(s.as_of, func.max(s.run_id).label("run_id")).where(
        s.as_of > since, s.as_of <= as_of).group_by(s.as_of).subquery()
    rows = session.execute(
        select(s.as_of, s.tier, func.count(), func.avg(s.overall))
        .join(runs, (runs.c.as_of == s.as_of) & (runs.c.run_id == s.run_id))
        .group_by(s.as_of, s.tier).order_by(s.as_of))
    points: dict[date, tuple[dict[str, int], float, int]] = {}
    for day, tier, count, average in rows:
        tiers, total, n = points.get(day, ({}, 0.0, 0))
        tiers[tier] = count
        points[day] = (tiers, total + average * count, n + count)
    return [HealthPoint(day, total / n, tiers) for day, (tiers, total, n) in points.items()]


def gather_digest(session: Session, as_of: date) -> Digest:
    config = reports.load_engine_config()
    top = reports.dashboard(session, as_of, top=10, config=config)
    now = latest_snapshots(session, as_of)
    before = latest_snapshots(session, as_of - timedelta(days=7))
    accounts = {a.id: a for a in session.scalars(select(AccountRow))}
    names = {k: a.name for k, a in accounts.items()}
    red = sorted((k for k, snap in now.items() if snap.tier == "red" and k in accounts),
                 key=lambda k: (-accounts[k].arr, k))[:AT_RISK]
    at_risk = [AtRisk(names[k], accounts[k].arr, now[k].overall, _first_action(session, k))
               for k in red]
    horizon = as_of + timedelta(days=RENEWAL_DAYS)
    renewals = sorted(
        (Renewal(a.name, a.arr, a.renewal_date, now[k].tier if k in now else None,
                 now[k].overall if k in now else None)
         for k, a in accounts.items() if a.renewal_date and as_of <= a.renewal_date <= horizon),
        key=lambda r: (r.renewal_date, -r.arr))
    notes = [] if now else ["No engine run yet: run `account-health run` to fill this in."]
    return Digest(as_of, top, weekly_movers(now, before, names), at_risk, renewals[:20],
                  _coverage(session), notes=notes)


def _first_action(session: Session, account_id: str) -> str | None:
    row = session.scalars(select(HealthSnapshotRow.report)
                          .where(HealthSnapshotRow.account_id == account_id)
                          .order_by(HealthSnapshotRow.as_of.desc(), HealthSnapshotRow.id.desc())
                          .limit(1)).first()
    return first_action(Report.model_validate(row)) if row else None


def _coverage(session: Session) -> Coverage | None:
    details = session.scalars(select(EngineRunRow.details).where(
        EngineRunRow.status == "finished").order_by(EngineRunRow.id.desc()).limit(1)).first()
    if not details or "portfolio" not in details:
        return None
    m = PortfolioMetrics.model_validate(details["portfolio"])
    return Coverage(m.coverage_rate, m.coverage_target, m.decision_maker_coverage,
                    m.decision_maker_target, m.response_trend)


def queue_digest(db: Database, settings: JobSettings, as_of: date, now: datetime) -> bool:
    """The digest message and its chart, queued once per day `as_of` (False: nowhere to
    post it, or already queued)."""
    if settings.digest_channel is None:
        logger.warning("weekly digest skipped: set DIGEST_CHANNEL to the channel it goes to")
        return False
    with db.session() as session:
        digest = gather_digest(session, as_of)
        queued = enqueue(session, key=f"digest:{as_of.isoformat()}", method="post", now=now,
                         channel=settings.digest_channel,
                         payload=message_payload(digest_text(digest), digest_blocks(digest)))
        points = health_history(session, as_of)
        if queued is not None and points:
            png = health_chart(points)
            enqueue(session, key=f"digest:{as_of.isoformat()}:chart", method="upload", now=now,
                    channel=settings.digest_channel, payload={
                        "filename": f"portfolio-health-{as_of.isoformat()}.png",
                        "title": f"Portfolio health to {as_of.isoformat()}",
                        "content_b64": base64.b64encode(png).decode("ascii")})
    return queued is not None


def queue_ebr_summaries(db: Database, settings: JobSettings, as_of: date, now: datetime) -> int:
    """An EBR agenda in each account's channel once, when its renewal comes within
    EBR_DAYS_BEFORE_RENEWAL days (the CSM's DM when it has no channel)."""
    horizon = as_of + timedelta(days=settings.ebr_days_before_renewal)
    queued = 0
    with db.session() as session:
        accounts = list(session.scalars(select(AccountRow).where(
            AccountRow.renewal_date >= as_of, AccountRow.renewal_date <= horizon)))
        for account in accounts:
            if account.channel is None and account.csm is None:
                continue
            key = f"ebr:{account.id}:{account.renewal_date}"
            agenda = reports.ebr_agenda(session, account.id, as_of)
            title = f"EBR ahead of renewal on {account.renewal_date}: {account.name}"
            lines = [escape(line) for line in agenda.splitlines()[:60]] or ["—"]
            blocks = [header(title), *line_sections(lines)]
            if enqueue(session, key=key, method="post", channel=account.channel,
                       user=account.csm, now=now,
                       payload=message_payload(title, blocks)) is not None:
                queued += 1
    return queued
