"""The App Home tab, published for whoever opens it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from account_health.slack.blocks.home import home_view, notice_home
from account_health.slack.replies import SOMETHING_WENT_WRONG


def app_home_opened(
    event: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    if event.get("tab", "home") != "home":
        return
    user_id = event["user"]
    try:
        view = home_view(context["portfolio"].home(user_id))
    except Exception:
        logger.exception("App Home for %s failed", user_id)
        view = notice_home(SOMETHING_WENT_WRONG)
    try:
        client.views_publish(user_id=user_id, view=view)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("views.publish for %s failed: %s", user_id, error)
