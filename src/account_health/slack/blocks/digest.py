"""The weekly digest: top accounts by ARR, the week's movers, accounts at risk with their
first action, renewals ahead, and the portfolio's coverage. Pure: data in, blocks out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from slack_sdk.models.blocks import Block

from account_health.formatting import day, money, percent
from account_health.slack.blocks.format import TIER_EMOJI, label, score
from account_health.slack.blocks.kit import context, divider, escape, header, line_sections
from account_health.slack.blocks.limits import fit_message
from account_health.slack.blocks.messages import DashboardRowLike


@dataclass(frozen=True)
class Mover:
    name: str
    before: float
    now: float
    tier: str

    @property
    def change(self) -> float:
        return self.now - self.before


@dataclass(frozen=True)
class AtRisk:
    name: str
    arr: float
    health: float
    action: str | None


@dataclass(frozen=True)
class Renewal:
    name: str
    arr: float
    renewal_date: date
    tier: str | None
    health: float | None


@dataclass(frozen=True)
class Coverage:
    coverage_rate: float | None
    coverage_target: float
    decision_maker_coverage: float | None
    decision_maker_target: float
    response_trend: str


@dataclass(frozen=True)
class Digest:
    as_of: date
    top: Sequence[DashboardRowLike]
    movers: Sequence[Mover] = ()
    at_risk: Sequence[AtRisk] = ()
    renewals: Sequence[Renewal] = ()
    coverage: Coverage | None = None
    notes: Sequence[str] = field(default_factory=tuple)


def digest_text(digest: Digest) -> str:
    return (f"Weekly account health digest, {day(digest.as_of)}: {len(digest.at_risk)} at risk, "
            f"{len(digest.renewals)} renewals in the next 90 days")


def digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [
        header(f"Weekly account health — {day(digest.as_of)}"),
        context("🟢 healthy 🟡 watch 🔴 at risk · the chart follows in this channel"),
    ]
    blocks += _part("Top 10 by ARR", [
        f"{TIER_EMOJI.get(r.tier, '')} *{escape(r.name)}* {score(r.health)}/100 · "
        f"{money(r.arr)} · renews {day(r.renewal_date)}" for r in digest.top
    ], "no accounts yet")
    blocks += _part("The week's movers", [
        f"{'▲' if m.change > 0 else '▼'} *{escape(m.name)}* {score(m.before)} → "
        f"{score(m.now)} ({m.change:+.0f}) {TIER_EMOJI.get(m.tier, '')}" for m in digest.movers
    ], "no health changes since last week")
    blocks += _part("At risk", [
        f"🔴 *{escape(a.name)}* {score(a.health)}/100 · {money(a.arr)} — first: "
        f"{escape(label(a.action)) if a.action else 'review the account'}" for a in digest.at_risk
    ], "no account is red")
    blocks += _part("Renewals in the next 90 days", [
        f"{day(r.renewal_date)} · *{escape(r.name)}* {money(r.arr)} "
        f"{TIER_EMOJI.get(r.tier or '', '')} {score(r.health)}" for r in digest.renewals
    ], "none")
    if digest.coverage is not None:
        c = digest.coverage
        blocks += _part("Coverage", [
            f"Respondents / active users: *{percent(c.coverage_rate)}* "
            f"(target > {percent(c.coverage_target)})",
            f"Decision-makers heard: *{percent(c.decision_maker_coverage)}* "
            f"(target > {percent(c.decision_maker_target)})",
            f"Response rate trend: {c.response_trend}",
        ], "")
    if digest.notes:
        blocks.append(context(*(escape(n) for n in digest.notes)))
    return fit_message(blocks, "run `account-health dashboard` for the full picture")


def _part(title: str, lines: Sequence[str], empty: str) -> list[Block]:
    body = list(lines) or [f"_{empty}_"]
    return [divider(), *line_sections([f"*{title}*", *body])]
