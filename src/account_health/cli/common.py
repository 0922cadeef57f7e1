"""What every command shares: settings, the database, and one-line failures."""

from __future__ import annotations

import sys
from datetime import date

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 1."""


def fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(1)


def parse_as_of(value: str | None) -> date:
    """`--as-of DATE`: an ISO date, or today (UTC) when not given."""
    from datetime import UTC, datetime

    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of {value!r} is not a date; expected YYYY-MM-DD") from None


AS_OF_OPTION = typer.Option(
    None, "--as-of", help="Compute as known at the end of this day (YYYY-MM-DD)."
)
