"""Commands: `report`, `dashboard`, `backtest`, `run` (CONTRACT section 2).

Options in, a service call, output out: `--json` prints the contract's JSON, otherwise rich
tables shaped like the seed's (the role table, the dashboard with its ⚠️ lines and actions).
`render_report` and `render_dashboard` are public so other commands (the demo) reuse them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from account_health.cli.common import AS_OF_OPTION, UserError, console, parse_as_of
from account_health.domain.backtest import BacktestError, BacktestResult, FitResult
from account_health.domain.config import ConfigError
from account_health.domain.report import Report
from account_health.domain.roles import ROLE_TITLES, TREND_ARROWS
from account_health.formatting import day, money, percent
from account_health.services import reports as service
from account_health.storage.db import Database, open_database

TIER_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}
NA = "n/a"  # a figure with no data, in tables
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("report")(report_command)
    app.command("dashboard")(dashboard_command)
    app.command("backtest")(backtest_command)
    app.command("run")(run_command)


@contextmanager
def _database() -> Iterator[Database]:
    db = open_database()
    try:
        yield db
    finally:
        db.dispose()


def _config() -> Any:
    try:
        return service.load_engine_config()
    except ConfigError as error:
        raise UserError(str(error)) from None


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


# --- report ----------------------------------------------------------------------------------

def report_command(
    account: str = typer.Argument(..., help="Account id or name (matched forgivingly)."),
    as_of: str | None = AS_OF_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """One account's full health report."""
    day = parse_as_of(as_of)
    config = _config()
    with _database() as db, db.session() as session:
        try:
            found = service.resolve_account(session, account)
        except (service.UnknownAccount, service.AmbiguousAccount) as error:
            raise UserError(str(error)) from None
        report = service.account_report(session, found.id, day, config)
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        render_report(report, console)


