"""Listeners grouped by kind, as in Slack's bolt-python-starter-template."""

from __future__ import annotations

from slack_bolt import App

from account_health.slack.listeners import actions, commands, events, views


def register(app: App) -> None:
    for group in (commands, actions, views, events):
        group.register(app)
