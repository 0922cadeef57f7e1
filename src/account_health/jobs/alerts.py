"""Alerts: the engine's insights as messages the team handles in Slack.

After each report (inside the engine run's transaction, via run_engine's `on_report`):
every signal, and a tier change, is an insight with a stable key. A new insight becomes an
alert plus its post in the outbox; the same insight while an alert for it is open,
acknowledged or snoozed posts nothing; a higher severity updates the posted message; a
signal that is gone resolves its alert. Tier changes are events: they stay until
someone acknowledges them.

`alert_candidates` (pure) decides what the insights are; `AlertRaiser` applies them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_health.domain.report import Evidence, Report, Route, Signal
from account_health.jobs.outbox import enqueue, message_payload, replace_pending
from account_health.jobs.settings import JobSettings
from account_health.slack.blocks.alerts import AlertView, alert_blocks, alert_text
from account_health.storage.delivery_tables import (
    ACTIVE_ALERT_STATUSES,
    RESOLVED,
    SNOOZED,
    AlertRow,
)
from account_health.storage.repository import SnapshotRecord
from account_health.storage.tables import AccountRow

logger = logging.getLogger(__name__)

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
TIER_RANK = {"green": 0, "yellow": 1, "red": 2}
TIER_CHANGE = "tier_change"
ESCALATION_LADDER = ("csm", "cs_manager", "cs_director")  # one level up per missed ack


# --- what the insights are (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    key: str
    type: str
    title: str
    severity: str
    evidence: tuple[Evidence, ...]
    route: dict[str, Any] = field(default_factory=dict)


def signal_key(signal: Signal) -> str:
    return signal.key or f"{signal.type}:{signal.name}"


def alert_candidates(report: Report, previous_tier: str | None = None) -> list[Candidate]:
    """Each signal of the report, and a tier change against the previous snapshot."""
    routes = {r.signal: r for r in report.routing if r.signal}
    found = [
        Candidate(
            key=signal_key(s), type=s.type, title=s.name, severity=s.severity,
            evidence=tuple(s.evidence), route=_route(routes.get(s.name), s.severity),
        )
        for s in report.signals
    ]
    change = tier_change(report, previous_tier or report.health.previous_tier)
    if change is not None:
        found.append(change)
    return list({c.key: c for c in found}.values())  # one alert per key


def tier_change(report: Report, previous_tier: str | None) -> Candidate | None:
    tier = report.health.tier
    if previous_tier is None or previous_tier == tier:
        return None
    worse = TIER_RANK[tier] > TIER_RANK.get(previous_tier, 0)
    severity = ("high" if tier == "red" else "medium") if worse else "low"
    change = report.health.change
    moved = f" ({change:+.0f} points)" if change is not None else ""
    evidence = [Evidence(what=f"Health {report.health.overall:.0f}/100, was {previous_tier}"
                         f"{moved}", when=report.as_of)]
    evidence += [Evidence(what=f"Risk: {r.name}", when=report.as_of)
                 for r in report.health.risk_factors[:3]]
    action = report.playbook.actions[0] if report.playbook.actions else None
    return Candidate(
        key=f"{TIER_CHANGE}:{previous_tier}->{tier}", type=TIER_CHANGE,
        title=f"Health tier {'fell' if worse else 'rose'}: {previous_tier} → {tier}",
        severity=severity, evidence=tuple(evidence),
        route={"assign_to": "csm", "action": action,
               "escalate_to": "cs_manager" if tier == "red" else None, "cc_to": None},
    )


def _route(route: Route | None, severity: str) -> dict[str, Any]:
    if route is None:
        return {"assign_to": "csm", "priority": severity, "action": None,
                "escalate_to": None, "cc_to": None}
    return route.model_dump(mode="json", include={"assign_to", "priority", "action",
                                                  "escalate_to", "cc_to"})


def worse(new: str, old: str) -> bool:
    return SEVERITY_RANK.get(new, 0) > SEVERITY_RANK.get(old, 0)


# --- rendering an alert row ------------------------------------------------------------------


def alert_view(alert: AlertRow, account: AccountRow, settings: JobSettings,
               notes: Sequence[str] = ()) -> AlertView:
    route = alert.route or {}
    level_role = ESCALATION_LADDER[min(alert.escalation_level, len(ESCALATION_LADDER) - 1)]
    escalated = level_role if alert.escalation_level > 0 else route.get("escalate_to")
    cc = route.get("cc_to")
    snoozed = alert.snoozed_until.date() if alert.snoozed_until else None
    return AlertView(
        alert_id=alert.id, account_name=account.name, title=alert.title, type=alert.type,
        severity=alert.severity, status=alert.status, as_of=alert.as_of,
        evidence=[Evidence.model_validate(e) for e in alert.evidence],
        action=route.get("action"), owner=account.csm,
        escalated_role=escalated, escalated_to=settings.targets(escalated) if escalated else (),
        cc_role=cc, cc=settings.targets(cc) if cc else (),
        assigned_to=alert.assigned_to, acknowledged_by=alert.acknowledged_by,
        snoozed_until=snoozed, notes=tuple(notes),
    )


def alert_payload(alert: AlertRow, account: AccountRow, settings: JobSettings) -> dict[str, Any]:
    view = alert_view(alert, account, settings)
    return message_payload(alert_text(view), alert_blocks(view))


def post_key(alert: AlertRow) -> str:
    return f"alert:{alert.id}:post"


def queue_post(session: Session, alert: AlertRow, account: AccountRow, settings: JobSettings,
               now: datetime, key: str | None = None) -> bool:
    """The alert's message, to the account's channel (the CSM's DM when there is none or it
    is shared outside the company; the CS manager's when there is no CSM either)."""
    fallback = account.csm or next(
        (t for t in settings.routing_cs_manager if not t.startswith("S")), None)
    if account.channel is None and fallback is None:
        logger.warning("alert %s on %s: no channel, CSM or CS manager to tell; kept unsent",
                       alert.id, account.id)
        return False
    return enqueue(
        session, key=key or post_key(alert), method="post", now=now,
        payload=alert_payload(alert, account, settings),
        channel=account.channel, user=fallback, alert_id=alert.id,
    ) is not None


def queue_update(session: Session, alert: AlertRow, account: AccountRow, settings: JobSettings,
                 now: datetime, reason: str) -> None:
    """Show the alert's new state: in the not-yet-sent post if there is one, else by
    chat.update of the posted message."""
    payload = alert_payload(alert, account, settings)
    if replace_pending(session, post_key(alert), payload):
        return
    stamp = f"{now.timestamp():.6f}"
    enqueue(session, key=f"alert:{alert.id}:update:{reason}:{stamp}", method="update",
            payload=payload, now=now, alert_id=alert.id)


# --- applying them (inside the engine run's transaction) ----------------------------------------


@dataclass
class AlertCounts:
    raised: int = 0
    worsened: int = 0
    resolved: int = 0
    unchanged: int = 0


class ActiveAlert(NamedTuple):
    """What deciding about an active alert needs; the row is loaded only to change it (a
    steady run meets tens of thousands of active alerts and changes a few)."""

    id: int
    account_id: str
    insight_key: str
    type: str
    severity: str


def _active_alerts(session: Session, account_ids: list[str]) -> list[ActiveAlert]:
    a = AlertRow
    rows = session.execute(select(a.id, a.account_id, a.insight_key, a.type, a.severity)
                           .where(a.account_id.in_(account_ids),
                                  a.status.in_(ACTIVE_ALERT_STATUSES)))
    return [ActiveAlert(*row) for row in rows]


class AlertRaiser:
    """run_engine's `on_report` hook: insights → alerts and outbox messages, in the same
    transaction as the report's snapshot."""

    def __init__(self, settings: JobSettings, now: datetime) -> None:
        self.settings = settings
        self.now = now
        self.counts = AlertCounts()
        self._active: dict[str, dict[str, ActiveAlert]] | None = None  # of the prepared batch
        self._accounts: dict[str, AccountRow] = {}

    def prepare(self, session: Session, account_ids: Sequence[str]) -> None:
        """Load the active alerts and account rows of a batch of accounts in two queries
        (run_engine calls this before the batch's reports)."""
        ids = list(account_ids)
        self._active = {account_id: {} for account_id in ids}
        for alert in _active_alerts(session, ids):
            self._active[alert.account_id][alert.insight_key] = alert
        self._accounts = {row.id: row for row in session.scalars(
            select(AccountRow).where(AccountRow.id.in_(ids)))}

    def __call__(self, session: Session, report: Report, previous: SnapshotRecord | None) -> None:
        candidates = alert_candidates(report, previous.tier if previous else None)
        account_id = report.account.id
        if self._active is not None and account_id in self._active:
            active = self._active[account_id]
        else:
            active = {a.insight_key: a for a in _active_alerts(session, [account_id])}
        if not candidates and not active:
            return
        account = self._accounts.get(account_id) or session.get(AccountRow, account_id)
        assert account is not None
        for candidate in candidates:
            known = active.get(candidate.key)
            if known is None:
                self._raise(session, candidate, account, report)
            elif worse(candidate.severity, known.severity):
                alert = session.get_one(AlertRow, known.id)
                alert.severity = candidate.severity
                alert.evidence = [e.model_dump(mode="json") for e in candidate.evidence]
                alert.as_of, alert.updated_at = report.as_of.isoformat(), self.now
                queue_update(session, alert, account, self.settings, self.now, "worse")
                self.counts.worsened += 1
            else:
                self.counts.unchanged += 1
        current = {c.key for c in candidates}
        for key, known in active.items():
            if key not in current and known.type != TIER_CHANGE:
                alert = session.get_one(AlertRow, known.id)
                alert.status, alert.updated_at = RESOLVED, self.now
                queue_update(session, alert, account, self.settings, self.now, "resolved")
                self.counts.resolved += 1

    def _raise(self, session: Session, candidate: Candidate, account: AccountRow,
               report: Report) -> None:
        alert = AlertRow(
            account_id=account.id, insight_key=candidate.key, type=candidate.type,
            title=candidate.title, severity=candidate.severity, status="open",
            escalation_level=0, attention_since=self.now, route=candidate.route,
            evidence=[e.model_dump(mode="json") for e in candidate.evidence],
            as_of=report.as_of.isoformat(), created_at=self.now, updated_at=self.now,
        )  # fmt: skip
        session.add(alert)
        session.flush()
        queue_post(session, alert, account, self.settings, self.now)
        self.counts.raised += 1


def is_quiet(alert: AlertRow, now: datetime) -> bool:
    """Snoozed and the snooze has not ended."""
    return alert.status == SNOOZED and alert.snoozed_until is not None \
        and alert.snoozed_until > now


# --- the buttons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    message: str  # one line for the person who clicked
    outbox_id: int | None = None  # the message update to deliver now


def apply_alert_action(session: Session, alert_id: int, action: str, user: str,
                       settings: JobSettings, now: datetime) -> ActionResult:
    """Acknowledge, snooze or assign an alert and queue the update of its message, in the
    caller's transaction. Assigning also acknowledges: someone owns it, so no escalation."""
    alert = session.get(AlertRow, alert_id)
    if alert is None:
        return ActionResult("I couldn't find that alert any more.")
    if alert.status == RESOLVED:
        return ActionResult("This alert is already resolved: the signal is gone.")
    if action == "acknowledge":
        alert.status, alert.acknowledged_by, alert.snoozed_until = "acknowledged", user, None
        message = "Acknowledged: it won't be escalated."
    elif action == "snooze":
        alert.status = SNOOZED
        alert.snoozed_until = now + timedelta(days=settings.alert_snooze_days)
        message = (f"Snoozed for {settings.alert_snooze_days} days: it comes back on "
                   f"{alert.snoozed_until.date().isoformat()} if the signal is still there.")
    elif action == "assign":
        alert.assigned_to = user
        alert.status, alert.acknowledged_by = "acknowledged", alert.acknowledged_by or user
        alert.snoozed_until = None
        message = "Assigned to you."
    else:
        return ActionResult(f"Unknown alert action {action!r}.")
    alert.updated_at = now
    account = session.get(AccountRow, alert.account_id)
    assert account is not None
    payload = alert_payload(alert, account, settings)
    if replace_pending(session, post_key(alert), payload):
        return ActionResult(message)
    row = enqueue(session, key=f"alert:{alert.id}:{action}:{user}:{now.timestamp():.6f}",
                  method="update", payload=payload, now=now, alert_id=alert.id)
    return ActionResult(message, row.id if row is not None else None)
