"""The engine run's alerts through the outbox to the fake Slack: exactly once, whatever
Slack does (500s, refused connections, a crash mid-send), and nothing new on a rerun."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import func, select
from tests.fakes.fake_slack import TOKEN, FakeSlack

from account_health.config import Settings, load_settings
from account_health.generator.portfolio import generate_portfolio
from account_health.jobs.delivery import deliver_pending, reconcile
from account_health.jobs.outbox import METADATA_EVENT
from account_health.jobs.pipeline import run_and_deliver
from account_health.jobs.settings import load_job_settings
from account_health.slack.client import build_client
from account_health.storage.db import Database
from account_health.storage.delivery_tables import SENDING, SENT, AlertRow, OutboxRow
from account_health.storage.importer import import_directory

AS_OF = date(2026, 3, 2)
NOW = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def portfolio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(folder, accounts=12, seed=3, as_of=AS_OF)
    return folder


def channels_of(folder: Path) -> dict[str, str]:
    with (folder / "accounts.csv").open() as handle:
        return {row["account_id"]: row["channel"] for row in csv.DictReader(handle)}


@pytest.fixture
def fake(portfolio_dir: Path) -> Iterator[FakeSlack]:
    slack = FakeSlack()
    for channel in channels_of(portfolio_dir).values():
        slack.add_channel(channel)
    slack.start()
    yield slack
    slack.stop()


@pytest.fixture
def loaded(db: Database, portfolio_dir: Path) -> Database:
    import_directory(db, portfolio_dir, progress=False)
    return db


def settings_for(fake: FakeSlack) -> Settings:
    return load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.api_url)


def fast_client(settings: Settings) -> WebClient:
    """The delivery client with every retry interval at zero: no wall-clock sleeping."""
    return build_client(settings, interval=FixedValueRetryIntervalCalculator(0),
                                 rate_limit_jitter=0, timeout=2)


def posted_keys(fake: FakeSlack) -> Counter[str]:
    """How often each outbox key reached Slack as an accepted post."""
    return Counter(m["metadata"]["event_payload"]["key"] for m in fake.messages
                   if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT)


def alert_post_keys(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(OutboxRow.key).where(
            OutboxRow.alert_id.is_not(None), OutboxRow.method == "post")))


def test_a_run_posts_each_alert_once_and_a_second_run_posts_nothing(
        loaded: Database, fake: FakeSlack) -> None:
    settings = settings_for(fake)
    jobs = load_job_settings(ROUTING_CS_MANAGER="U0MGR")
    first = run_and_deliver(loaded, settings, fast_client(settings), AS_OF, now=NOW,
                            job_settings=jobs)
    keys = alert_post_keys(loaded)
    assert first.alerts.raised == len(keys) > 0
    assert first.delivery is not None and first.delivery.sent >= len(keys)
    assert posted_keys(fake) == Counter({key: 1 for key in keys})
    assert fake.violations == []
    calls = len(fake.calls_to("chat.postMessage"))

    second = run_and_deliver(loaded, settings, fast_client(settings), AS_OF,
                             now=NOW + timedelta(minutes=5), job_settings=jobs)
    assert second.alerts.raised == 0
    assert len(fake.calls_to("chat.postMessage")) == calls
    assert fake.calls_to("chat.update") == []
    with loaded.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertRow)) == len(keys)


def test_without_a_token_messages_wait_and_the_next_run_sends_them(
        loaded: Database, fake: FakeSlack) -> None:
    offline = run_and_deliver(loaded, load_settings(), None, AS_OF, now=NOW,
                              job_settings=load_job_settings())
    assert offline.delivery is None and offline.waiting > 0
    assert "waiting for Slack" in " ".join(offline.lines())
    settings = settings_for(fake)
    online = run_and_deliver(loaded, settings, fast_client(settings), AS_OF, now=NOW,
                             job_settings=load_job_settings())
    assert online.waiting == 0
    assert posted_keys(fake) == Counter({key: 1 for key in alert_post_keys(loaded)})


def test_slack_down_for_a_whole_delivery_then_back_delivers_every_alert_once(
        loaded: Database, fake: FakeSlack) -> None:
    settings = settings_for(fake)
    port = int(fake.api_url.split(":")[2].split("/")[0])
    fake.fail(status=500, times=10_000)  # every call answers 500
    down = run_and_deliver(loaded, settings, fast_client(settings), AS_OF, now=NOW,
                           job_settings=load_job_settings())
    assert down.delivery is not None and down.delivery.sent == 0
    assert "500" in (down.delivery.stopped or "")
    assert fake.messages == []
    fake.stop()  # now connections are refused
    refused = deliver_pending(loaded, fast_client(settings), now=NOW + timedelta(minutes=1),
                              respect_backoff=False)
    assert refused.sent == 0 and "unreachable" in (refused.stopped or "")
    fake._failures.clear()  # Slack is healthy again, on the same address
    fake.start(port=port)
    later = NOW + timedelta(hours=2)
    back = deliver_pending(loaded, fast_client(settings), now=later)
    assert back.stopped is None
    keys = alert_post_keys(loaded)
    assert keys and posted_keys(fake) == Counter({key: 1 for key in keys})
    with loaded.session() as session:
        statuses = set(session.scalars(select(OutboxRow.status)))
    assert statuses == {SENT}
    again = run_and_deliver(loaded, settings, fast_client(settings), AS_OF, now=later,
                            job_settings=load_job_settings())
    assert again.alerts.raised == 0 and posted_keys(fake) == Counter({k: 1 for k in keys})


def test_a_message_left_sending_by_a_crash_is_reconciled_not_doubled(
        loaded: Database, fake: FakeSlack) -> None:
    settings = settings_for(fake)
    run_and_deliver(loaded, load_settings(), None, AS_OF, now=NOW,
                    job_settings=load_job_settings())  # no token: queued only
    with loaded.session() as session:
        first, second = session.scalars(select(OutboxRow).where(OutboxRow.method == "post")
                                        .order_by(OutboxRow.id).limit(2))
        for row in (first, second):
            row.status, row.claimed_at, row.attempts = SENDING, NOW, 1
        crashed_after_post, crashed_before_post = first.key, second.key
        channel, payload = first.channel, first.payload
    client = fast_client(settings)
    # the first one reached Slack before the worker died; the second did not
    client.chat_postMessage(channel=channel, metadata={
        "event_type": METADATA_EVENT, "event_payload": {"key": crashed_after_post}}, **payload)
    assert reconcile(loaded, client, now=NOW + timedelta(minutes=1)) == 0  # lease not over
    assert reconcile(loaded, client, now=NOW + timedelta(minutes=10)) == 2
    deliver_pending(loaded, client, now=NOW + timedelta(minutes=10))
    counts = posted_keys(fake)
    assert counts[crashed_after_post] == 1 and counts[crashed_before_post] == 1
    assert set(counts.values()) == {1}


def test_a_channel_shared_with_another_organisation_gets_nothing(
        loaded: Database, fake: FakeSlack, portfolio_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    shared = next(iter(channels_of(portfolio_dir).values()))
    fake.add_channel(shared, is_shared=True, is_ext_shared=True)
    settings = settings_for(fake)
    run_and_deliver(loaded, settings, fast_client(settings), AS_OF, now=NOW,
                    job_settings=load_job_settings())
    assert all(m["channel"] != shared for m in fake.messages)
    with loaded.session() as session:
        rerouted = session.scalars(select(OutboxRow).where(OutboxRow.channel == shared)).all()
    assert rerouted and all(r.status == SENT and r.slack_channel.startswith("D")
                            for r in rerouted)
    assert "shared with another organisation" in caplog.text
