"""Escalation: an alert nobody acknowledges in time goes one level up the ladder
(CSM → CS manager → CS director); a snooze that ended brings the alert back.

Each escalation updates the alert's message, replies in its thread mentioning the new
level's people, and DMs each of them (a thread mention does not reach anyone when the
alert had to go to the CSM's DM). All of it is queued in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from account_health.jobs.alerts import ESCALATION_LADDER, alert_view, queue_post, queue_update
from account_health.jobs.outbox import enqueue, message_payload
from account_health.jobs.settings import JobSettings
from account_health.slack.blocks.alerts import alert_blocks, escalation_text
from account_health.slack.blocks.kit import section
from account_health.storage.db import Database
from account_health.storage.delivery_tables import OPEN, SNOOZED, AlertRow
from account_health.storage.tables import AccountRow

logger = logging.getLogger(__name__)


@dataclass
class EscalationSummary:
    escalated: int = 0
    resurfaced: int = 0


def escalate_overdue(db: Database, settings: JobSettings, now: datetime) -> EscalationSummary:
    summary = EscalationSummary()
    overdue_before = now - timedelta(hours=settings.alert_escalate_after_hours)
    top = len(ESCALATION_LADDER) - 1
    with db.session() as session:
        for alert in session.scalars(select(AlertRow).where(
                AlertRow.status == SNOOZED, AlertRow.snoozed_until <= now)):
            account = session.get(AccountRow, alert.account_id)
            assert account is not None
            alert.status, alert.snoozed_until = OPEN, None
            alert.attention_since = alert.updated_at = now
            # a new post: the snoozed one is far up the channel by now
            queue_post(session, alert, account, settings, now,
                       key=f"alert:{alert.id}:resurface:{now.timestamp():.0f}")
            summary.resurfaced += 1
        for alert in session.scalars(select(AlertRow).where(
                AlertRow.status == OPEN, AlertRow.attention_since <= overdue_before,
                AlertRow.escalation_level < top)):
            account = session.get(AccountRow, alert.account_id)
            assert account is not None
            alert.escalation_level += 1
            alert.attention_since = alert.updated_at = now
            queue_update(session, alert, account, settings, now, "escalated")
            view = alert_view(alert, account, settings)
            text = escalation_text(view, settings.alert_escalate_after_hours)
            base = f"alert:{alert.id}:escalate:{alert.escalation_level}"
            enqueue(session, key=base, method="reply", now=now, alert_id=alert.id,
                    payload=message_payload(text, [section(text)]))
            for user in view.escalated_to:
                if not user.startswith("S"):
                    enqueue(session, key=f"{base}:dm:{user}", method="post", now=now, user=user,
                            payload=message_payload(text, [section(text), *alert_blocks(view)]))
            if not view.escalated_to:
                logger.warning("alert %s escalated to %s, but nobody is configured for it",
                               alert.id, view.escalated_role)
            summary.escalated += 1
    return summary
