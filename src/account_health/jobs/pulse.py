"""Champion pulse checks: who is asked, when, and the DMs that ask them.

Every N weeks (default 6) each champion (and executive sponsor, configurable) gets a DM
at a working hour of their own time zone (users.info `tz`, TZ_DEFAULT when unknown),
unless they answered a pulse check or an NPS survey within those weeks; one reminder
follows after a few days without an answer. A person without a Slack id is pulse-checked
by their account's CSM, who gets the DM instead.

`pulse_action` (pure) decides for one person at one moment; `run_pulse_checks` is the
shell that loads people, asks Slack for time zones and queues the DMs. The job runs every
hour, so everyone's working hour comes round.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_health.domain.models import FeedbackKind
from account_health.jobs.outbox import enqueue, message_payload
from account_health.jobs.settings import JobSettings
from account_health.slack.blocks.pulse import pulse_on_behalf, pulse_request
from account_health.storage.db import Database
from account_health.storage.delivery_tables import PulseRequestRow, SlackUserRow
from account_health.storage.tables import AccountRow, FeedbackRow, PersonRow

logger = logging.getLogger(__name__)

ANSWER_KINDS = (FeedbackKind.PULSE_CHECK.value, FeedbackKind.NPS.value)
TZ_CACHE_DAYS = 30
Action = Literal["ask", "remind"]


# --- who is due, and when (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class PulsePolicy:
    every_weeks: int = 6
    reminder_days: int = 3
    hour_start: int = 10
    hour_end: int = 12  # exclusive: the first run at or after 10:00 and before 12:00 asks
    workdays: frozenset[int] = frozenset(range(5))  # Monday..Friday

    @classmethod
    def from_settings(cls, settings: JobSettings) -> PulsePolicy:
        return cls(settings.pulse_every_weeks, settings.pulse_reminder_days,
                   settings.pulse_hour_start, settings.pulse_hour_end)


@dataclass(frozen=True)
class LastRequest:
    sent_at: datetime
    reminded_at: datetime | None = None


def working_moment(now: datetime, tz: ZoneInfo, policy: PulsePolicy) -> bool:
    local = now.astimezone(tz)
    return local.weekday() in policy.workdays and policy.hour_start <= local.hour < policy.hour_end


def pulse_due(last_answered: datetime | None, last_request: LastRequest | None, now: datetime,
              policy: PulsePolicy) -> Action | None:
    """What a person needs now, ignoring the hour: a new ask, a reminder, or nothing."""
    period = timedelta(weeks=policy.every_weeks)
    if last_answered is not None and last_answered > now - period:
        return None
    if last_request is None or last_request.sent_at <= now - period:
        return "ask"
    if last_answered is not None and last_answered >= last_request.sent_at:
        return None
    if last_request.reminded_at is None \
            and now - last_request.sent_at >= timedelta(days=policy.reminder_days):
        return "remind"
    return None


def pulse_action(last_answered: datetime | None, last_request: LastRequest | None,
                 now: datetime, tz: ZoneInfo, policy: PulsePolicy) -> Action | None:
    """`pulse_due`, at a working hour of the person's own time zone only."""
    action = pulse_due(last_answered, last_request, now, policy)
    return action if action is not None and working_moment(now, tz, policy) else None


