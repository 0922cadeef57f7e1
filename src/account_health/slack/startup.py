"""What the Slack app needs before it starts, checked first so that a missing token is
one clear line rather than a failure deep inside Bolt."""

from __future__ import annotations

from account_health.config import Settings, SettingsError


def require_http_settings(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            f"{' and '.join(missing)} not set: the Slack app needs "
            f"{'them' if len(missing) > 1 else 'it'} (see the README, 'Install in your workspace')"
        )


def require_socket_settings(settings: Settings) -> None:
    require_http_settings(settings)
    if not settings.slack_app_token:
        raise SettingsError(
            "SLACK_APP_TOKEN not set: Socket Mode needs an app-level token (xapp-…) with "
            "the connections:write scope"
        )
