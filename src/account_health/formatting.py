"""Money, percentages and days as people read them: one style for the terminal and Slack.

`missing` is what a view shows for no value ("—" in Slack, "n/a" or "" in tables).
"""

from __future__ import annotations

from datetime import date, datetime


def money(amount: float | None, missing: str = "—") -> str:
    """The seed's dashboard style: $240K, $1.2M."""
    if amount is None:
        return missing
    if abs(amount) >= 1_000_000:
        return f"${amount / 1_000_000:.1f}M"
    if abs(amount) >= 1_000:
        return f"${amount / 1_000:.0f}K"
    return f"${amount:.0f}"


def percent(share: float | None, missing: str = "—") -> str:
    """A 0-1 share as a whole percentage."""
    return missing if share is None else f"{share:.0%}"


def day(value: date | datetime | None, missing: str = "—") -> str:
    """The ISO day of a date or a datetime."""
    if value is None:
        return missing
    return (value.date() if isinstance(value, datetime) else value).isoformat()
