"""Short messages: help, account choices and suggestions, the dashboard, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from slack_sdk.models.blocks import Block

from account_health.formatting import day, money
from account_health.slack.blocks import ids
from account_health.slack.blocks.format import TIER_EMOJI, score
from account_health.slack.blocks.kit import actions, button, context, escape, header, section
from account_health.slack.blocks.limits import MAX_ACTION_ELEMENTS, clip, fit_message

COMMAND = "/account-health"
QUOTED_QUERY = 80  # how much of what the user typed we echo back


class AccountLike(Protocol):
    id: str
    name: str
    arr: float


class DashboardRowLike(Protocol):
    """What the dashboard shows of an account (services' DashboardRow has these)."""

    id: str
    name: str
    arr: float
    health: float
    tier: str
    renewal_date: date | None


def quoted(text: str) -> str:
    """What the user typed, shortened and escaped, to echo back safely."""
    return f"“{escape(clip(' '.join(text.split()), QUOTED_QUERY))}”"


def help_blocks() -> list[Block]:
    return [
        section(
            "*account-health* shows how healthy your customer accounts are.\n"
            f"• `{COMMAND} ACCOUNT` — an account's health, roles, themes, signals and playbook "
            "(a name or part of it: `acme` finds Acme Corp)\n"
            f"• `{COMMAND} top` — the dashboard: the biggest accounts by ARR\n"
            f"• `{COMMAND} help` — this message\n"
            "The *Home* tab shows your own accounts, the ones at risk and upcoming renewals."
        )
    ]


def _account_buttons(accounts: Sequence[AccountLike]) -> Block:
    return actions(
        *(
            button(a.name, ids.choose_action(i), ids.encode_target(a.id))
            for i, a in enumerate(accounts[:MAX_ACTION_ELEMENTS])
        )
    )


def choices_blocks(query: str, accounts: Sequence[AccountLike]) -> list[Block]:
    """Several close matches: buttons to choose one."""
    return [
        section(f"Several accounts match {quoted(query)}. Which one did you mean?"),
        _account_buttons(accounts),
    ]


def suggestions_blocks(query: str, accounts: Sequence[AccountLike]) -> list[Block]:
    """No match: the nearest names, or how to get data in when there are none."""
    if not accounts:
        return [
            section(f"No account matches {quoted(query)}, and there are no accounts yet."),
            context("Load your data with `account-health import DIR`, then try again."),
        ]
    return [
        section(f"No account matches {quoted(query)}. Did you mean one of these?"),
        _account_buttons(accounts),
        context(f"Or try `{COMMAND} help`."),
    ]


def dashboard_blocks(rows: Sequence[DashboardRowLike], as_of: date) -> list[Block]:
    if not rows:
        return [section("No accounts yet: load your data with `account-health import DIR`.")]
    blocks: list[Block] = [
        header(f"Portfolio health — top {len(rows)} by ARR"),
        context(f"as of {day(as_of)} · 🟢 healthy 🟡 watch 🔴 at risk"),
    ]
    for row in rows:
        text = (
            f"{TIER_EMOJI.get(row.tier, '')} *{escape(row.name)}* · {score(row.health)}/100"
            f" · {money(row.arr)} ARR · renews {day(row.renewal_date)}"
        )
        blocks.append(
            section(text, accessory=button("Open", ids.CHOOSE_ACCOUNT, ids.encode_target(row.id)))
        )
    return fit_message(blocks, "run `account-health dashboard` for the full list")


def notice_blocks(text: str) -> list[Block]:
    """One line for the user: a refusal, a problem or a confirmation (already mrkdwn)."""
    return [section(text)]
