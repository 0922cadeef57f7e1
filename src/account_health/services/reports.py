"""Use cases around the engine: find an account, report it, the dashboard, EBR agenda,
engine runs (one snapshot per account) and the backtest.

Thin: storage loads plain data, domain/engine.build_report computes, storage keeps snapshots.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_health.domain.backtest import (
    BacktestResult,
    FitResult,
    Observation,
    evaluate,
    fit_weights,
)
from account_health.domain.config import DEFAULT_CONFIG, EngineConfig
from account_health.domain.ebr import ebr_agenda as render_ebr_agenda
from account_health.domain.engine import build_report
from account_health.domain.models import Account
from account_health.domain.portfolio import PortfolioMetrics, ResponseRateTally, portfolio_metrics
from account_health.domain.report import Report
from account_health.services.batches import compute_batch, computed_batches
from account_health.storage.db import Database
from account_health.storage.repository import (
    SnapshotRecord,
    get_account,
    iter_account_data,
    latest_snapshot,
    list_accounts,
    load_account_data,
    save_snapshots,
)
from account_health.storage.tables import AccountRow, EngineRunRow

CONFIG_VARIABLE = "ACCOUNT_HEALTH_ENGINE_CONFIG"
DEFAULT_CONFIG_FILE = Path("account_health_engine.json")
MATCH_SCORE = 90  # rapidfuzz WRatio (0-100): "acme" -> "Acme Corp" scores 90
CHOICE_SCORE = 75
CLEAR_LEAD = 8  # a best match this far ahead of the next one is the one meant


class UnknownAccount(LookupError):
    """No account matches; `suggestions` holds the nearest names."""

    def __init__(self, query: str, suggestions: Sequence[Account] = ()) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        hint = ", ".join(a.name for a in self.suggestions)
        tail = f"; did you mean: {hint}?" if hint else ""
        super().__init__(f"no account matches {query!r}{tail}")


class AmbiguousAccount(LookupError):
    def __init__(self, query: str, choices: Sequence[Account]) -> None:
        self.query = query
        self.choices = list(choices)
        names = ", ".join(f"{a.name} ({a.id})" for a in self.choices)
        super().__init__(f"{query!r} matches several accounts: {names}; give the id or full name")


# --- configuration ---------------------------------------------------------------------------

def engine_config_path() -> Path:
    """Where the engine's configuration lives: $ACCOUNT_HEALTH_ENGINE_CONFIG, else
    ./account_health_engine.json (JSON or TOML by extension)."""
    return Path(os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG_FILE)


def load_engine_config() -> EngineConfig:
    """The configured engine, or the seed defaults when no configuration file exists."""
    path = engine_config_path()
    return EngineConfig.load(path) if path.exists() else DEFAULT_CONFIG


# --- finding an account ----------------------------------------------------------------------

@dataclass(frozen=True)
class AccountLookup:
    match: Account | None = None  # one clear match
    choices: list[Account] = field(default_factory=list)  # several close matches
    suggestions: list[Account] = field(default_factory=list)  # no match: the nearest names


def lookup_accounts(session: Session, query: str, limit: int = 5) -> AccountLookup:
    """An id or a name, matched forgivingly ("acme" finds "Acme Corp")."""
    query = query.strip()
    if not query:
        return AccountLookup()
    exact = get_account(session, query)
    if exact is not None:
        return AccountLookup(match=exact)
    accounts = list_accounts(session)
    folded = query.casefold()
    same = [a for a in accounts if a.name.casefold() == folded or a.id.casefold() == folded]
    if len(same) == 1:
        return AccountLookup(match=same[0])
    names = {i: a.name for i, a in enumerate(accounts)}
    ranked = process.extract(query, names, scorer=fuzz.WRatio, processor=utils.default_process,
                             limit=max(limit, 2))
    if not ranked:
        return AccountLookup()
    best, best_score = accounts[ranked[0][2]], ranked[0][1]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= MATCH_SCORE and best_score - runner_up >= CLEAR_LEAD:
        return AccountLookup(match=best)
    close = [accounts[key] for _, score, key in ranked if score >= CHOICE_SCORE][:limit]
    if len(close) > 1:
        return AccountLookup(choices=close)
    if len(close) == 1 and best_score >= MATCH_SCORE:
        return AccountLookup(match=close[0])
    return AccountLookup(suggestions=[accounts[key] for _, _, key in ranked][:limit])


def resolve_account(session: Session, query: str) -> Account:
    """The one account `query` means, or UnknownAccount / AmbiguousAccount."""
    found = lookup_accounts(session, query)
    if found.match is not None:
        return found.match
    if found.choices:
        raise AmbiguousAccount(query, found.choices)
    raise UnknownAccount(query, found.suggestions)


# --- one account -----------------------------------------------------------------------------

def account_report(
    session: Session, account_id: str, as_of: date, config: EngineConfig | None = None
) -> Report:
    data = load_account_data(session, account_id, as_of)
    if data is None:
        raise UnknownAccount(account_id)
    previous = latest_snapshot(session, account_id, before=as_of)
    return build_report(data, as_of, config or load_engine_config(), previous)


def ebr_agenda(
    session: Session, account_id: str, as_of: date, config: EngineConfig | None = None
) -> str:
    """The seed's EBR agenda; with an LLM configured, headed by its drafted summary."""
    from account_health.text.store import configured_llm

    agenda = render_ebr_agenda(account_report(session, account_id, as_of, config))
    llm = configured_llm(session)
    summary = llm.draft_ebr_summary(agenda) if llm is not None else None
    return agenda if summary is None else f"Summary (drafted by {llm.options.model}): " \
        f"{summary}\n\n{agenda}"


