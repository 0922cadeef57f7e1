"""The pulse-check DMs: to a champion (or sponsor) themself, or to their CSM when the
person has no Slack account ("time to pulse-check Jane at Acme"). Both carry a button
that opens the existing pulse-check modal for that account and person."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from account_health.slack.blocks import ids
from account_health.slack.blocks.kit import actions, button, context, escape, section
from account_health.slack.blocks.limits import MAX_FALLBACK_TEXT, clip


def pulse_request(account_name: str, account_id: str, person_id: str, person_name: str | None,
                  *, reminder: bool = False) -> tuple[str, list[Block]]:
    """The DM to the person: a minute of their time, one button."""
    hello = f"Hi {escape(person_name)}! " if person_name else "Hi! "
    lead = "A gentle reminder: " if reminder else ""
    text = (f"{hello}{lead}how are things going with us at *{escape(account_name)}*? "
            "Four quick questions: how likely you are to renew, how satisfied you are, "
            "whether you'd use more, and any concerns.")
    blocks: list[Block] = [
        section(text),
        actions(button("Answer the pulse check", ids.OPEN_PULSE_CHECK,
                       ids.encode_target(account_id, person_id), style="primary")),
        context("It takes about a minute. Your answers go to your account team."),
    ]
    return clip(_plain(text), MAX_FALLBACK_TEXT), blocks


def pulse_on_behalf(account_name: str, account_id: str, person_id: str, person_label: str,
                    *, reminder: bool = False) -> tuple[str, list[Block]]:
    """The DM to the CSM: the person has no Slack account, so ask them and log it here."""
    lead = "Reminder: still " if reminder else ""
    text = (f"{lead}time to pulse-check *{escape(person_label)}* at *{escape(account_name)}*. "
            "They are not on Slack: ask them (call or email), then log their answers here.")
    blocks: list[Block] = [
        section(text),
        actions(button("Log pulse check", ids.OPEN_PULSE_CHECK,
                       ids.encode_target(account_id, person_id), style="primary")),
    ]
    return clip(_plain(text), MAX_FALLBACK_TEXT), blocks


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "")
