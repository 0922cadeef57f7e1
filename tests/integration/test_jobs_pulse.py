"""Pulse-check DMs against the fake Slack: 1,000 champions in many time zones, Slack
answering 429 to a share of the calls, the job driven hour by hour with an explicit now."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select
from tests.fakes.fake_slack import TOKEN, FakeSlack, _Failure

from account_health.config import load_settings
from account_health.jobs.delivery import deliver_pending
from account_health.jobs.pulse import run_pulse_checks
from account_health.jobs.settings import load_job_settings
from account_health.slack.blocks.ids import OPEN_PULSE_CHECK, decode_target
from account_health.slack.client import build_client
from account_health.storage.db import Database
from account_health.storage.delivery_tables import SENT, OutboxRow, PulseRequestRow
from account_health.storage.tables import AccountRow, FeedbackRow, PersonRow

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
ZONES = ["America/Los_Angeles", "America/New_York", "Europe/Paris", "Asia/Kolkata",
         "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", None]


class RateLimitedSlack(FakeSlack):
    """Answers 429 (Retry-After: 0) to a seeded share of all calls."""

    share: float = 0.2

    def __post_init__(self) -> None:
        super().__post_init__()
        self._random = random.Random(11)
        self.limited = 0

    def _take_failure(self, method: str) -> _Failure | None:
        with self._changed:
            if self._random.random() < self.share:
                self.limited += 1
                return _Failure(method, 1, status=429, retry_after=0)
        return super()._take_failure(method)


@pytest.fixture
def fake() -> Iterator[RateLimitedSlack]:
    slack = RateLimitedSlack().start()
    yield slack
    slack.stop()


def add_champions(db: Database, fake: FakeSlack, count: int) -> dict[str, str | None]:
    """`count` champions over count/10 accounts; returns Slack user id → time zone."""
    zones: dict[str, str | None] = {}
    with db.session() as session:
        for a in range(count // 10):
            session.add(AccountRow(id=f"acct{a:04d}", name=f"Account {a}", arr=50_000,
                                   csm=f"UCSM{a % 7}"))
        session.flush()
        for i in range(count):
            user, tz = f"UCH{i:05d}", ZONES[i % len(ZONES)]
            zones[user] = tz
            session.add(PersonRow(id=f"p{i:05d}", account_id=f"acct{i // 10:04d}",
                                  role="champion", name=f"Champ {i}", slack_user_id=user))
            fake.add_user(user, **({"tz": tz} if tz else {}))
    return zones


def drive(db: Database, client: WebClient, hours: int, start: datetime = MONDAY) -> None:
    jobs = load_job_settings()
    for hour in range(hours):
        now = start + timedelta(hours=hour)
        run_pulse_checks(db, jobs, client, now, "UTC")
        for _ in range(50):  # the delivery job, as often as it takes within the hour
            if deliver_pending(db, client, now=now).stopped is None:
                break


def test_a_thousand_champions_each_get_one_dm_at_a_working_hour_of_their_zone(
        sqlite_db: Database, fake: RateLimitedSlack) -> None:
    zones = add_champions(sqlite_db, fake, 1000)
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url)
    client = build_client(settings, interval=FixedValueRetryIntervalCalculator(0),
                                   rate_limit_jitter=0, timeout=5)
    drive(sqlite_db, client, hours=48)
    assert fake.limited > 100  # Slack really did push back
    dms = Counter(m["channel"] for m in fake.messages)
    assert dms == Counter({f"D{user}": 1 for user in zones})
    with sqlite_db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.key.like("pulse:%"))).all()
        people = {p.id: p.slack_user_id for p in session.scalars(select(PersonRow))}
    assert len(rows) == 1000 and {r.status for r in rows} == {SENT}
    for row in rows:
        local = row.sent_at.astimezone(ZoneInfo(zones[people[row.key.split(":")[1]]] or "UTC"))
        assert local.weekday() < 5 and 10 <= local.hour < 12, (row.key, local)
    assert fake.violations == []


def test_answers_skip_people_and_one_reminder_follows_silence(
        sqlite_db: Database, fake: RateLimitedSlack) -> None:
    fake.share = 0.0
    add_champions(sqlite_db, fake, 20)
    with sqlite_db.session() as session:  # p00001 answered an NPS survey two weeks ago
        session.add(FeedbackRow(id="f1", account_id="acct0000", person_id="p00001",
                                role="champion", kind="nps", shape="user", score=9,
                                submitted_at=MONDAY - timedelta(weeks=2), raw={}))
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url)
    client = build_client(settings, interval=FixedValueRetryIntervalCalculator(0),
                                   rate_limit_jitter=0)
    paris_ten = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris (p00002, p00010...)
    drive(sqlite_db, client, hours=1, start=paris_ten)
    assert [m["channel"] for m in fake.messages] == ["DUCH00002", "DUCH00010", "DUCH00018"]
    button = fake.messages[0]["blocks"][1]["elements"][0]
    assert button["action_id"] == OPEN_PULSE_CHECK
    assert decode_target(button["value"]).person_id == "p00002"
    with sqlite_db.session() as session:  # p00010 answers the pulse check the next day
        session.add(FeedbackRow(id="f2", account_id="acct0001", person_id="p00010",
                                role="champion", kind="pulse_check", shape="account",
                                submitted_at=paris_ten + timedelta(days=1), raw={}))
    drive(sqlite_db, client, hours=1, start=paris_ten + timedelta(days=3))  # Thursday
    reminders = [m["channel"] for m in fake.messages[3:]]
    assert reminders == ["DUCH00002", "DUCH00018"]
    assert "reminder" in fake.messages[3]["text"]
    drive(sqlite_db, client, hours=1, start=paris_ten + timedelta(days=4))
    assert len(fake.messages) == 5  # one reminder only
    with sqlite_db.session() as session:
        answered = session.scalars(select(PulseRequestRow).where(
            PulseRequestRow.person_id == "p00010")).one()
    assert answered.answered_at is not None


def test_a_champion_without_slack_is_pulse_checked_by_the_csm(
        sqlite_db: Database, fake: RateLimitedSlack) -> None:
    fake.share = 0.0
    with sqlite_db.session() as session:
        session.add(AccountRow(id="acme", name="Acme", arr=1, csm="UCSMA"))
        session.flush()
        session.add(PersonRow(id="jane", account_id="acme", role="champion", name="Jane"))
    fake.add_user("UCSMA", tz="Europe/Paris")
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url)
    client = build_client(settings, interval=FixedValueRetryIntervalCalculator(0),
                                   rate_limit_jitter=0)
    drive(sqlite_db, client, hours=1, start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    [message] = fake.messages
    assert message["channel"] == "DUCSMA"
    assert "time to pulse-check Jane (champion) at Acme" in message["text"]
    assert decode_target(message["blocks"][1]["elements"][0]["value"]).person_id == "jane"
