"""Numbers, dates and labels as the messages show them."""

from __future__ import annotations

from account_health.domain.report import Evidence
from account_health.formatting import day
from account_health.slack.blocks.kit import escape

TIER_EMOJI = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
SEVERITY_EMOJI = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "⚪"}
TREND_ARROW = {"up": "↑", "down": "↓", "flat": "→"}


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def change(value: float | None) -> str:
    if value is None or round(value) == 0:
        return ""
    return f" ({'▲' if value > 0 else '▼'}{abs(value):.0f})"


def label(name: str) -> str:
    """`executive_sponsor` → `Executive sponsor`."""
    return name.replace("_", " ").capitalize()


def evidence_line(item: Evidence) -> str:
    """One piece of evidence, escaped: what, who, when."""
    parts = [escape(item.what)]
    if item.who:
        parts.append(f"— {escape(item.who)}")
    if item.when:
        parts.append(f"({day(item.when)})")
    return " ".join(parts)
