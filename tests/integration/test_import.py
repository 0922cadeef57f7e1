"""The import (CONTRACT section 1) on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from account_health.storage import bulk, tables
from account_health.storage.db import Database
from account_health.storage.importer import ImportFailed, ImportSummary, import_directory

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = FIXTURES / "import_good"
BAD = FIXTURES / "import_bad"

BAD_LINES = [
    "users.csv:3: role: unknown role 'ceo'; expected one of executive_sponsor, champion, admin, "
    "power_user, casual_user, dormant, end_user, it_security",
    "feedback.jsonl:2: content.score: NPS must be 0-10, got 11",
    "feedback.jsonl:3: accountId: required",
    "feedback.jsonl:4: submittedAt: '2026-13-45' is not a date or time; expected ISO 8601 like "
    "2026-04-15 or 2026-04-15T09:30:00Z",
    "feedback.jsonl:5: accountId: unknown account 'nope' (not in the database nor in "
    "accounts.csv)",
    "usage.csv:3: user_id: unknown user 'u404' (not in the database nor in users.csv)",
]


def fingerprint(db: Database) -> dict[str, str]:
    """A checksum of every row of every table, to prove that nothing changed."""
    result = {}
    with db.engine.connect() as connection:
        for table in tables.Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows = connection.execute(select(table).order_by(*order)).all()
            result[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return result


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in tables.Base.metadata.sorted_tables}


def per_file(summary: ImportSummary) -> dict[str, tuple[int, int, int, int, int]]:
    return {f.file: (f.read, f.inserted, f.updated, f.unchanged, f.rejected)
            for f in summary.files}


def run_import(db: Database, folder: Path, **options: object) -> ImportSummary:
    return import_directory(db, folder, progress=False, **options)  # type: ignore[arg-type]


def test_imports_every_file_and_both_feedback_shapes(db: Database) -> None:
    summary = run_import(db, GOOD)

    assert per_file(summary) == {
        "accounts.csv": (3, 3, 0, 0, 0),
        "users.csv": (6, 6, 0, 0, 0),
        "feedback.jsonl": (6, 6, 0, 0, 0),
        "usage.csv": (5, 5, 0, 0, 0),
        "touchpoints.csv": (3, 3, 0, 0, 0),
        "outcomes.csv": (3, 3, 0, 0, 0),
        "renewals.csv": (2, 2, 0, 0, 0),
    }
    assert summary.errors == []
    assert "accounts.csv: ignored unknown column(s): crm_owner" in summary.warnings
    assert "feedback.jsonl:4: ignored unknown key(s): channel" in summary.warnings
    with db.session() as session:
        ebr = session.scalars(select(tables.FeedbackRow).where(
            tables.FeedbackRow.kind == "ebr_feedback")).one()
        assert (ebr.shape, ebr.person_id, ebr.role, ebr.title) == (
            "account", "u_acme_champ", "champion", "VP of Operations")
        assert (ebr.overall_satisfaction, ebr.value_realization, ebr.renewal_likelihood,
                ebr.expansion_interest) == (4, 4, 5, "yes")
        assert ebr.concerns == ["Onboarding new team members takes too long"]
        assert ebr.context == {"contractValue": 120000, "usersLicensed": 50, "usersActive": 32,
                               "renewalDate": "2026-04-15"}
        assert ebr.raw["respondent"]["title"] == "VP of Operations"
        assert ebr.id.startswith("fb_")  # no id given: derived from the natural key
        # a time without an offset is UTC; other offsets are converted to UTC
        assert ebr.submitted_at == datetime(2026, 1, 8, 15, 30, tzinfo=UTC)
        csat = session.get(tables.FeedbackRow, "fb-4")
        assert csat is not None
        assert csat.submitted_at == datetime(2026, 1, 9, 11, 0, tzinfo=UTC)
        assert csat.role == "champion"  # not in the response: taken from users.csv
        nps = session.get(tables.FeedbackRow, "fb-1")
        assert nps is not None and (nps.shape, nps.score, nps.role) == ("user", 6, "power_user")
        assert nps.context == {"tenure": "6_months", "usageLevel": "power_user",
                               "lastLogin": "2_hours_ago"}
        gone = session.get(tables.PersonRow, "u_acme_gone")
        assert gone is not None and gone.active is False
        assert gone.left_at == datetime(2025, 12, 15, tzinfo=UTC)
        analysed = session.scalars(select(tables.CommentAnalysisRow.feedback_id)).all()
    # five responses carry text (the CSAT has none); the EBR's concern is analysed too
    assert sorted(analysed).count(ebr.id) == 1
    assert len(analysed) == 5


def test_reimporting_the_same_folder_changes_nothing(db: Database, monkeypatch) -> None:
    run_import(db, GOOD)
    before = fingerprint(db)
    calls: list[int] = []
    original = bulk.analyse_texts
    monkeypatch.setattr(bulk, "analyse_texts",
                        lambda texts, llm=None: calls.append(len(texts)) or original(texts, llm))

    summary = run_import(db, GOOD)

    assert fingerprint(db) == before
    assert all(f.inserted == f.updated == 0 and f.unchanged == f.read for f in summary.files)
    assert calls == []  # unchanged comments are not analysed again


def test_changed_rows_are_updated_in_place_and_only_changed_texts_reanalysed(
    db: Database, tmp_path: Path, monkeypatch
) -> None:
    run_import(db, GOOD)
    folder = tmp_path / "changed"
    shutil.copytree(GOOD, folder)
    lines = (folder / "feedback.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["content"]["comment"] = "Reporting is slow and the mobile app keeps crashing"
    lines[0] = json.dumps(first)
    (folder / "feedback.jsonl").write_text("\n".join(lines) + "\n")
    accounts = (folder / "accounts.csv").read_text()
    (folder / "accounts.csv").write_text(accounts.replace("beta,180000", "beta,190000"))
    seen: list[str] = []
    original = bulk.analyse_texts
    monkeypatch.setattr(bulk, "analyse_texts",
                        lambda texts, llm=None: seen.extend(texts) or original(texts, llm))

    summary = run_import(db, folder)

    assert per_file(summary)["feedback.jsonl"] == (6, 0, 1, 5, 0)
    assert per_file(summary)["accounts.csv"] == (3, 0, 1, 2, 0)
    assert seen == ["Reporting is slow and the mobile app keeps crashing"]
    assert counts(db)["feedback"] == 6
    with db.session() as session:
        assert session.get(tables.AccountRow, "beta").arr == 190000  # type: ignore[union-attr]
        hashes = session.scalars(select(tables.CommentAnalysisRow.content_hash).where(
            tables.CommentAnalysisRow.feedback_id == "fb-1")).all()
    assert hashes == [bulk.content_hash(seen[0])]


def test_bad_rows_reject_the_whole_import_and_leave_the_database_unchanged(db: Database) -> None:
    run_import(db, GOOD)
    before = fingerprint(db)

    with pytest.raises(ImportFailed) as failure:
        run_import(db, BAD)

    assert failure.value.errors == BAD_LINES
    assert "6 bad row(s); nothing was imported" in str(failure.value)
    assert fingerprint(db) == before


def test_bad_rows_on_an_empty_database_write_nothing(db: Database) -> None:
    with pytest.raises(ImportFailed):
        run_import(db, BAD)
    assert set(counts(db).values()) == {0}


def test_skip_invalid_imports_good_rows_and_writes_the_rejects(
    db: Database, tmp_path: Path
) -> None:
    rejects = tmp_path / "out" / "rejects.jsonl"

    summary = run_import(db, BAD, skip_invalid=True, rejects_path=rejects)

    assert summary.rejected == 6 and summary.rejects_path == rejects
    assert summary.errors == BAD_LINES
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [f"{e['file']}:{e['line']}: {e['reason']}" for e in entries] == BAD_LINES
    assert entries[1]["record"]["id"] == "bad-nps"  # the record itself, to fix and re-import
    stored = counts(db)
    assert (stored["accounts"], stored["people"], stored["feedback"], stored["usage_weeks"]) == (
        1, 1, 1, 1)


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("feedback.jsonl", '{"accountId": "acme", "content": {"type": "csat", "score": 6}, '
         '"submittedAt": "2026-01-01"}',
         "feedback.jsonl:1: content.score: CSAT must be 1-5, got 6"),
        ("feedback.jsonl", '{"accountId": "acme", oops}',
         "feedback.jsonl:1: record: malformed JSON (Expecting property name enclosed in double "
         "quotes at column 23)"),
        ("feedback.jsonl", '{"accountId": "acme", "respondent": {"role": "champion"}, "content": '
         '{"type": "pulse_check", "renewalLikelihood": 7}, "submittedAt": "2026-01-01"}',
         "feedback.jsonl:1: content.renewalLikelihood: must be 1-5, got 7"),
        ("feedback.jsonl", '{"accountId": "acme", "content": {"type": "nps", "score": 8}}',
         "feedback.jsonl:1: submittedAt: required"),
        ("usage.csv", "account_id,user_id,week,logins\nacme,u1,2026-01-07,3",
         "usage.csv:2: week: 2026-01-07 is a Wednesday; expected the Monday of the week"),
        ("usage.csv", "account_id,user_id,week,logins\nbeta,u1,2026-01-05,3",
         "usage.csv:2: user_id: user 'u1' belongs to account 'acme', not 'beta'"),
        ("usage.csv", "account_id,user_id,week\nacme,u1,2026-01-05",
         "usage.csv:1: header: required column(s) missing: logins; the header has account_id, "
         "user_id, week"),
        ("users.csv", "user_id,account_id,role\nu2,zeta,admin",
         "users.csv:2: account_id: unknown account 'zeta' (not in the database nor in "
         "accounts.csv)"),
        ("accounts.csv", "account_id,name,arr\nc1,C One,lots",
         "accounts.csv:2: arr: expected a number, got 'lots'"),
        ("accounts.csv", "account_id,name,arr\n,No Id,100",
         "accounts.csv:2: account_id: required"),
        ("touchpoints.csv", "account_id,kind,at,sentiment\nacme,ebr,2026-01-01,3",
         "touchpoints.csv:2: sentiment: must be between -1 and 1, got 3"),
        ("renewals.csv", "account_id,date,outcome\nacme,2026-02-30,renewed",
         "renewals.csv:2: date: '2026-02-30' is not a date; expected YYYY-MM-DD"),
    ],
)
def test_each_kind_of_bad_row_is_reported_precisely(
    sqlite_db: Database, tmp_path: Path, file: str, content: str, expected: str
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "accounts.csv").write_text("account_id,name,arr\nacme,Acme Corp,240000\nbeta,Beta,1\n")
    (base / "users.csv").write_text("user_id,account_id,role\nu1,acme,champion\n")
    run_import(sqlite_db, base)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / file).write_text(content + "\n")

    with pytest.raises(ImportFailed) as failure:
        run_import(sqlite_db, folder)

    assert failure.value.errors == [expected]


def test_a_folder_without_import_files_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no import files"):
        run_import(sqlite_db, tmp_path)
    with pytest.raises(ImportFailed, match="is not a folder"):
        run_import(sqlite_db, tmp_path / "missing")


def test_absent_optional_columns_keep_stored_values(sqlite_db: Database, tmp_path: Path) -> None:
    run_import(sqlite_db, GOOD)
    (tmp_path / "accounts.csv").write_text("account_id,name,arr\nacme,Acme Corporation,240000\n")

    summary = run_import(sqlite_db, tmp_path)

    assert per_file(summary)["accounts.csv"] == (1, 0, 1, 0, 0)
    with sqlite_db.session() as session:
        acme = session.get(tables.AccountRow, "acme")
        assert acme is not None
        assert (acme.name, acme.csm, acme.users_licensed) == ("Acme Corporation", "U0CSM1", 50)


def _cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("account-health")
    env = os.environ | {"DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_cli_import_good_then_bad(db: Database, database_url: str, tmp_path: Path) -> None:
    good = _cli("import", str(GOOD), database_url=database_url)
    assert good.returncode == 0, good.stderr
    assert "feedback.jsonl" in good.stdout and "inserted" in good.stdout
    before = fingerprint(db)

    bad = _cli("import", str(BAD), database_url=database_url)

    assert bad.returncode == 1
    assert bad.stderr.splitlines()[:6] == BAD_LINES
    assert "error: 6 bad row(s); nothing was imported" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert fingerprint(db) == before

    rejects = tmp_path / "rejects.jsonl"
    skipped = _cli("import", str(BAD), "--skip-invalid", "--rejects", str(rejects),
                   database_url=database_url)
    assert skipped.returncode == 0, skipped.stderr
    assert str(rejects) in skipped.stdout.replace("\n", "")
    assert len(rejects.read_text().splitlines()) == 6


def test_cli_reports_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    result = _cli("import", str(GOOD),
                  database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot open database postgresql+psycopg://nobody@")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_generate_then_import_twice_changes_nothing_the_second_time(
    sqlite_db: Database, tmp_path: Path
) -> None:
    url = sqlite_db.url.render_as_string(hide_password=False)
    folder = tmp_path / "portfolio"
    generated = _cli("generate", str(folder), "--accounts", "5", "--seed", "3",
                     "--as-of", "2026-01-31", database_url=url)
    assert generated.returncode == 0, generated.stderr
    first = _cli("import", str(folder), database_url=url)
    assert first.returncode == 0, first.stderr
    before = fingerprint(sqlite_db)
    assert counts(sqlite_db)["feedback"] > 0 and counts(sqlite_db)["comment_analysis"] > 0

    second = _cli("import", str(folder), database_url=url)

    assert second.returncode == 0, second.stderr
    assert fingerprint(sqlite_db) == before
