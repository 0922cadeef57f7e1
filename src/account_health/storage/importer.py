"""The import: a folder of CSV and JSON-lines files into the database (CONTRACT section 1).

Files are read in dependency order (accounts, users, then what refers to them) and
streamed in batches inside ONE transaction, in two phases: the load (bulk upserts, no text
analysis) and then the text analysis of every response text not yet analysed, each distinct
text once (see `bulk.CommentAnalyser`), so the import still ends with everything analysed.
Each record is validated (pydantic, see `validation.py`; clean usage rows take a fast path
with the same result) and checked against the accounts and people known so far (the
database plus this import). A bad record becomes `FILE:LINE: field: reason`.

By default one bad record rejects everything: writing stops, the remaining records
are still checked so that every problem is reported, and the transaction is rolled
back. With `skip_invalid`, good records are committed and bad ones go to a rejects
file (JSON lines: file, line, reason, record).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from account_health.storage import tables
from account_health.storage.bulk import (
    ANALYSIS_BATCH,
    CommentAnalyser,
    Row,
    TableWriter,
    WriteCounts,
    analyse_feedback,
    pending_feedback_ids,
)
from account_health.storage.db import Database
from account_health.storage.validation import (
    InvalidRecord,
    unknown_feedback_keys,
    validate_account,
    validate_feedback,
    validate_outcome,
    validate_renewal,
    validate_touchpoint,
    validate_usage,
    validate_user,
)

BATCH_SIZE = 5000
MAX_ERRORS_KEPT = 10_000  # reported in full up to here; all of them go to the rejects file


class ImportFailed(Exception):
    """The import was refused (bad rows, or no readable folder); the database is unchanged."""

    def __init__(self, message: str, errors: list[str] | None = None,
                 summary: ImportSummary | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
        self.summary = summary


@dataclass
class FileSummary:
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportSummary:
    directory: Path
    files: list[FileSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # FILE:LINE: field: reason (first ones)
    rejected: int = 0
    rejects_path: Path | None = None
    comments_analysed: int = 0  # distinct texts analysed now
    comments_reused: int = 0  # distinct texts whose stored analysis was copied
    comments_in_background: int = 0  # of comments_analysed: while the rows were loading
    comments_total: int = 0  # texts (comments and concerns) whose analysis was stored
    seconds: float = 0.0
    load_seconds: float = 0.0
    analysis_seconds: float = 0.0  # the phase after the load
    analysis_span_seconds: float = 0.0  # from the first text analysed in the background

    @property
    def changed(self) -> int:
        return sum(f.inserted + f.updated for f in self.files)


@dataclass(frozen=True)
class _FileSpec:
    name: str
    table: Table
    validate: Callable[[Mapping[str, Any]], Row]
    required: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # every column the format knows (CSV only)
    renames: tuple[tuple[str, str], ...] = ()  # CSV column -> table column, where they differ
    fast: Callable[[Mapping[str, Any]], Row | None] | None = None  # see fast_usage

    @property
    def is_csv(self) -> bool:
        return self.name.endswith(".csv")


_USAGE_COUNTS = ("logins", "features_used", "new_features_adopted")


def fast_usage(record: Mapping[str, Any]) -> Row | None:
    """`validate_usage(record)` for a plainly clean row (most of millions), else None.

    Only exact, unambiguous values are taken here (ids without surrounding spaces, an ISO
    Monday, counts of ASCII digits); anything else returns None and `validate_usage`
    decides, with its own messages, so errors read exactly as before.
    """
    account, person, week = record.get("account_id"), record.get("user_id"), record.get("week")
    if not (isinstance(account, str) and isinstance(person, str) and isinstance(week, str)
            and account == account.strip() and person == person.strip()
            and len(week) == 10 and week[4] == "-" and week[7] == "-"):
        return None
    counts = []
    for name in _USAGE_COUNTS:
        value = record.get(name)
        if value is None and name != "logins":
            counts.append(None)
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            counts.append(int(value))
        else:
            return None
    try:
        monday = date.fromisoformat(week)
    except ValueError:
        return None
    if monday.weekday() != 0:
        return None
    return {"account_id": account, "week": monday, "logins": counts[0],
            "features_used": counts[1], "new_features_adopted": counts[2],
            "person_id": person}


SPECS: tuple[_FileSpec, ...] = (
    _FileSpec("accounts.csv", tables.AccountRow.__table__, validate_account,
              ("account_id", "name", "arr"),
              ("account_id", "name", "arr", "contract_value", "users_licensed", "renewal_date",
               "segment", "csm", "channel"), (("account_id", "id"),)),
    _FileSpec("users.csv", tables.PersonRow.__table__, validate_user,
              ("user_id", "account_id", "role"),
              ("user_id", "account_id", "name", "email", "role", "title", "slack_user_id",
               "active", "last_login", "left_at"), (("user_id", "id"),)),
    _FileSpec("feedback.jsonl", tables.FeedbackRow.__table__, validate_feedback),
    _FileSpec("usage.csv", tables.UsageWeekRow.__table__, validate_usage,
              ("account_id", "user_id", "week", "logins"),
              ("account_id", "user_id", "week", "logins", "features_used",
               "new_features_adopted"), (("user_id", "person_id"),), fast_usage),
    _FileSpec("touchpoints.csv", tables.TouchpointRow.__table__, validate_touchpoint,
              ("account_id", "kind", "at"),
              ("account_id", "user_id", "kind", "at", "response_hours", "sentiment", "note"),
              (("user_id", "person_id"),)),
    _FileSpec("outcomes.csv", tables.OutcomeRow.__table__, validate_outcome,
              ("account_id", "at", "kind"), ("account_id", "at", "kind", "value")),
    _FileSpec("renewals.csv", tables.RenewalRow.__table__, validate_renewal,
              ("account_id", "date", "outcome"), ("account_id", "date", "outcome", "arr_after")),
)
KNOWN_FILES = tuple(spec.name for spec in SPECS)


def import_directory(db: Database, directory: Path, *, skip_invalid: bool = False,
                     rejects_path: Path | None = None, progress: bool = True) -> ImportSummary:
    """Import every known file of `directory`; raises ImportFailed when nothing was written."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFailed(f"{directory} is not a folder; expected a folder with "
                           f"{', '.join(KNOWN_FILES)}")
    present = [spec for spec in SPECS if (directory / spec.name).is_file()]
    if not present:
        raise ImportFailed(f"no import files in {directory}; expected one or more of "
                           f"{', '.join(KNOWN_FILES)}")
    summary = ImportSummary(directory=directory)
    summary.warnings += [
        f"{path.name}: ignored (not one of the import files)"
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name not in KNOWN_FILES and not path.name.startswith(".")
    ]
    if skip_invalid and rejects_path is None:
        rejects_path = Path(f"import-rejects-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl")
    started = time.perf_counter()
    with db.engine.connect() as connection, _bulk_settings(connection):
        run = _ImportRun(connection, summary, skip_invalid, rejects_path, progress)
        try:
            with connection.begin() as transaction:
                run.load(directory, present)
                summary.load_seconds = time.perf_counter() - started
                if summary.rejected and not skip_invalid:
                    transaction.rollback()
                else:
                    run.analyse_texts()
                    finished = time.perf_counter()
                    summary.analysis_seconds = finished - started - summary.load_seconds
                    background = run.analyser.background_since
                    summary.analysis_span_seconds = (
                        summary.analysis_seconds if background is None
                        else finished - background)
        finally:
            run.close_rejects()
            run.analyser.close()
    summary.seconds = time.perf_counter() - started
    summary.comments_analysed = run.analyser.analysed
    summary.comments_reused = run.analyser.reused
    summary.comments_in_background = run.analyser.in_background
    summary.comments_total = run.analyser.texts
    if summary.rejected and not skip_invalid:
        for file_summary in summary.files:
            file_summary.inserted = file_summary.updated = file_summary.unchanged = 0
        raise ImportFailed(
            f"{summary.rejected} bad row(s); nothing was imported, the database is unchanged "
            "(fix them, or use --skip-invalid to import the good rows)",
            summary.errors, summary,
        )
    return summary


