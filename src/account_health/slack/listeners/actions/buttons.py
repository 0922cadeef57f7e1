"""Buttons on the bot's messages. Each acks first, then answers at the response_url
(ephemeral) or opens a modal with the trigger id."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from account_health.slack.answers import account_answer, agenda_answer, why_answer
from account_health.slack.blocks.ids import Target, decode_target
from account_health.slack.modals import feedback_modal
from account_health.slack.replies import failures_told, show


def _target(body: dict[str, Any]) -> Target:
    return decode_target(body["actions"][0].get("value") or "")


Answer = Callable[[Any, str], tuple[Any, ...]]  # (portfolio, account id) -> show()'s arguments


def _answering(answer: Answer) -> Callable[..., None]:
    """A button listener that acks, then shows `answer` for the button's account."""

    def listener(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        with failures_told(body, client, logger):
            show(body, client, *answer(context["portfolio"], _target(body).account_id))

    return listener


choose_account = _answering(account_answer)
explain_score = _answering(why_answer)
show_ebr_agenda = _answering(agenda_answer)


def open_pulse_check(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    ack()
    with failures_told(body, client, logger):
        _open(body, client, context, "pulse_check", logger)


def open_ebr_feedback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    ack()
    with failures_told(body, client, logger):
        _open(body, client, context, "ebr_feedback", logger)


def _open(
    body: dict[str, Any], client: WebClient, context: BoltContext, kind: str,
    logger: logging.Logger,
) -> None:  # fmt: skip
    channel = (body.get("channel") or {}).get("id")
    view, problem = feedback_modal(
        context["portfolio"], kind, _target(body), body["user"]["id"], channel
    )
    if view is None:
        show(body, client, problem, [])
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)
