from __future__ import annotations

from slack_bolt import App

from account_health.slack.blocks import ids
from account_health.slack.listeners.actions import alerts, buttons


def register(app: App) -> None:
    app.action(ids.CHOOSE_ACCOUNT_PATTERN)(buttons.choose_account)
    app.action(ids.EXPLAIN_SCORE)(buttons.explain_score)
    app.action(ids.SHOW_EBR_AGENDA)(buttons.show_ebr_agenda)
    app.action(ids.OPEN_PULSE_CHECK)(buttons.open_pulse_check)
    app.action(ids.OPEN_EBR_FEEDBACK)(buttons.open_ebr_feedback)
    alerts.register(app)
