"""The App Home tab: the viewer's portfolio at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from account_health.formatting import day, money
from account_health.slack.blocks.format import TIER_EMOJI, score
from account_health.slack.blocks.kit import context, divider, escape, header, line_sections, section
from account_health.slack.blocks.limits import fit_view, limit_items

MAX_LINES = 40  # per list; the rest is pointed to


@dataclass(frozen=True)
class AccountLine:
    id: str
    name: str
    arr: float
    renewal_date: date | None
    overall: float | None = None
    tier: str | None = None
    first_action: str | None = None


@dataclass(frozen=True)
class HomeData:
    as_of: date
    own: bool  # True: the viewer's own accounts; False: the top accounts instead
    accounts: Sequence[AccountLine]
    at_risk: Sequence[AccountLine]
    renewals: Sequence[AccountLine]  # within the next 90 days, soonest first
    total: int  # how many accounts the first list stands for


def _health(line: AccountLine) -> str:
    if line.overall is None or line.tier is None:
        return "not scored yet"
    return f"{TIER_EMOJI.get(line.tier, '')} {score(line.overall)}/100"


def _list(title: str, lines: list[str], left_out: int, empty: str) -> list[Block]:
    if left_out:
        lines = [*lines, f"_…and {left_out} more: run `/account-health top`_"]
    return [section(f"*{title}*"), *line_sections(lines or [empty])]


def home_view(data: HomeData) -> View:
    accounts, more_accounts = limit_items(data.accounts, MAX_LINES)
    more_accounts += data.total - len(data.accounts)
    at_risk, more_risk = limit_items(data.at_risk, MAX_LINES)
    renewals, more_renewals = limit_items(data.renewals, MAX_LINES)
    title = "Your accounts" if data.own else "Top accounts by ARR (none are assigned to you)"
    blocks: list[Block] = [
        header("Account health"),
        context(f"as of {day(data.as_of)} · type `/account-health ACCOUNT` for a full report"),
        *_list(
            f"{title} ({data.total})",
            [f"{_health(a)} · *{escape(a.name)}* · {money(a.arr)} ARR" for a in accounts],
            more_accounts,
            "No accounts yet.",
        ),
        divider(),
        *_list(
            "At risk",
            [
                f"{_health(a)} · *{escape(a.name)}* — {escape(a.first_action or 'review it')}"
                for a in at_risk
            ],
            more_risk,
            "Nothing at risk. 🎉",
        ),
        divider(),
        *_list(
            "Renewals in the next 90 days",
            [
                f"{day(a.renewal_date)} · *{escape(a.name)}* · {money(a.arr)} · {_health(a)}"
                for a in renewals
            ],
            more_renewals,
            "No renewals in the next 90 days.",
        ),
    ]
    return View(type="home", blocks=fit_view(blocks, "run `/account-health top`"))


def notice_home(text: str) -> View:
    return View(type="home", blocks=[header("Account health"), section(text)])
