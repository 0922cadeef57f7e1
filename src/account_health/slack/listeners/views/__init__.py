from __future__ import annotations

from slack_bolt import App

from account_health.slack.blocks import ids
from account_health.slack.listeners.views.feedback import submit_feedback


def register(app: App) -> None:
    app.view(ids.PULSE_CHECK_VIEW)(submit_feedback)
    app.view(ids.EBR_FEEDBACK_VIEW)(submit_feedback)
