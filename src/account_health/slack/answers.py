"""What the app answers: from a request's plain inputs to blocks, via the portfolio."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from account_health.domain.report import Report
from account_health.slack.blocks.kit import escape
from account_health.slack.blocks.messages import (
    choices_blocks,
    dashboard_blocks,
    help_blocks,
    notice_blocks,
    quoted,
    suggestions_blocks,
)
from account_health.slack.blocks.report import agenda_blocks, report_blocks, why_blocks
from account_health.slack.portfolio import Portfolio

MAX_QUERY = 200  # no account name is longer; longer text is not a lookup
HELP_WORDS = {"help", "?", "-h", "--help"}
TOP_WORDS = {"top", "dashboard"}
UNKNOWN_ACCOUNT = "I couldn't find that account any more. Try `/account-health top`."


def command_answer(portfolio: Portfolio, text: str) -> tuple[str, list[Block]]:
    """The fallback text and blocks that answer `/account-health TEXT`, whatever TEXT is."""
    query = " ".join(text.split())
    if not query or query.lower() in HELP_WORDS:
        return "What account-health can do", help_blocks()
    if query.lower() in TOP_WORDS:
        return "Portfolio health", dashboard_blocks(portfolio.dashboard(), portfolio.today())
    if len(query) > MAX_QUERY:
        note = f"That's longer than any account name ({len(query)} characters). "
        return "Too long", [*notice_blocks(note + "Try a name or part of one."), *help_blocks()]
    found = portfolio.lookup(query)
    if found.match is not None:
        return account_answer(portfolio, found.match.id)
    if found.choices:
        return f"Several accounts match {quoted(query)}", choices_blocks(query, found.choices)
    return f"No account matches {quoted(query)}", suggestions_blocks(query, found.suggestions)


def account_answer(portfolio: Portfolio, account_id: str) -> tuple[str, list[Block]]:
    if portfolio.account(account_id) is None:
        return UNKNOWN_ACCOUNT, notice_blocks(UNKNOWN_ACCOUNT)
    report = portfolio.report(account_id)
    return _headline(report), report_blocks(report)


def why_answer(portfolio: Portfolio, account_id: str) -> tuple[str, list[Block]]:
    if portfolio.account(account_id) is None:
        return UNKNOWN_ACCOUNT, notice_blocks(UNKNOWN_ACCOUNT)
    report = portfolio.report(account_id)
    return f"Why: {_headline(report)}", why_blocks(report)


def agenda_answer(portfolio: Portfolio, account_id: str) -> tuple[str, list[Block]]:
    account, agenda = portfolio.agenda(account_id)
    if account is None:
        return UNKNOWN_ACCOUNT, notice_blocks(UNKNOWN_ACCOUNT)
    return f"EBR agenda for {escape(account.name)}", agenda_blocks(account.id, account.name, agenda)


def _headline(report: Report) -> str:
    health = report.health
    return f"{escape(report.account.name)}: health {health.overall:.0f}/100 ({health.tier})"
