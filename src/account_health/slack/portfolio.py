"""What the Slack app asks of the rest of the system, in one place.

A thin adapter over storage and the report services: each call opens one session and
returns plain domain objects, so listeners never touch SQLAlchemy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from account_health.domain.models import Account, Person, Role
from account_health.domain.report import Report
from account_health.services import reports
from account_health.slack.blocks.home import AccountLine, HomeData
from account_health.slack.blocks.modals import Contact
from account_health.storage import repository
from account_health.storage.db import Database

RENEWAL_HORIZON_DAYS = 90
HOME_TOP_ACCOUNTS = 10
HOME_SCORED_ACCOUNTS = 25  # reports computed per App Home view; the rest are listed unscored
CONTACT_ORDER = [
    Role.EXECUTIVE_SPONSOR, Role.CHAMPION, Role.ADMIN, Role.IT_SECURITY,
    Role.POWER_USER, Role.CASUAL_USER, Role.END_USER, Role.DORMANT,
]  # fmt: skip


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def first_action(report: Report) -> str | None:
    """What to do first: the most urgent routed action, else the playbook's first step."""
    if report.routing:
        return report.routing[0].action
    return report.playbook.actions[0] if report.playbook.actions else None


def contact_label(person: Person) -> str:
    return f"{person.name or person.id} ({person.role.value.replace('_', ' ')})"


def contacts_of(people: Sequence[Person]) -> list[Contact]:
    """The people a pulse check can be about: current ones, decision makers first."""
    current = [p for p in people if p.left_at is None]
    current.sort(key=lambda p: (CONTACT_ORDER.index(p.role), not p.active, p.name or p.id))
    return [Contact(p.id, contact_label(p)) for p in current]


@dataclass(frozen=True)
class AccountPeople:
    account: Account
    people: tuple[Person, ...]

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def person_for_slack_user(self, slack_user_id: str) -> Person | None:
        return next((p for p in self.people if p.slack_user_id == slack_user_id), None)


class Portfolio:
    def __init__(
        self,
        db: Database,
        today: Callable[[], date] = _utc_today,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.db = db
        self._save_lock = threading.Lock()
        self.today = today
        self.now = now

    def lookup(self, query: str) -> reports.AccountLookup:
        with self.db.session() as session:
            return reports.lookup_accounts(session, query)

    def account(self, account_id: str) -> Account | None:
        with self.db.session() as session:
            return repository.get_account(session, account_id)

    def report(self, account_id: str) -> Report:
        with self.db.session() as session:
            return reports.account_report(session, account_id, self.today())

    def dashboard(self, top: int = 10) -> Sequence[Any]:
        with self.db.session() as session:
            return reports.dashboard(session, self.today(), top=top)

    def agenda(self, account_id: str) -> tuple[Account | None, str]:
        with self.db.session() as session:
            account = repository.get_account(session, account_id)
            if account is None:
                return None, ""
            return account, reports.ebr_agenda(session, account_id, self.today())

    def people(self, account_id: str) -> AccountPeople | None:
        with self.db.session() as session:
            data = repository.load_account_data(session, account_id, self.today())
        return None if data is None else AccountPeople(data.account, data.people)

    def save_feedback(self, record: dict[str, Any]) -> bool:
        """Saves one response (import format); True when new, False when already saved.

        Saves are serialised in this process: a double submit arrives as two concurrent
        requests, and only one of them should be told it created the response."""
        with self._save_lock, self.db.session() as session:
            _, created = repository.save_feedback(session, record)
        return created

    def home(self, slack_user_id: str) -> HomeData:
        today = self.today()
        with self.db.session() as session:
            accounts = repository.list_accounts(session)
            own = sorted((a for a in accounts if a.csm == slack_user_id), key=lambda a: -a.arr)
            if not own:
                top = {row.id for row in reports.dashboard(session, today, top=HOME_TOP_ACCOUNTS)}
                chosen = sorted((a for a in accounts if a.id in top), key=lambda a: -a.arr)
            else:
                chosen = own
            scored = {
                a.id: reports.account_report(session, a.id, today)
                for a in chosen[:HOME_SCORED_ACCOUNTS]
            }
        lines = [self._line(a, scored.get(a.id)) for a in chosen]
        at_risk = sorted(
            (line for line in lines if line.tier in {"red", "yellow"}),
            key=lambda line: (line.tier != "red", line.overall or 0),
        )
        horizon = today + timedelta(days=RENEWAL_HORIZON_DAYS)
        renewals = sorted(
            (line for line in lines if line.renewal_date and today <= line.renewal_date <= horizon),
            key=lambda line: line.renewal_date or today,
        )
        return HomeData(today, bool(own), lines, at_risk, renewals, total=len(lines))

    @staticmethod
    def _line(account: Account, report: Report | None) -> AccountLine:
        if report is None:
            return AccountLine(account.id, account.name, account.arr, account.renewal_date)
        return AccountLine(
            account.id, account.name, account.arr, account.renewal_date,
            overall=report.health.overall, tier=report.health.tier,
            first_action=first_action(report),
        )  # fmt: skip
