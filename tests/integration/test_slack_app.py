"""The Slack app, served over HTTP on a free port, against the fake Slack.

Every request is signed as Slack signs it; every payload the app sends is checked
against Slack's Block Kit limits by the fake (no test may leave a violation).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from tests.fakes.fake_slack import (
    SIGNING_SECRET,
    TOKEN,
    AppResponse,
    FakeSlack,
    SlackSender,
    block_action,
    view_submission,
)

from account_health.config import load_settings
from account_health.generator.portfolio import generate_portfolio
from account_health.services.reports import account_report
from account_health.slack.app import create_app, make_http_server
from account_health.slack.blocks import ids
from account_health.slack.client import build_client
from account_health.storage import repository
from account_health.storage.db import Database, open_database
from account_health.storage.importer import import_directory

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 15, 0, tzinfo=UTC)
MEMBER = "U0MEMBER"
CSM = "U0CSM009"  # owns Acme Corp in the generated portfolio
GUEST = "U0GUEST"
EXTERNAL = "U0EXTERNAL"
DM = "D0DM"
SHARED = "C0SHARED"
INTERNAL = "C0INTERNAL"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("slack")
    generate_portfolio(folder / "data", accounts=6, seed=7, as_of=AS_OF)
    database = open_database(f"sqlite:///{folder / 'health.db'}")
    import_directory(database, folder / "data", progress=False)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    for user in (MEMBER, CSM):
        slack.add_user(user)
    slack.add_user(GUEST, is_restricted=True)
    slack.add_user(EXTERNAL, team_id="T0OTHER")
    slack.add_channel(DM, is_channel=False, is_im=True)
    slack.add_channel(INTERNAL)
    slack.add_channel(SHARED, is_shared=True, is_ext_shared=True, shared_team_ids=["T0OTHER"])
    yield slack
    slack.stop()


@pytest.fixture(scope="module")
def sender(db: Database, fake: FakeSlack) -> Iterator[SlackSender]:
    settings = load_settings(
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url, DATABASE_URL=str(db.url),
    )  # fmt: skip
    client = build_client(settings, interval=BackoffRetryIntervalCalculator(backoff_factor=0.01))
    app = create_app(settings, client=client, db=db, today=lambda: AS_OF, now=lambda: NOW)
    server = make_http_server(app, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events")
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_limit_violations(fake: FakeSlack) -> Iterator[None]:
    yield
    assert fake.violations == []


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def command(sender: SlackSender, fake: FakeSlack, text: str, *, user: str = MEMBER,
            channel: str = DM) -> tuple[AppResponse, list[dict[str, Any]]]:  # fmt: skip
    url = fake.new_response_url()
    response = sender.command(text, user_id=user, response_url=url, channel_id=channel)
    assert response.status == 200
    return response, [call.params for call in fake.wait_for_path(url)]


# --- the command --------------------------------------------------------------------------


def test_account_command_is_acked_fast_and_answers_with_the_reports_score(
    sender: SlackSender, fake: FakeSlack, db: Database
) -> None:
    response, answers = command(sender, fake, "acme")
    assert response.seconds < 3
    with db.session() as session:
        expected = account_report(session, "acme-corp", AS_OF)
    (answer,) = answers
    assert answer["response_type"] == "ephemeral"
    text = all_text(answer["blocks"])
    assert f"health {expected.health.overall:.0f}/100" in answer["text"]
    assert f"*{expected.health.overall:.0f}/100*" in text
    for part in ("Roles", "Top themes", "Signals", "Playbook", "Log pulse check", "EBR agenda",
                 "Why this score?"):  # fmt: skip
        assert part in text
    action_ids = [e["action_id"] for b in answer["blocks"] if b["type"] == "actions"
                  for e in b["elements"]]  # fmt: skip
    assert action_ids == [ids.OPEN_PULSE_CHECK, ids.SHOW_EBR_AGENDA, ids.EXPLAIN_SCORE]


@pytest.mark.parametrize(
    "text",
    ["", "help", "   ", "x" * 5000, "🔥🚀 acme 🎉", "<@U123> <!channel>",
     "<script>alert(1)</script>",
     "'; DROP TABLE accounts; --", "```acme```", "&amp; < > &", "zzzzqqqq"],
)  # fmt: skip
def test_any_text_gets_a_helpful_answer(sender: SlackSender, fake: FakeSlack, text: str) -> None:
    response, (answer,) = command(sender, fake, text)
    assert response.body in ("", "ok")
    assert answer["blocks"]
    shown = all_text(answer["blocks"])
    assert "<script" not in shown and "<@U123>" not in shown and "<!channel>" not in shown


def test_help_and_empty_text_list_what_it_can_do(sender: SlackSender, fake: FakeSlack) -> None:
    for text in ("", "help"):
        _, (answer,) = command(sender, fake, text)
        assert "/account-health top" in all_text(answer["blocks"])


def test_top_shows_the_dashboard(sender: SlackSender, fake: FakeSlack) -> None:
    _, (answer,) = command(sender, fake, "top")
    text = all_text(answer["blocks"])
    assert "Portfolio health" in text and "Acme Corp" in text


def test_no_match_gives_suggestions_with_buttons(sender: SlackSender, fake: FakeSlack) -> None:
    _, (answer,) = command(sender, fake, "qqqqzzzz")
    assert "No account matches" in answer["text"]
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons and all(ids.CHOOSE_ACCOUNT_PATTERN.match(b["action_id"]) for b in buttons)


# --- buttons ------------------------------------------------------------------------------


def click(sender: SlackSender, fake: FakeSlack, action_id: str, value: str, *,
          user: str = MEMBER, channel: str | None = DM) -> list[dict[str, Any]]:  # fmt: skip
    url = fake.new_response_url()
    payload = block_action(action_id, value, user_id=user, response_url=url, channel_id=channel)
    response = sender.interaction(payload)
    assert response.status == 200 and response.seconds < 3
    return [call.params for call in fake.wait_for_path(url)]


def test_choose_account_button_shows_the_report(sender: SlackSender, fake: FakeSlack) -> None:
    (answer,) = click(sender, fake, ids.choose_action(0), "acme-corp")
    assert "Acme Corp" in answer["text"]


def test_why_this_score_shows_inputs_points_and_evidence(
    sender: SlackSender, fake: FakeSlack
) -> None:
    (answer,) = click(sender, fake, ids.EXPLAIN_SCORE, "acme-corp")
    text = all_text(answer["blocks"])
    for component in ("Feedback", "Engagement", "Relationship", "Outcome"):
        assert f"*{component}: " in text
    assert "pts" in text


def test_ebr_agenda_button(sender: SlackSender, fake: FakeSlack) -> None:
    (answer,) = click(sender, fake, ids.SHOW_EBR_AGENDA, "acme-corp")
    assert "EBR agenda" in answer["text"]
    assert ids.OPEN_EBR_FEEDBACK in all_text(answer["blocks"])


def test_a_button_for_an_unknown_account_says_so(sender: SlackSender, fake: FakeSlack) -> None:
    (answer,) = click(sender, fake, ids.EXPLAIN_SCORE, "no-such-account")
    assert "couldn't find that account" in answer["text"]


# --- modals -------------------------------------------------------------------------------


def open_modal(sender: SlackSender, fake: FakeSlack, action_id: str, value: str,
               user: str = MEMBER) -> dict[str, Any]:  # fmt: skip
    before = len(fake.calls_to("views.open"))
    payload = block_action(action_id, value, user_id=user, response_url=None, channel_id=DM)
    assert sender.interaction(payload).status == 200
    opened = fake.wait_for("views.open", before + 1)
    assert len(opened) == before + 1
    return opened[-1].params["view"]


def pulse_answers(person_id: str, concerns: str = "") -> dict[str, str]:
    return {"respondent": person_id, "renewal_likelihood": "2", "overall_satisfaction": "3",
            "expansion_interest": "no", "concerns": concerns}  # fmt: skip


def saved_feedback(db: Database, account_id: str, feedback_id: str) -> list[Any]:
    with db.session() as session:
        data = repository.load_account_data(session, account_id, AS_OF)
    assert data is not None
    return [f for f in data.feedback if f.id == feedback_id]


def test_pulse_check_from_a_dm_button_is_saved_once_and_shows_in_the_next_report(
    sender: SlackSender, fake: FakeSlack, db: Database
) -> None:
    with db.session() as session:
        people = repository.load_account_data(session, "beta-inc", AS_OF).people  # type: ignore[union-attr]
        before = account_report(session, "beta-inc", AS_OF)
    champion = next(p for p in people if p.role == "champion" and p.left_at is None)
    value = ids.encode_target("beta-inc", champion.id)
    view = open_modal(sender, fake, ids.OPEN_PULSE_CHECK, value)
    assert view["callback_id"] == ids.PULSE_CHECK_VIEW
    respondent = next(b for b in view["blocks"] if b.get("block_id") == "respondent")
    assert respondent["element"]["initial_option"]["value"] == champion.id

    concern = "We are evaluating alternatives because exports keep failing"
    payload = view_submission(view, pulse_answers(champion.id, concern), view_id="V0PULSE1",
                              user_id=CSM)  # fmt: skip
    dms_before = len(fake.calls_to("chat.postMessage"))
    first, second = sender.interaction(payload), sender.interaction(payload)  # double submit
    assert first.status == second.status == 200 and first.body in ("", "ok")
    fake.wait_for("chat.postMessage", dms_before + 1)

    (saved,) = saved_feedback(db, "beta-inc", "slack-pulse_check-V0PULSE1")
    assert saved.kind == "pulse_check" and saved.person_id == champion.id
    assert saved.renewal_likelihood == 2 and saved.concerns == (concern,)
    assert saved.analysis  # analysed like any other response
    confirmations = fake.calls_to("chat.postMessage")[dms_before:]
    assert len(confirmations) == 1 and confirmations[0].params["channel"] == CSM
    with db.session() as session:
        after = account_report(session, "beta-inc", AS_OF)
    # The concern is text like any other: it raises the seed's critical churn signal,
    # with the champion's own words as its evidence.
    evaluating = "churn_risk:evaluating_alternatives"
    assert evaluating not in {s.key for s in before.signals}
    (signal,) = [s for s in after.signals if s.key == evaluating]
    assert signal.severity == "critical"
    assert any(concern in e.what for e in signal.evidence)


def test_modal_validation_errors_are_inline_and_save_nothing(
    sender: SlackSender, fake: FakeSlack, db: Database
) -> None:
    view = open_modal(sender, fake, ids.OPEN_PULSE_CHECK, "acme-corp")
    answers = pulse_answers("not-a-contact") | {"renewal_likelihood": "9"}
    del answers["expansion_interest"]
    payload = view_submission(view, answers, view_id="V0BAD", user_id=MEMBER)
    response = sender.interaction(payload)
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"respondent", "renewal_likelihood", "expansion_interest"}
    assert saved_feedback(db, "acme-corp", "slack-pulse_check-V0BAD") == []


def test_ebr_feedback_modal_saves_the_seeds_fields(
    sender: SlackSender, fake: FakeSlack, db: Database
) -> None:
    view = open_modal(sender, fake, ids.OPEN_EBR_FEEDBACK, "acme-corp")
    assert view["callback_id"] == ids.EBR_FEEDBACK_VIEW
    person = view["blocks"][1]["element"]["options"][0]["value"]
    answers = {"respondent": person, "overall_satisfaction": "4", "value_realization": "5",
               "renewal_likelihood": "4", "expansion_interest": "yes",
               "concerns": "Onboarding new team members takes too long\n\nNeed SSO"}  # fmt: skip
    payload = view_submission(view, answers, view_id="V0EBR", user_id=MEMBER)
    dms_before = len(fake.calls_to("chat.postMessage"))
    assert sender.interaction(payload).body in ("", "ok")
    assert "EBR feedback" in fake.wait_for("chat.postMessage", dms_before + 1)[-1].params["text"]
    (saved,) = saved_feedback(db, "acme-corp", "slack-ebr_feedback-V0EBR")
    assert (saved.overall_satisfaction, saved.value_realization, saved.renewal_likelihood) == (
        4, 5, 4)  # fmt: skip
    assert saved.expansion_interest == "yes"
    assert saved.concerns == ("Onboarding new team members takes too long", "Need SSO")


# --- App Home -------------------------------------------------------------------------------


def test_app_home_shows_the_viewers_accounts(sender: SlackSender, fake: FakeSlack) -> None:
    before = len(fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": CSM, "channel": "D0HOME", "tab": "home"}
    response = sender.event(event)
    assert response.status == 200
    published = fake.wait_for("views.publish", before + 1)[-1].params
    assert published["user_id"] == CSM
    text = all_text(published["view"]["blocks"])
    assert "Your accounts" in text and "Acme Corp" in text
    assert "At risk" in text and "Renewals in the next 90 days" in text


def test_app_home_for_someone_without_accounts_shows_the_top_ones(
    sender: SlackSender, fake: FakeSlack
) -> None:
    before = len(fake.calls_to("views.publish"))
    sender.event({"type": "app_home_opened", "user": MEMBER, "channel": "D0X", "tab": "home"})
    view = fake.wait_for("views.publish", before + 1)[-1].params["view"]
    assert "Top accounts by ARR" in all_text(view["blocks"])


# --- security ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signing",
    [{"signature": "v0=" + "0" * 64}, {"signed": False}, {"timestamp": 1_000_000_000},
     {"timestamp": int(datetime.now(UTC).timestamp()) - 301}],
    ids=["forged", "unsigned", "ancient", "stale"],
)  # fmt: skip
def test_requests_not_signed_by_slack_get_401(
    sender: SlackSender, fake: FakeSlack, signing: dict[str, Any]
) -> None:
    url = fake.new_response_url()
    assert sender.command("acme", user_id=MEMBER, response_url=url, **signing).status == 401
    payload = block_action(ids.EXPLAIN_SCORE, "acme-corp", user_id=MEMBER, response_url=url)
    assert sender.interaction(payload, **signing).status == 401
    event = {"type": "app_home_opened", "user": MEMBER, "tab": "home"}
    assert sender.event(event, **signing).status == 401
    assert fake.wait_for_path(url, timeout=0.2) == []


def test_a_request_signed_with_another_secret_gets_401(
    fake: FakeSlack, sender: SlackSender
) -> None:
    other = SlackSender(sender.app_url, secret="not-the-secret")
    assert other.command("acme", user_id=MEMBER, response_url=fake.new_response_url()).status == 401


@pytest.mark.parametrize("user", [GUEST, EXTERNAL])
def test_guests_and_external_users_are_refused_without_data(
    sender: SlackSender, fake: FakeSlack, user: str
) -> None:
    url = fake.new_response_url()
    response = sender.command("acme", user_id=user, response_url=url)
    assert response.status == 200
    assert "only available to full members" in response.json()["text"]
    assert fake.wait_for_path(url, timeout=0.3) == []  # no report was sent

    (answer,) = click(sender, fake, ids.EXPLAIN_SCORE, "acme-corp", user=user)
    assert "only available to full members" in answer["text"] and "blocks" not in answer

    before = len(fake.calls_to("views.publish"))
    sender.event({"type": "app_home_opened", "user": user, "tab": "home"})
    view = fake.wait_for("views.publish", before + 1)[-1].params["view"]
    assert "only available to full members" in all_text(view["blocks"])
    assert "Acme" not in all_text(view["blocks"])


def test_a_guest_cannot_submit_a_modal(sender: SlackSender, fake: FakeSlack, db: Database) -> None:
    view = open_modal(sender, fake, ids.OPEN_PULSE_CHECK, "acme-corp")
    person = view["blocks"][1]["element"]["options"][0]["value"]
    payload = view_submission(view, pulse_answers(person), view_id="V0GUEST", user_id=GUEST)
    body = sender.interaction(payload).json()
    assert body["response_action"] == "update"
    assert saved_feedback(db, "acme-corp", "slack-pulse_check-V0GUEST") == []


def test_a_payload_from_another_team_is_refused(sender: SlackSender, fake: FakeSlack) -> None:
    url = fake.new_response_url()
    response = sender.command("acme", user_id=MEMBER, response_url=url, team_id="T0OTHER")
    assert "only available to full members" in response.json()["text"]


def test_no_account_data_in_a_channel_shared_with_another_organisation(
    sender: SlackSender, fake: FakeSlack
) -> None:
    url = fake.new_response_url()
    response = sender.command("acme", user_id=MEMBER, response_url=url, channel_id=SHARED)
    assert "shared with another organisation" in response.json()["text"]
    assert fake.wait_for_path(url, timeout=0.3) == []
    (answer,) = click(sender, fake, ids.EXPLAIN_SCORE, "acme-corp", channel=SHARED)
    assert "shared with another organisation" in answer["text"]
    _, (answer,) = command(sender, fake, "acme", channel=INTERNAL)  # an internal channel is fine
    assert "Acme Corp" in answer["text"]


def test_a_channel_the_bot_cannot_see_is_treated_as_unsafe(
    sender: SlackSender, fake: FakeSlack
) -> None:
    response = sender.command("acme", user_id=MEMBER, response_url=fake.new_response_url(),
                              channel_id="G0PRIVATE")  # fmt: skip
    assert "can't see this channel" in response.json()["text"]


# --- Slack failing ---------------------------------------------------------------------------


def test_users_info_failing_refuses_politely_and_never_crashes(
    sender: SlackSender, fake: FakeSlack
) -> None:
    fake.add_user("U0NEW")
    fake.fail("users.info", status=500, times=3)  # the first try and both retries
    response = sender.command("acme", user_id="U0NEW", response_url=fake.new_response_url())
    assert response.status == 200 and "couldn't check your Slack account" in response.json()["text"]
    _, (answer,) = command(sender, fake, "acme", user="U0NEW")  # Slack is back
    assert "Acme Corp" in answer["text"]


def test_rate_limits_and_server_errors_are_retried(sender: SlackSender, fake: FakeSlack) -> None:
    fake.add_user("U0RETRY")
    fake.fail("users.info", status=429, retry_after=0, times=1)
    fake.fail("conversations.info", status=500, times=1)
    fake.add_channel("C0RETRY")
    _, (answer,) = command(sender, fake, "acme", user="U0RETRY", channel="C0RETRY")
    assert "Acme Corp" in answer["text"]


def test_a_failing_response_url_or_api_never_crashes_a_listener(
    sender: SlackSender, fake: FakeSlack, db: Database
) -> None:
    fake.fail("response_url", status=500, times=1)
    url = fake.new_response_url()
    assert sender.command("acme", user_id=MEMBER, response_url=url).status == 200
    # the answer failed; a one-line apology followed
    assert "try again" in fake.wait_for_path(url, 2)[-1].params["text"]

    fake.fail("views.open", error="expired_trigger_id", times=1)
    before = len(fake.calls_to("chat.postMessage"))
    payload = block_action(ids.OPEN_PULSE_CHECK, "acme-corp", user_id=MEMBER, response_url=None)
    assert sender.interaction(payload).status == 200
    told = fake.wait_for("chat.postMessage", before + 1)[-1].params
    assert told["channel"] == MEMBER and "went wrong" in told["text"]

    fake.fail("views.publish", error="invalid_auth", times=1)
    before = len(fake.calls_to("views.publish"))
    assert sender.event({"type": "app_home_opened", "user": MEMBER, "tab": "home"}).status == 200
    fake.wait_for("views.publish", before + 1)
    _, (answer,) = command(sender, fake, "acme")  # and the app still answers
    assert "Acme Corp" in answer["text"]
