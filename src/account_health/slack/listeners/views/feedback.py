"""Pulse-check and EBR-feedback submissions: validated before the ack (so Slack can show
inline errors), saved after it. The response id comes from the view id, so a double
submit or a retried request saves one response."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from account_health.slack.modals import confirmation, read_submission
from account_health.slack.replies import failures_told, tell
from account_health.storage.validation import InvalidRecord


def submit_feedback(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
    context: BoltContext, logger: logging.Logger,
) -> None:  # fmt: skip
    submission = read_submission(context["portfolio"], view, body["user"]["id"])
    if isinstance(submission, dict):
        ack(response_action="errors", errors=submission)
        return
    ack()
    with failures_told(body, client, logger):
        try:
            created = context["portfolio"].save_feedback(submission.record)
        except InvalidRecord as error:
            tell(body, client, f"I couldn't save that {submission.kind}: {error}", logger)
            return
        if created:
            tell(body, client, confirmation(submission), logger)
        else:
            logger.info("feedback %s was already saved", submission.record["id"])
