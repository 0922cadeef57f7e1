"""Commands: `import` (a folder of export files) and `generate` (a demo portfolio)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from account_health.cli.common import UserError, console, errors, parse_as_of
from account_health.services.importing import ImportFailed, ImportSummary, import_folder


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("import")(import_command)
    app.command("generate")(generate_command)


def import_command(
    directory: Path = typer.Argument(..., help="Folder with accounts.csv, users.csv, "
                                     "feedback.jsonl, usage.csv, touchpoints.csv, outcomes.csv, "
                                     "renewals.csv (each optional)."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the good rows; write bad ones to a rejects file."
    ),
    rejects: Path | None = typer.Option(None, "--rejects", help="Where to write rejected rows "
                                        "(JSON lines with their reasons)."),
) -> None:
    """Import a folder of CRM, analytics and survey exports; re-importing changes nothing."""
    try:
        summary = import_folder(directory, skip_invalid=skip_invalid, rejects_path=rejects,
                                progress=console.is_terminal)
    except ImportFailed as failure:
        for line in failure.errors:
            errors.print(line, highlight=False, soft_wrap=True, markup=False)
        if failure.summary is not None:
            _print_warnings(failure.summary)
            hidden = failure.summary.rejected - len(failure.errors)
            if hidden > 0:
                errors.print(f"... and {hidden} more bad row(s)", highlight=False)
        raise UserError(str(failure)) from None
    _print_warnings(summary)
    console.print(summary_table(summary))
    if summary.rejected:
        console.print(f"[yellow]{summary.rejected} bad row(s) skipped; written with their "
                      f"reasons to {summary.rejects_path}[/]", highlight=False)


def summary_table(summary: ImportSummary) -> Table:
    """What was loaded, per file."""
    table = Table(title=f"Imported {summary.directory} in {summary.seconds:.1f}s")
    for column in ("file", "read", "inserted", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for item in summary.files:
        table.add_row(item.file, *(f"{value:,}" for value in (
            item.read, item.inserted, item.updated, item.unchanged, item.rejected)))
    rows = sum(item.read for item in summary.files)
    table.caption = (
        f"load: {rows:,} rows in {summary.load_seconds:.1f}s; text analysis: "
        f"{summary.comments_total:,} comment text(s) in {summary.analysis_seconds:.1f}s "
        f"({summary.comments_analysed:,} distinct analysed, {summary.comments_reused:,} reused)"
    )
    if summary.comments_in_background:
        table.caption += (f"; {summary.comments_in_background:,} of them analysed in the "
                          "background while the rows loaded")
    return table


def _print_warnings(summary: ImportSummary) -> None:
    for warning in summary.warnings:
        errors.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


def generate_command(
    directory: Path = typer.Argument(..., help="Folder to write the import files into."),
    accounts: int = typer.Option(60, "--accounts", min=1, help="How many accounts."),
    seed: int = typer.Option(42, "--seed", help="Random seed: the same seed gives the same files."),
    as_of: str | None = typer.Option(None, "--as-of",
                                     help="Last day of the generated history (YYYY-MM-DD)."),
) -> None:
    """Write a realistic generated portfolio in the import format."""
    from account_health.generator import generate_portfolio

    day = parse_as_of(as_of) if as_of else datetime.now(UTC).date()
    try:
        result = generate_portfolio(directory, accounts, seed, day)
    except OSError as error:
        raise UserError(f"cannot write to {directory}: {error.strerror or error}") from None
    console.print(f"Generated {accounts:,} account(s) in {directory} (seed {seed}, as of {day})")
    rows = _as_mapping(result)
    if rows:
        table = Table(show_header=False, box=None)
        for key, value in rows.items():
            for name, item in (value.items() if isinstance(value, Mapping) else [("", value)]):
                label = f"{key} {name}".strip()
                table.add_row(label, f"{item:,}" if isinstance(item, int) else str(item))
        console.print(table)


def _as_mapping(result: Any) -> Mapping[str, Any]:
    if is_dataclass(result) and not isinstance(result, type):
        return asdict(result)
    if isinstance(result, Mapping):
        return result
    if hasattr(result, "model_dump"):
        return dict(result.model_dump())
    return {}