IMPORT_CACHE_KIB = 256 * 1024  # SQLite page cache while importing (the default is 2 MiB)


@contextmanager
def _bulk_settings(connection: Connection) -> Iterator[None]:
    """A large SQLite page cache for the import's connection (B-tree inserts of millions of
    rows stay in memory), restored afterwards; durability is unchanged (WAL, synchronous
    NORMAL, as every connection)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    connection.commit()
    try:
        yield
    finally:
        if not connection.closed and not connection.invalidated:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")
            connection.commit()


class _ImportRun:
    """The state of one import: what exists, what was rejected, where rejects go."""

    def __init__(self, connection: Connection, summary: ImportSummary, skip_invalid: bool,
                 rejects_path: Path | None, progress: bool) -> None:
        self.connection = connection
        self.summary = summary
        self.skip_invalid = skip_invalid
        self.rejects_path = rejects_path
        self._rejects: IO[str] | None = None
        self.analyser = CommentAnalyser(connection)
        self.written_feedback: list[str] = []  # ids of responses inserted or changed
        self.accounts: set[str] = set()
        self.people: dict[str, tuple[str, str]] = {}  # id -> (account id, role)
        self.bytes_read = 0  # of the current file, for the progress bar
        self.header: list[str] | None = None  # of the current CSV file
        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description:<16}"), BarColumn(), TaskProgressColumn(),
            TimeRemainingColumn(), console=console, transient=True,
            disable=not (progress and console.is_terminal),
        )

    @property
    def writing(self) -> bool:
        """Stop writing after the first bad row unless bad rows are skipped."""
        return self.skip_invalid or self.summary.rejected == 0

    def load(self, directory: Path, specs: list[_FileSpec]) -> None:
        self.accounts = set(self.connection.scalars(select(tables.AccountRow.id)))
        if any(spec.name != "accounts.csv" for spec in specs):
            people = tables.PersonRow
            rows = self.connection.execute(select(people.id, people.account_id, people.role))
            self.people = {row.id: (row.account_id, row.role) for row in rows}
        if any(spec.name == "feedback.jsonl" for spec in specs):
            # new comments are embedded by a background process while the rest loads
            from account_health.text.store import activate_stored_catalogue

            with Session(bind=self.connection) as session:
                activate_stored_catalogue(session)
            self.analyser.start_prefetching()
        with self.progress:
            for spec in specs:
                self._load_file(directory / spec.name, spec)
        self.analyser.stop_prefetching()

    def _load_file(self, path: Path, spec: _FileSpec) -> None:
        file_summary = FileSummary(spec.name)
        self.summary.files.append(file_summary)
        writer = TableWriter(self.connection, spec.table)
        task = self.progress.add_task(spec.name, total=path.stat().st_size or 1)
        batch: list[Row] = []
        records = _csv_records(path, spec, self) if spec.is_csv else _json_records(path, self)
        omitted: set[str] | None = None
        for line, record, problem in records:
            file_summary.read += 1
            try:
                if problem:
                    raise InvalidRecord([problem])
                row = (spec.fast and spec.fast(record)) or spec.validate(record)
                self._check_references(spec.name, row)
                if spec.is_csv:
                    omitted = _omitted_columns(spec, self.header) if omitted is None else omitted
                    row = {key: value for key, value in row.items() if key not in omitted}
            except InvalidRecord as error:
                file_summary.rejected += 1
                self._reject(spec.name, line, str(error), record)
                continue
            self._remember(spec.name, row)
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                self._flush(writer, spec, batch, file_summary)
                self.progress.update(task, completed=self.bytes_read)
                batch = []
        self._flush(writer, spec, batch, file_summary)
        self.progress.update(task, completed=path.stat().st_size or 1)

    def _flush(self, writer: TableWriter, spec: _FileSpec, batch: list[Row],
               file_summary: FileSummary) -> None:
        if not batch or not self.writing:
            return
        counts, written = writer.write(batch)
        _add(file_summary, counts)
        if spec.name == "feedback.jsonl":
            self.written_feedback.extend(row["id"] for row in written)
            self.analyser.prefetch(written)

    def analyse_texts(self) -> None:
        """The second phase: every response text written now or never analysed, each
        distinct text once, assigned to the stored theme catalogue."""
        from account_health.text.store import activate_stored_catalogue

        pending = list(dict.fromkeys(self.written_feedback
                                     + pending_feedback_ids(self.connection)))
        if not pending:
            return
        with Session(bind=self.connection) as session:
            activate_stored_catalogue(session)
        task = self.progress.add_task("text analysis", total=len(pending))
        with self.progress:
            for start in range(0, len(pending), ANALYSIS_BATCH):
                chunk = pending[start:start + ANALYSIS_BATCH]
                analyse_feedback(self.connection, chunk, self.analyser)
                self.progress.update(task, advance=len(chunk))

    def _check_references(self, file: str, row: Row) -> None:
        account_field = "accountId" if file == "feedback.jsonl" else "account_id"
        if file != "accounts.csv" and row["account_id"] not in self.accounts:
            raise InvalidRecord([(account_field, f"unknown account {row['account_id']!r} "
                                  "(not in the database nor in accounts.csv)")])
        person = row.get("person_id")
        if file in {"usage.csv", "touchpoints.csv"} and person is not None:
            known = self.people.get(person)
            if known is None:
                raise InvalidRecord([("user_id", f"unknown user {person!r} "
                                      "(not in the database nor in users.csv)")])
            if known[0] != row["account_id"]:
                raise InvalidRecord([("user_id", f"user {person!r} belongs to account "
                                      f"{known[0]!r}, not {row['account_id']!r}")])
        if file == "feedback.jsonl" and row["role"] is None and person in self.people:
            row["role"] = self.people[person][1]  # the role the CRM gives, when the survey has none

    def _remember(self, file: str, row: Row) -> None:
        if file == "accounts.csv":
            self.accounts.add(row["id"])
        elif file == "users.csv":
            self.people[row["id"]] = (row["account_id"], row["role"])

    def _reject(self, file: str, line: int, reason: str, record: Any) -> None:
        self.summary.rejected += 1
        message = f"{file}:{line}: {reason}"
        if len(self.summary.errors) < MAX_ERRORS_KEPT:
            self.summary.errors.append(message)
        if self.rejects_path is None:
            return
        if self._rejects is None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            self._rejects = self.rejects_path.open("w", encoding="utf-8")
            self.summary.rejects_path = self.rejects_path
        entry = {"file": file, "line": line, "reason": reason, "record": record}
        self._rejects.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def warn(self, message: str) -> None:
        self.summary.warnings.append(message)

    def close_rejects(self) -> None:
        if self._rejects is not None:
            self._rejects.close()


def _omitted_columns(spec: _FileSpec, header: list[str] | None) -> set[str]:
    """Table columns of CSV columns absent from the file: stored values there are kept."""
    renames = dict(spec.renames)
    present = set(header or ())
    return {renames.get(name, name) for name in spec.columns if name not in present}


def _add(file_summary: FileSummary, counts: WriteCounts) -> None:
    file_summary.inserted += counts.inserted
    file_summary.updated += counts.updated
    file_summary.unchanged += counts.unchanged


Record = tuple[int, Any, tuple[str, str] | None]  # line, record as read, problem if unreadable


def _lines(path: Path, run: _ImportRun, bad_lines: set[int]) -> Iterator[str]:
    """The file's lines as text, counting bytes for the progress bar; bad UTF-8 is noted."""
    run.bytes_read = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            run.bytes_read += len(raw)
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                text = raw.decode("utf-8", errors="replace")
            yield text


