"""`/account-health TEXT`: acknowledged at once; the answer follows at the response_url."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from account_health.slack.answers import command_answer
from account_health.slack.replies import failures_told, show


def account_health_command(
    ack: Ack, body: dict[str, Any], client: WebClient,
    context: BoltContext, logger: logging.Logger,
) -> None:  # fmt: skip
    ack()
    with failures_told(body, client, logger):
        show(body, client, *command_answer(context["portfolio"], body.get("text") or ""))
