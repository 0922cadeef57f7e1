"""The engine's service layer and commands on a generated, imported portfolio."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from account_health.cli import app
from account_health.cli.common import UserError
from account_health.generator import generate_portfolio
from account_health.services import reports as service
from account_health.storage.db import Database, open_database
from account_health.storage.importer import import_directory
from account_health.storage.tables import EngineRunRow, HealthSnapshotRow

AS_OF = date(2025, 6, 15)
runner = CliRunner()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate and import a 40-account portfolio once for the module (import is the slow part)."""
    folder = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(folder / "data", accounts=40, seed=7, as_of=AS_OF)
    database = open_database(f"sqlite:///{folder / 'portfolio.db'}")
    import_directory(database, folder / "data", progress=False)
    database.dispose()
    return folder / "portfolio.db"


@pytest.fixture
def portfolio(imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[Database]:
    """A private copy of the imported portfolio; DATABASE_URL points at it for the CLI."""
    copy = tmp_path / "portfolio.db"
    shutil.copyfile(imported, copy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    database = open_database(f"sqlite:///{copy}")
    yield database
    database.dispose()


def test_lookup_is_forgiving(portfolio: Database) -> None:
    with portfolio.session() as session:
        assert service.lookup_accounts(session, "acme").match.name == "Acme Corp"
        assert service.lookup_accounts(session, "ACME CORP").match.name == "Acme Corp"
        nothing = service.lookup_accounts(session, "Qwxyz Zzz")
        assert nothing.match is None and nothing.suggestions


def test_report_json_and_unknown_account(portfolio: Database) -> None:
    result = runner.invoke(app, ["report", "acme", "--as-of", "2025-06-15", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["account"]["name"] == "Acme Corp" and payload["as_of"] == "2025-06-15"
    assert payload["health"]["tier"] in {"green", "yellow", "red"}
    unknown = runner.invoke(app, ["report", "Qwxyz Zzz"])
    # main() prints UserError as one line with exit status 1 (cli/__init__.py)
    assert isinstance(unknown.exception, UserError) and "did you mean" in str(unknown.exception)


def test_report_human_shows_the_role_table(portfolio: Database) -> None:
    result = runner.invoke(app, ["report", "Acme Corp", "--as-of", "2025-06-15"])
    assert result.exit_code == 0, result.output
    assert "Account Sentiment by Role - Acme Corp" in result.output
    assert "Weighted Account NPS" in result.output and "Playbook" in result.output


def test_dashboard_top_by_arr(portfolio: Database) -> None:
    result = runner.invoke(app, ["dashboard", "--top", "5", "--as-of", "2025-06-15", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    assert [r["arr"] for r in rows] == sorted((r["arr"] for r in rows), reverse=True)
    assert set(rows[0]) >= {"id", "name", "arr", "health", "tier", "feedback", "engagement",
                            "renewal_date", "warnings"}
    gamma = next((r for r in rows if r["name"] == "Gamma LLC"), None)
    if gamma is not None:  # the seed's troubled account
        assert gamma["warnings"]
    human = runner.invoke(app, ["dashboard", "--top", "5", "--as-of", "2025-06-15"])
    assert "Top 5 Accounts by ARR" in human.output


def test_run_stores_one_snapshot_per_account_and_uses_it_next_time(portfolio: Database) -> None:
    summary = service.run_engine(portfolio, AS_OF, batch_size=7)
    assert summary.accounts == 40 and sum(summary.tiers.values()) == 40
    with portfolio.session() as session:
        assert session.query(HealthSnapshotRow).count() == 40
        assert session.get(EngineRunRow, summary.run_id).status == "finished"
        account = service.resolve_account(session, "acme")
        later = service.account_report(session, account.id, date(2025, 6, 16))
    assert later.health.change is not None  # compared with the stored snapshot
    result = runner.invoke(app, ["run", "--as-of", "2025-06-15"])
    assert result.exit_code == 0, result.output
    assert "40 accounts" in result.output


def test_backtest_health_beats_nps(portfolio: Database, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["backtest", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["renewals"] > 10
    assert payload["health"]["auc"] >= 0.8
    assert payload["health"]["auc"] >= payload["nps"]["auc"]
    config = tmp_path / "engine.json"
    monkeypatch.setenv(service.CONFIG_VARIABLE, str(config))
    fitted = runner.invoke(app, ["backtest", "--fit", "--write-config"])
    assert fitted.exit_code == 0, fitted.output
    assert config.exists() and "fitted" in fitted.output
    assert isinstance(runner.invoke(app, ["backtest", "--write-config"]).exception, UserError)


def test_bad_as_of_is_one_line(portfolio: Database) -> None:
    result = runner.invoke(app, ["report", "acme", "--as-of", "15/06/2025"])
    assert isinstance(result.exception, UserError)
    assert "expected YYYY-MM-DD" in str(result.exception)
