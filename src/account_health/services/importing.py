"""Use case: import a folder of export files into the database (CONTRACT section 1)."""

from __future__ import annotations

from pathlib import Path

from account_health.storage.db import open_database
from account_health.storage.importer import ImportFailed, ImportSummary, import_directory

__all__ = ["ImportFailed", "ImportSummary", "import_folder"]


def import_folder(directory: Path, *, database_url: str | None = None, skip_invalid: bool = False,
                  rejects_path: Path | None = None, progress: bool = True) -> ImportSummary:
    """Open (and migrate) the database, import `directory`, close. Raises ImportFailed."""
    db = open_database(database_url)
    try:
        return import_directory(db, directory, skip_invalid=skip_invalid,
                                rejects_path=rejects_path, progress=progress)
    finally:
        db.dispose()