# --- dashboard -------------------------------------------------------------------------------

class DashboardRow(BaseModel):
    id: str
    name: str
    arr: float
    health: float
    tier: str
    feedback: float
    engagement: float
    relationship: float
    outcome: float
    renewal_date: date | None
    warnings: list[str]  # the seed's "⚠️ Gamma LLC: Low feedback score, champion unresponsive"
    action: str | None  # the seed's "Action: Escalate to VP Sales"
    change: float | None = None
    confidence: float


def top_accounts_by_arr(session: Session, top: int) -> list[str]:
    rows = session.execute(select(AccountRow.id).order_by(AccountRow.arr.desc(), AccountRow.id)
                           .limit(top))
    return [row.id for row in rows]


def dashboard_row(report: Report, config: EngineConfig) -> DashboardRow:
    h = report.health
    low = [f"Low {name} score" for name, c in h.components.items()
           if c.score < config.health.red_below]
    urgent = [s.name for s in report.signals
              if s.type != "expansion_signal" and s.severity in ("critical", "high")]
    warnings = (low + urgent)[:4] if (h.tier == "red" or urgent) else []
    action = None
    if warnings:
        route = next((r for r in report.routing if r.type != "expansion_signal"), None)
        if route is not None:
            action = route.action.replace("_", " ").capitalize()
            if route.escalate_to:
                action += f", escalate to {route.escalate_to.replace('_', ' ')}"
        else:
            action = report.playbook.actions[0]
    return DashboardRow(
        id=report.account.id, name=report.account.name, arr=report.account.arr,
        health=h.overall, tier=h.tier, feedback=h.components["feedback"].score,
        engagement=h.components["engagement"].score,
        relationship=h.components["relationship"].score, outcome=h.components["outcome"].score,
        renewal_date=report.account.renewal_date, warnings=warnings, action=action,
        change=h.change, confidence=h.confidence,
    )


def dashboard(
    session: Session, as_of: date, top: int = 10, config: EngineConfig | None = None
) -> list[DashboardRow]:
    """The top N accounts by ARR, each computed as of the day (seed: Health Dashboard)."""
    config = config or load_engine_config()
    batch = compute_batch(session, top_accounts_by_arr(session, top), as_of, config)
    rows = [dashboard_row(report, config) for report in batch.reports]
    rows.sort(key=lambda r: (-r.arr, r.id))
    return rows


# --- engine run ------------------------------------------------------------------------------

class RunSummary(BaseModel):
    run_id: int
    as_of: date
    accounts: int
    tiers: dict[str, int]
    signals: dict[str, int]  # by type
    seconds: float
    portfolio: PortfolioMetrics


ReportHook = Callable[[Session, Report, SnapshotRecord | None], None]


def _account_batches(db: Database, batch_size: int) -> list[list[str]]:
    with db.session() as session:
        ids = list(session.scalars(select(AccountRow.id).order_by(AccountRow.id)))
    return [ids[start:start + batch_size] for start in range(0, len(ids), batch_size)]