def _change(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def render_report(report: Report, out: Console) -> None:
    h = report.health
    renewal = day(report.account.renewal_date, NA)
    title = Text.assemble(
        (report.account.name, "bold"),
        f"  ({report.account.id})  ARR {money(report.account.arr)}"
        f"  renewal {renewal}  as of {report.as_of}")
    headline = Text.assemble(
        "Health ", (f"{h.overall:.0f}", TIER_STYLE[h.tier]), f" ({h.tier})",
        f"  confidence {h.confidence:.0%}",
        f"  change {_change(h.change)}" if h.change is not None else "")
    out.print(Panel(Group(title, headline), expand=False))
    out.print(_components_table(report))
    out.print(_role_table(report))
    out.print(_sentiment_line(report))
    if report.themes:
        out.print(_themes_table(report))
    if report.signals:
        out.print(_signals_table(report))
    for route in report.routing:
        extra = "".join([f", escalate to {route.escalate_to}" if route.escalate_to else "",
                         f", cc {route.cc_to}" if route.cc_to else ""])
        out.print(f"→ {route.signal}: {route.assign_to} / {route.priority} / {route.action}{extra}",
                  highlight=False)
    out.print(Text.assemble(("Playbook ", "bold"), (h.tier, TIER_STYLE[h.tier]), ": ",
                            "; ".join(report.playbook.actions)))
    for warning in report.warnings:
        out.print(f"[yellow]note:[/] {warning}", highlight=False)


def _components_table(report: Report) -> Table:
    table = Table(title="Why this score", title_justify="left")
    for column in ("Component", "Score", "Conf.", "Change", "Inputs (points / max)"):
        numeric = column in ("Score", "Conf.", "Change")
        table.add_column(column, justify="right" if numeric else "left")
    for name, comp in report.health.components.items():
        inputs = []
        for item in comp.signals:
            mark = " (no data: neutral)" if item.missing else ""
            detail = item.evidence[0].what if item.evidence and not item.missing else ""
            inputs.append(f"{item.name} {item.points:g}/{item.max_points:g}{mark}"
                          + (f" - {detail}" if detail else ""))
        table.add_row(name, f"{comp.score:.0f}", f"{comp.confidence:.0%}", _change(comp.change),
                      "\n".join(inputs))
    return table


def _role_table(report: Report) -> Table:
    s = report.sentiment
    table = Table(title=f"Account Sentiment by Role - {report.account.name}", title_justify="left")
    for column in ("Role", "Users", "Responded", "Avg NPS", "Trend"):
        table.add_column(column, justify="left" if column == "Role" else "right")
    for row in report.roles:
        table.add_row(ROLE_TITLES.get(row.role, row.role), str(row.users), str(row.responded),
                      "" if row.avg_nps is None else f"{row.avg_nps:g}", TREND_ARROWS[row.trend])
    weighted = NA if s.weighted_average is None else f"{s.weighted_average:.1f}"
    caption = [f"Weighted Account NPS: {weighted} (threshold: 7.0)"]
    caption += [f"Risk Signal: {sig.name}" for sig in report.signals
                if sig.key.startswith("churn_risk:role_declining")]
    table.caption = "\n".join(caption)
    table.caption_justify = "left"
    return table


def _sentiment_line(report: Report) -> str:
    s = report.sentiment

    nps = NA if s.nps is None else f"{s.nps:+.0f}"
    raw = NA if s.raw_average is None else f"{s.raw_average:.1f}"
    line = (f"Sentiment: raw average {raw}/10, classic NPS {nps}, "
            f"{s.respondent_count} respondents, "
            f"coverage {percent(s.coverage_rate, NA)} (target 30%), decision-maker coverage "
            f"{percent(s.decision_maker_coverage, NA)} (target 80%)")
    return line + (f"\n[yellow]{s.note}[/]" if s.note else "")


def _themes_table(report: Report) -> Table:
    table = Table(title="Themes", title_justify="left")
    for column in ("Theme", "Mentions", "Roles", "Sentiment", "Executive?", "Priority"):
        table.add_column(column)
    for t in report.themes:
        table.add_row(t.topic, str(t.mentions), ", ".join(t.roles), t.sentiment,
                      "Yes" if t.executive_mention else "No", "⚠️ yes" if t.priority else "")
    return table


def _signals_table(report: Report) -> Table:
    table = Table(title="Signals", title_justify="left")
    for column in ("Severity", "Type", "Signal", "Evidence"):
        table.add_column(column)
    for sig in report.signals:
        ev = sig.evidence[0] if sig.evidence else None
        evidence = "" if ev is None else " ".join(
            part for part in (ev.who, ev.what, day(ev.when, missing="")) if part)
        severity = Text(sig.severity, SEVERITY_STYLE[sig.severity])
        table.add_row(severity, sig.type, sig.name, evidence)
    return table


# --- dashboard -------------------------------------------------------------------------------

def dashboard_command(
    top: int = typer.Option(10, "--top", min=1, help="How many accounts, by ARR."),
    as_of: str | None = AS_OF_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """The health dashboard: the top N accounts by ARR."""
    day = parse_as_of(as_of)
    config = _config()
    with _database() as db, db.session() as session:
        rows = service.dashboard(session, day, top, config)
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
    else:
        render_dashboard(rows, console, top, day)


def render_dashboard(rows: list[service.DashboardRow], out: Console, top: int, as_of: date) -> None:
    table = Table(title=f"Account Health Dashboard - Top {top} Accounts by ARR (as of {as_of})",
                  title_justify="left")
    for column in ("Account", "ARR", "Health", "Feedback", "Engage", "Renewal"):
        table.add_column(column, justify="left" if column == "Account" else "right")
    for row in rows:
        health = Text(f"{row.health:.0f}", TIER_STYLE[row.tier])
        if row.warnings:
            health.append(" ⚠️")
        renewal = row.renewal_date.strftime("%b %d") if row.renewal_date else ""
        table.add_row(row.name, money(row.arr), health, f"{row.feedback:.0f}",
                      f"{row.engagement:.0f}", renewal)
    out.print(table)
    for row in rows:
        if row.warnings:
            out.print(f"⚠️ {row.name}: {', '.join(row.warnings)}", highlight=False)
            if row.action:
                out.print(f"   Action: {row.action}", highlight=False)
    if not rows:
        out.print("No accounts yet: import some with `account-health import DIR`.")


# --- backtest --------------------------------------------------------------------------------

def backtest_command(
    days_before: int = typer.Option(30, "--days-before", min=0,
                                    help="Score each renewal as it was this many days before."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    fit: bool = typer.Option(False, "--fit", help="Also fit the four component weights "
                             "(regularised logistic regression, cross-validated)."),
    write_config: bool = typer.Option(False, "--write-config", help="With --fit: save the fitted "
                                      "weights to the engine configuration file."),
) -> None:
    """How well health, NPS and sentiment, each taken N days before every renewal, predicted it."""
    if write_config and not fit:
        raise UserError("--write-config needs --fit")
    config = _config()
    with _database() as db, db.session() as session:
        try:
            result, fitted = service.backtest(session, days_before, config, fit=fit)
        except BacktestError as error:
            raise UserError(str(error)) from None
    if result.renewals == 0:
        raise UserError("no renewals on record; import renewals.csv first")
    written = None
    if write_config and fitted is not None:
        try:
            written = service.write_fitted_weights(fitted, config)
        except ConfigError as error:
            raise UserError(str(error)) from None
    if as_json:
        payload = result.model_dump(mode="json")
        if fitted is not None:
            payload["fit"] = fitted.model_dump(mode="json")
        if written is not None:
            payload["config_written"] = str(written)
        _print_json(payload)
        return
    render_backtest(result, fitted, console)
    if written is not None:
        console.print(f"Fitted weights written to {written}", highlight=False)


def _fmt(value: float | None) -> str:
    return NA if value is None else f"{value:.3f}"


def render_backtest(result: BacktestResult, fitted: FitResult | None, out: Console) -> None:
    table = Table(title=f"Predictive value: {result.renewals} renewals "
                        f"({result.retained} retained, {result.churned} churned), "
                        f"scores {result.days_before} days before",
                  title_justify="left")
    for column in ("Score", "n", "AUC", "Correlation", "Accuracy", "Cutoff"):
        table.add_column(column, justify="left" if column == "Score" else "right")
    for name in ("health", "nps", "sentiment"):
        m = getattr(result, name)
        table.add_row(name, str(m.n), _fmt(m.auc), _fmt(m.correlation), _fmt(m.accuracy),
                      f"{m.cutoff:g}")
    out.print(table)
    if fitted is None:
        return
    weights = Table(title=f"Component weights ({fitted.folds}-fold cross-validated)",
                    title_justify="left")
    for column in ("", "feedback", "engagement", "relationship", "outcome", "AUC"):
        weights.add_column(column, justify="left" if not column else "right")
    for label, values, auc in (("seed", fitted.seed_weights, fitted.seed_auc),
                               ("fitted", fitted.fitted_weights, fitted.fitted_auc)):
        weights.add_row(label, *(f"{values[n]:.2f}" for n in
                                 ("feedback", "engagement", "relationship", "outcome")), _fmt(auc))
    weights.caption = "fitted AUC is out of fold" + (f"; {fitted.note}" if fitted.note else "")
    out.print(weights)


# --- run -------------------------------------------------------------------------------------

def run_command(as_of: str | None = AS_OF_OPTION) -> None:
    """One engine run: recompute every account, store snapshots, queue and deliver alerts."""
    from account_health.config import get_settings
    from account_health.jobs.pipeline import run_and_deliver

    day = parse_as_of(as_of)
    config = _config()
    with _database() as db:
        summary = run_and_deliver(db, get_settings(), None, day, config=config)
    render_run(summary.run, console)
    for line in summary.lines():
        console.print(line)


def render_run(summary: service.RunSummary, out: Console) -> None:
    p = summary.portfolio
    table = Table(title=f"Engine run {summary.run_id} as of {summary.as_of}: "
                        f"{summary.accounts} accounts in {summary.seconds:.1f}s",
                  title_justify="left")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    for tier in ("green", "yellow", "red"):
        table.add_row(f"{tier} accounts", str(summary.tiers.get(tier, 0)))
    for kind, count in sorted(summary.signals.items()):
        table.add_row(f"{kind} signals", str(count))

    table.add_row("coverage rate (target > 30%)",
                  f"{percent(p.coverage_rate, NA)}; {p.accounts_meeting_coverage} accounts meet it")
    table.add_row("decision-maker coverage (target > 80%)",
                  f"{percent(p.decision_maker_coverage, NA)}; "
                  f"{p.accounts_meeting_decision_maker} meet it")
    rates = ", ".join(f"{m.month} {percent(m.rate, NA)}" for m in p.response_rates[-3:])
    table.add_row("response rate, month over month", f"{rates} ({p.response_trend})")
    out.print(table)
