from __future__ import annotations

from slack_bolt import App

from account_health.slack.listeners.commands.account_health import account_health_command


def register(app: App) -> None:
    app.command("/account-health")(account_health_command)