def run_engine(
    db: Database,
    as_of: date,
    config: EngineConfig | None = None,
    batch_size: int = 250,
    on_report: ReportHook | None = None,
    workers: int = 1,
) -> RunSummary:
    """Recompute every account as of the day and store one snapshot each.

    Each batch is its own transaction (a long run never holds the write lock for long);
    the run row says `running` until the end, `failed` if anything went wrong. `on_report`
    lets the caller react to each report in the same transaction (e.g. queue alerts).
    With `workers` > 1 the reports are computed by that many processes (see
    `services/batches.py`); what is stored is the same.
    """
    config = config or load_engine_config()
    started = time.perf_counter()
    with db.session() as session:
        run = EngineRunRow(as_of=as_of, status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    tiers: Counter[str] = Counter()
    signals: Counter[str] = Counter()
    tally = ResponseRateTally(as_of, config.portfolio.months)
    reports_light: list[Report] = []
    prepare = getattr(on_report, "prepare", None)  # e.g. AlertRaiser: one query per batch
    try:
        prepare_texts(db)
        batches = _account_batches(db, batch_size)
        for batch in computed_batches(db, batches, as_of, config, workers):
            with db.session() as session:
                if prepare is not None:
                    prepare(session, [report.account.id for report in batch.reports])
                for report in batch.reports:
                    if on_report is not None:
                        on_report(session, report, batch.previous.get(report.account.id))
                    tiers[report.health.tier] += 1
                    signals.update(s.type for s in report.signals)
                    reports_light.append(_sentiment_only(report))
                tally.merge(batch.tally)
                save_snapshots(session, batch.reports, run_id=run_id,
                               reports_json=batch.reports_json)
    except BaseException:
        with db.session() as session:
            failed = session.get(EngineRunRow, run_id)
            if failed is not None:
                failed.status, failed.finished_at = "failed", datetime.now(UTC)
        raise
    summary = RunSummary(
        run_id=run_id, as_of=as_of, accounts=sum(tiers.values()), tiers=dict(tiers),
        signals=dict(signals), seconds=round(time.perf_counter() - started, 2),
        portfolio=portfolio_metrics(reports_light, tally, config),
    )
    with db.session() as session:
        done = session.get(EngineRunRow, run_id)
        assert done is not None
        done.status, done.finished_at = "finished", datetime.now(UTC)
        done.accounts = summary.accounts
        done.details = summary.model_dump(mode="json", exclude={"run_id", "as_of"})
    return summary


def prepare_texts(db: Database) -> tuple[int, int]:
    """Before the reports: analyse any response text not analysed yet (e.g. saved while the
    model was unavailable), then rebuild the theme catalogue and topics (reports read
    comment_analysis.topic). Returns (texts analysed, topics changed)."""
    from account_health.storage.bulk import analyse_feedback, pending_feedback_ids
    from account_health.text.store import (
        activate_stored_catalogue,
        configured_llm,
        rebuild_themes,
    )

    with db.session() as session:
        pending = pending_feedback_ids(session.connection())
        analysed = 0
        if pending:
            activate_stored_catalogue(session)
            analysed = analyse_feedback(session.connection(), pending).analysed
        rebuilt = rebuild_themes(session, llm=configured_llm(session))
    return analysed, rebuilt.topics_changed


def _sentiment_only(report: Report) -> Report:
    """Keep only what portfolio metrics read (the sentiment summary): 10,000 whole reports
    would hold hundreds of MiB until the end of the run. A copy of one empty shell, so no
    validation (nor pydantic's default factories) per account."""
    return _sentiment_shell().model_copy(update={"sentiment": report.sentiment})


@cache
def _sentiment_shell() -> Report:
    return Report.model_construct()


# --- backtest --------------------------------------------------------------------------------

def backtest_observations(
    session: Session, days_before: int, config: EngineConfig, today: date | None = None
) -> list[Observation]:
    """For every renewal on record, the scores as they were `days_before` days earlier.

    Each account is loaded once; the engine itself ignores everything dated after each
    historical day, so no later data leaks into the score.
    """
    today = today or datetime.now(UTC).date()
    observations = []
    for data in iter_account_data(session, today):
        for renewal in data.renewals:
            day = renewal.date - timedelta(days=days_before)
            report = build_report(data, day, config)
            observations.append(Observation(
                account_id=data.account.id, renewal_date=renewal.date, retained=renewal.retained,
                health=report.health.overall, nps=report.sentiment.weighted_average,
                sentiment=report.sentiment.comment_sentiment,
                components={name: c.score for name, c in report.health.components.items()},
            ))
    return observations


def backtest(
    session: Session, days_before: int = 30, config: EngineConfig | None = None,
    fit: bool = False, today: date | None = None,
) -> tuple[BacktestResult, FitResult | None]:
    config = config or load_engine_config()
    observations = backtest_observations(session, days_before, config, today)
    result = evaluate(observations, config, days_before)
    return result, fit_weights(observations, config) if fit else None


def write_fitted_weights(fitted: FitResult, config: EngineConfig | None = None) -> Path:
    """Save the fitted component weights into the engine configuration file."""
    config = (config or load_engine_config()).with_component_weights(fitted.fitted_weights)
    path = engine_config_path()
    config.save(path)
    return path