def zone(name: str | None, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


# --- the shell -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    person_id: str
    account_id: str
    account_name: str
    name: str | None
    role: str
    slack_user_id: str | None
    csm: str | None

    @property
    def recipient(self) -> str | None:
        return self.slack_user_id or self.csm

    @property
    def label(self) -> str:
        return f"{self.name or self.person_id} ({self.role.replace('_', ' ')})"


@dataclass
class PulseSummary:
    asked: int = 0
    reminded: int = 0
    on_behalf: int = 0
    not_reachable: int = 0
    looked_up: int = 0
    skipped: list[str] = field(default_factory=list)


def run_pulse_checks(db: Database, settings: JobSettings, client: WebClient | None,
                     now: datetime, tz_default: str) -> PulseSummary:
    """Queue the pulse DMs that are due at `now` (delivery is the outbox's job)."""
    policy = PulsePolicy.from_settings(settings)
    summary = PulseSummary()
    with db.session() as session:
        contacts = _contacts(session, settings)
        answered = _last_answers(session, now)
        requests = _last_requests(session, now - timedelta(weeks=policy.every_weeks))
        due = {c.person_id: action for c in contacts
               if (action := pulse_due(answered.get(c.person_id),
                                       _last(requests.get(c.person_id)), now, policy))}
        zones = _cached_zones(session, now)
    due_contacts = [c for c in contacts if c.person_id in due]
    for contact in due_contacts:
        if contact.recipient is None:
            summary.not_reachable += 1
            summary.skipped.append(f"{contact.label} at {contact.account_name}: no Slack id "
                                   "and no CSM on the account")
    wanted = {c.recipient for c in due_contacts if c.recipient}
    fetched = _look_up_zones(client, wanted - zones.keys())
    summary.looked_up = len(fetched)
    zones |= fetched
    with db.session() as session:
        _remember_zones(session, fetched, now)
        for contact in due_contacts:
            if contact.recipient is None:
                continue
            if client is not None and contact.recipient not in zones:
                continue  # users.info failed for them: their hour is unknown until next run
            tz = zone(zones.get(contact.recipient), tz_default)
            if not working_moment(now, tz, policy):
                continue
            _queue(session, contact, due[contact.person_id], requests.get(contact.person_id),
                   tz, now, summary)
        _mark_answered(session, answered)
    for line in summary.skipped:
        logger.info("pulse check skipped: %s", line)
    return summary


def _queue(session: Session, contact: Contact, action: Action, request: PulseRequestRow | None,
           tz: ZoneInfo, now: datetime, summary: PulseSummary) -> None:
    on_behalf = contact.slack_user_id is None
    recipient = contact.recipient
    assert recipient is not None
    if action == "ask":
        due = now.astimezone(tz).date().isoformat()
        request = PulseRequestRow(
            person_id=contact.person_id, account_id=contact.account_id, due=due,
            recipient=recipient, on_behalf=on_behalf, time_zone=tz.key, sent_at=now,
        )  # fmt: skip
        session.add(request)
        session.flush()
        key = f"pulse:{contact.person_id}:{due}"
    else:
        assert request is not None
        request = session.merge(request)
        request.reminded_at = now
        key = f"pulse:{contact.person_id}:{request.due}:reminder"
    reminder = action == "remind"
    if on_behalf:
        text, blocks = pulse_on_behalf(contact.account_name, contact.account_id,
                                       contact.person_id, contact.label, reminder=reminder)
    else:
        text, blocks = pulse_request(contact.account_name, contact.account_id, contact.person_id,
                                     contact.name, reminder=reminder)
    enqueue(session, key=key, method="post", user=recipient, now=now,
            payload=message_payload(text, blocks))
    summary.on_behalf += on_behalf
    if reminder:
        summary.reminded += 1
    else:
        summary.asked += 1


def _contacts(session: Session, settings: JobSettings) -> list[Contact]:
    roles = [role.value for role in settings.pulse_roles]
    rows = session.execute(
        select(PersonRow.id, PersonRow.account_id, PersonRow.name, PersonRow.role,
               PersonRow.slack_user_id, AccountRow.name.label("account_name"), AccountRow.csm)
        .join(AccountRow, AccountRow.id == PersonRow.account_id)
        .where(PersonRow.role.in_(roles), PersonRow.left_at.is_(None), PersonRow.active.is_(True))
        .order_by(PersonRow.id)
    )
    return [Contact(r.id, r.account_id, r.account_name, r.name, r.role, r.slack_user_id, r.csm)
            for r in rows]


def _last_answers(session: Session, now: datetime) -> dict[str, datetime]:
    rows = session.execute(
        select(FeedbackRow.person_id, func.max(FeedbackRow.submitted_at))
        .where(FeedbackRow.kind.in_(ANSWER_KINDS), FeedbackRow.person_id.is_not(None),
               FeedbackRow.submitted_at <= now)
        .group_by(FeedbackRow.person_id)
    )
    return {person: _aware(at) for person, at in rows}


def _last_requests(session: Session, since: datetime) -> dict[str, PulseRequestRow]:
    latest: dict[str, PulseRequestRow] = {}
    for row in session.scalars(select(PulseRequestRow).where(PulseRequestRow.sent_at > since)
                               .order_by(PulseRequestRow.sent_at)):
        latest[row.person_id] = row
    for row in latest.values():
        session.expunge(row)
    return latest


def _last(row: PulseRequestRow | None) -> LastRequest | None:
    return None if row is None else LastRequest(row.sent_at, row.reminded_at)


def _mark_answered(session: Session, answered: dict[str, datetime]) -> None:
    open_requests = session.scalars(select(PulseRequestRow).where(
        PulseRequestRow.answered_at.is_(None), PulseRequestRow.person_id.in_(list(answered))))
    for request in open_requests:
        at = answered[request.person_id]
        if at >= request.sent_at:
            request.answered_at = at


def _cached_zones(session: Session, now: datetime) -> dict[str, str | None]:
    fresh = now - timedelta(days=TZ_CACHE_DAYS)
    return {row.user_id: row.time_zone for row in session.scalars(
        select(SlackUserRow).where(SlackUserRow.fetched_at > fresh))}


def _look_up_zones(client: WebClient | None, users: Iterable[str]) -> dict[str, str | None]:
    """users.info for each person (rate limits are the client's retry handler's job)."""
    found: dict[str, str | None] = {}
    if client is None:
        return found
    for user in sorted(users):
        if user.startswith("S"):
            continue
        try:
            found[user] = (client.users_info(user=user).get("user") or {}).get("tz")
        except SlackApiError as error:
            if error.response.status_code == 429 or error.response.status_code >= 500:
                logger.warning("users.info unavailable (%s); the rest waits for the next run",
                               error.response.status_code)
                break
            found[user] = None  # user_not_found and the like: TZ_DEFAULT
        except OSError as error:
            logger.warning("users.info unreachable (%s); the rest waits for the next run", error)
            break
    return found


def _remember_zones(session: Session, zones: dict[str, str | None], now: datetime) -> None:
    for user, tz in zones.items():
        session.merge(SlackUserRow(user_id=user, time_zone=tz, fetched_at=now))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
