"""The alert buttons: Acknowledge, Snooze 7 days, Assign to me.

Each acks at once, changes the alert's state and queues the update of its message in one
transaction, then sends that update through the outbox (so a failure to reach Slack now
is retried later, never lost) and tells the clicker in one line.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from account_health.jobs.alerts import apply_alert_action
from account_health.jobs.delivery import deliver_message
from account_health.jobs.settings import load_job_settings
from account_health.slack.blocks.alerts import ACKNOWLEDGE, ASSIGN_TO_ME, SNOOZE
from account_health.slack.replies import failures_told, show

ACTIONS = {ACKNOWLEDGE: "acknowledge", SNOOZE: "snooze", ASSIGN_TO_ME: "assign"}


def alert_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    ack()
    with failures_told(body, client, logger):
        clicked = body["actions"][0]
        value = clicked.get("value") or ""
        if not value.isdigit():
            show(body, client, "That button is out of date.")
            return
        portfolio = context["portfolio"]
        now = portfolio.now()
        with portfolio.db.session() as session:
            result = apply_alert_action(session, int(value), ACTIONS[clicked["action_id"]],
                                        body["user"]["id"], load_job_settings(), now)
        if result.outbox_id is not None:
            deliver_message(portfolio.db, client, result.outbox_id, now=now)
        show(body, client, result.message)


def register(app: App) -> None:
    for action_id in ACTIONS:
        app.action(action_id)(alert_button)
