"""Telling the user something in one line, wherever they are, without ever crashing."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."
SLACK_WENT_WRONG = "Sorry, something went wrong talking to Slack. Please try again in a minute."


def show(body: dict[str, Any], client: WebClient, text: str, blocks: Sequence[Block] = ()) -> None:
    """An answer for the user who made the request: through its response_url (ephemeral)
    when it has one, else as a direct message from the app (App Home, modals)."""
    response_url = body.get("response_url") or _first_response_url(body)
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if response_url:
        response = WebhookClient(response_url).send(
            text=text, blocks=list(blocks) or None, response_type="ephemeral",
            replace_original=False,
        )  # fmt: skip
        if response.status_code != 200:
            raise SlackClientError(f"response_url answered {response.status_code}")
    elif user_id:
        client.chat_postMessage(channel=user_id, text=text, blocks=list(blocks) or None)


def _first_response_url(body: dict[str, Any]) -> str | None:
    urls = body.get("response_urls") or []
    return urls[0].get("response_url") if urls else None


def tell(body: dict[str, Any], client: WebClient, text: str, logger: logging.Logger) -> None:
    """One line to the user, wherever they are; failures are logged, never raised."""
    try:
        show(body, client, text)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("could not tell the user %r: %s", text, error)


@contextmanager
def failures_told(
    body: dict[str, Any], client: WebClient, logger: logging.Logger
) -> Iterator[None]:
    """Runs a listener's work; any failure is logged and told to the user in one line."""
    try:
        yield
    except (SlackApiError, SlackClientError) as error:
        logger.warning("Slack API call failed: %s", error)
        tell(body, client, SLACK_WENT_WRONG, logger)
    except Exception:
        logger.exception("listener failed")
        tell(body, client, SOMETHING_WENT_WRONG, logger)
