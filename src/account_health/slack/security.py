"""Who may see account data, and where it may be shown.

Only the workspace's own full members see data: not guests (`is_restricted`,
`is_ultra_restricted`), not people from another organisation (Slack Connect: their
`team_id` differs), not bots, not deactivated accounts. And nothing is posted into a
channel shared with another organisation. When Slack can't tell us, we refuse: data
never leaks because an API call failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300.0

NOT_A_MEMBER = (
    "Sorry, account health is only available to full members of this workspace, "
    "so I can't show you account data."
)
CANNOT_CHECK_USER = (
    "Sorry, I couldn't check your Slack account just now, so I can't show account data. "
    "Please try again in a minute."
)
SHARED_CHANNEL = (
    "This channel is shared with another organisation, so I won't show account data here. "
    "Ask me in a direct message (the app's *Messages* tab) instead."
)
SLACK_UNAVAILABLE = (
    "Sorry, I couldn't reach Slack just now to check this channel, so I won't show account data "
    "here. Please try again in a minute."
)
CANNOT_CHECK_CHANNEL = (
    "I can't see this channel, so I can't tell whether it is shared with another organisation. "
    "Ask me in a direct message (the app's *Messages* tab), or invite me to this channel."
)


class _TtlCache:
    """A small thread-safe cache whose entries expire, so changes in Slack show up soon."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or self._clock() - entry[0] > self._seconds:
                return None
            return entry[1]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), value)


def _member_refusal(user: dict[str, Any], workspace_team: str | None) -> str | None:
    foreign = workspace_team is not None and user.get("team_id") not in (None, workspace_team)
    guest = user.get("is_restricted") or user.get("is_ultra_restricted")
    if foreign or guest or user.get("is_bot") or user.get("deleted") or user.get("is_stranger"):
        return NOT_A_MEMBER
    return None


def _channel_refusal(channel: dict[str, Any], workspace_team: str | None) -> str | None:
    if channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"):
        return SHARED_CHANNEL
    other_teams = set(channel.get("shared_team_ids") or []) - {workspace_team}
    if channel.get("is_shared") and workspace_team is not None and other_teams:
        return SHARED_CHANNEL
    return None


class AccessCheck:
    """Answers 'may this user see data here?' from users.info and conversations.info,
    each cached for a few minutes."""

    def __init__(self, cache_seconds: float = CACHE_SECONDS) -> None:
        self._users = _TtlCache(cache_seconds)
        self._channels = _TtlCache(cache_seconds)

    def user_refusal(
        self, client: WebClient, user_id: str, workspace_team: str | None
    ) -> str | None:
        user = self._users.get(user_id)
        if user is None:
            try:
                user = client.users_info(user=user_id)["user"]
            except (SlackApiError, SlackClientError, KeyError, OSError) as error:
                logger.warning("users.info for %s failed: %s", user_id, error)
                return CANNOT_CHECK_USER
            self._users.put(user_id, user)
        return _member_refusal(user, workspace_team)

    def channel_refusal(
        self, client: WebClient, channel_id: str, workspace_team: str | None
    ) -> str | None:
        channel = self._channels.get(channel_id)
        if channel is None:
            try:
                channel = client.conversations_info(channel=channel_id)["channel"]
            except SlackApiError as error:
                logger.warning("conversations.info for %s failed: %s", channel_id, error)
                not_found = error.response.get("error") == "channel_not_found"
                return CANNOT_CHECK_CHANNEL if not_found else SLACK_UNAVAILABLE
            except (SlackClientError, KeyError, OSError) as error:
                logger.warning("conversations.info for %s failed: %s", channel_id, error)
                return SLACK_UNAVAILABLE
            self._channels.put(channel_id, channel)
        return _channel_refusal(channel, workspace_team)