def _csv_records(path: Path, spec: _FileSpec, run: _ImportRun) -> Iterator[Record]:
    bad_lines: set[int] = set()
    reader = csv.reader(_lines(path, run, bad_lines))
    header = next(reader, None)
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    run.header = names
    unknown = [name for name in names if name and name not in spec.columns]
    if unknown:
        run.warn(f"{spec.name}: ignored unknown column(s): {', '.join(unknown)}")
    missing = [name for name in spec.required if name not in names]
    if missing:
        reason = (f"required column(s) missing: {', '.join(missing)}; "
                  f"the header has {', '.join(names)}")
        yield 1, {"header": header}, ("header", reason)
        return
    known = [(index, name) for index, name in enumerate(names) if name in spec.columns]
    end = reader.line_num
    for cells in reader:
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        record = {name: cells[index] for index, name in known
                  if index < len(cells) and cells[index].strip()}
        if bad_lines.intersection(range(start, end + 1)):
            yield start, record, ("record", "not valid UTF-8 text")
        elif len(cells) > len(names):
            yield start, record, ("record", f"{len(cells)} cells but the header has {len(names)}")
        else:
            yield start, record, None


def _json_records(path: Path, run: _ImportRun) -> Iterator[Record]:
    bad_lines: set[int] = set()
    unknown_seen: set[str] = set()
    for number, text in enumerate(_lines(path, run, bad_lines), start=1):
        if not text.strip():
            continue
        if number in bad_lines:
            yield number, text.rstrip("\n"), ("record", "not valid UTF-8 text")
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            yield number, text.rstrip("\n"), (
                "record", f"malformed JSON ({error.msg} at column {error.colno})")
            continue
        if isinstance(record, dict):
            fresh = [key for key in unknown_feedback_keys(record) if key not in unknown_seen]
            if fresh:
                unknown_seen.update(fresh)
                run.warn(f"{path.name}:{number}: ignored unknown key(s): {', '.join(fresh)}")
        yield number, record, None
