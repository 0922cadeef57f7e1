"""Command: `demo` — the whole product on generated data, no Slack and no network needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.panel import Panel
from rich.rule import Rule

from account_health.cli.common import AS_OF_OPTION, console, parse_as_of
from account_health.cli.engine import render_dashboard, render_report, render_run
from account_health.config import get_settings
from account_health.domain.report import Report
from account_health.services import demo as service
from account_health.services import reports
from account_health.slack.blocks.preview import blocks_to_text
from account_health.slack.blocks.report import report_blocks
from account_health.storage.db import open_database

SHOWCASE_ACCOUNT = "acme-corp"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    database: Path = typer.Option(
        Path("account-health-demo.db"), "--database", help="SQLite file to (re)create for the demo."
    ),
    accounts: int = typer.Option(service.DEMO_ACCOUNTS, "--accounts", min=5, max=2000),
    seed: int = typer.Option(service.DEMO_SEED, "--seed"),
    as_of: str | None = AS_OF_OPTION,
) -> None:
    """A fresh local database with a generated portfolio, one engine run, and what it shows."""
    day = parse_as_of(as_of)
    url = service.fresh_sqlite_url(database)
    offline = get_settings().model_copy(update={"slack_bot_token": None})
    console.print(Rule(f"account-health demo: {accounts} generated accounts, as of {day}"))
    result = service.run_demo(url, offline, as_of=day, accounts=accounts, seed=seed,
                              progress=console.is_terminal)
    rows = sum(result.generated.rows.values())
    console.print(f"Generated {rows:,} rows in {result.generated.elapsed_seconds:.1f}s, imported "
                  f"them in {result.imported.seconds:.1f}s into {database}.")
    render_run(result.pipeline.run, console)

    db = open_database(url)
    try:
        with db.session() as session:
            render_dashboard(reports.dashboard(session, day), console, 10, day)
            report = reports.account_report(session, SHOWCASE_ACCOUNT, day)
            console.print(Rule(f"{report.account.name}: the full report"))
            render_report(report, console)
            agenda = reports.ebr_agenda(session, SHOWCASE_ACCOUNT, day)
        console.print(Panel(agenda, title=f"EBR agenda - {report.account.name}", expand=False))
        _show_slack(report, service.queued_messages(db))
    finally:
        db.dispose()
    console.print(Rule("Try it yourself"))
    console.print("(in the virtualenv: . .venv/bin/activate)\n"
                  f"export DATABASE_URL=sqlite:///{database}\n"
                  "account-health report gamma\naccount-health dashboard --top 20\n"
                  "account-health backtest")


def _show_slack(report: Report, queued: list[dict[str, Any]]) -> None:
    console.print(Rule("In Slack: /account-health acme (visible only to you)"))
    answer = [block.to_dict() for block in report_blocks(report)]
    console.print(Panel(blocks_to_text(answer), expand=False), highlight=False)
    for message in queued:
        where = message.get("channel") or "a DM"
        console.print(Rule(f"In Slack: posted to {where}"))
        text = blocks_to_text(message.get("blocks") or []) or message.get("text", "")
        console.print(Panel(text, expand=False), highlight=False)
