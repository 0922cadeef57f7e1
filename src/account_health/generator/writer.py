"""Streams generated rows to the import-format files (CONTRACT section 1) as they are made."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts.csv": (
        "account_id",
        "name",
        "arr",
        "contract_value",
        "users_licensed",
        "renewal_date",
        "segment",
        "csm",
        "channel",
    ),
    "users.csv": (
        "user_id",
        "account_id",
        "name",
        "email",
        "role",
        "title",
        "slack_user_id",
        "active",
        "last_login",
        "left_at",
    ),
    "usage.csv": (
        "account_id",
        "user_id",
        "week",
        "logins",
        "features_used",
        "new_features_adopted",
    ),
    "touchpoints.csv": (
        "account_id",
        "user_id",
        "kind",
        "at",
        "response_hours",
        "sentiment",
        "note",
    ),
    "outcomes.csv": ("account_id", "at", "kind", "value"),
    "renewals.csv": ("account_id", "date", "outcome", "arr_after"),
}
FEEDBACK_FILE = "feedback.jsonl"
TRUTH_DIR = ".truth"
TRUTH_FILE = "accounts.csv"
TRUTH_COLUMNS = (
    "account_id",
    "name",
    "trajectory",
    "churned",
    "churn_date",
    "renewal_outcome",
    "renewal_date",
    "subtle",
    "planted",
    "severity",
    "notes",
)
_TRUTH_KEY = f"{TRUTH_DIR}/{TRUTH_FILE}"
FILES: tuple[str, ...] = (
    "accounts.csv",
    "users.csv",
    FEEDBACK_FILE,
    "usage.csv",
    "touchpoints.csv",
    "outcomes.csv",
    "renewals.csv",
)


class PortfolioWriter:
    """Open files for one portfolio; counts the rows written to each.

    Files are written under temporary names and renamed into place on a clean close, so an
    interrupted run never leaves a half-written portfolio that looks complete.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counts: dict[str, int] = dict.fromkeys(FILES, 0)
        self._handles: dict[str, TextIO] = {}
        self._csv: dict[str, Any] = {}

    def __enter__(self) -> PortfolioWriter:
        (self.out_dir / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
        for name in FILES:
            self._open(name, self.out_dir / name)
        self._open(_TRUTH_KEY, self.out_dir / TRUTH_DIR / TRUTH_FILE)
        for name, columns in CSV_COLUMNS.items():
            self._csv[name].writerow(columns)
        self._csv[_TRUTH_KEY].writerow(TRUTH_COLUMNS)
        return self

    def _open(self, key: str, path: Path) -> None:
        handle = open(_partial(path), "w", newline="", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
        self._handles[key] = handle
        self._csv[key] = csv.writer(handle, lineterminator="\n")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for handle in self._handles.values():
            handle.close()
        for key in self._handles:
            final = self.out_dir / key
            if kind is None:
                _partial(final).replace(final)
            else:
                _partial(final).unlink(missing_ok=True)

    def rows(self, name: str, rows: Sequence[Sequence[object]]) -> None:
        self._csv[name].writerows(rows)
        self.counts[name] += len(rows)

    def usage_lines(self, lines: Iterable[str], count: int) -> None:
        """Pre-formatted usage lines (the bulk of the data: formatting them here is too slow)."""
        self._handles["usage.csv"].writelines(lines)
        self.counts["usage.csv"] += count

    def feedback(self, records: Sequence[dict[str, Any]]) -> None:
        handle = self._handles[FEEDBACK_FILE]
        for record in records:
            handle.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            handle.write("\n")
        self.counts[FEEDBACK_FILE] += len(records)

    def truth(self, row: Sequence[object]) -> None:
        self._csv[_TRUTH_KEY].writerow(row)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")
