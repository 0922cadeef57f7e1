"""Opening the database: engine, sessions and migrations.

SQLite (the default) gets WAL mode, foreign keys and a busy timeout on every
connection; PostgreSQL uses psycopg 3. `open_database` migrates to the latest
Alembic revision, so every command works on an up-to-date schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from account_health.config import SettingsError, load_settings

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseUnavailable(SettingsError):
    """DATABASE_URL names a database that cannot be opened; the message is one line.

    A SettingsError so that every command already reports it as one line, exit 1.
    """


class Database:
    """An engine plus a session factory; `session()` is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url: URL = engine.url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Connect to `url` (default: the DATABASE_URL setting) and migrate it to the latest schema."""
    url = url or load_settings().database_url
    engine = _create_engine(url)
    try:
        with engine.connect() as connection:
            if migrate:
                _upgrade(connection)
                connection.commit()
    except DBAPIError as error:
        engine.dispose()
        raise DatabaseUnavailable(
            f"cannot open database {_safe(url)}: {_first_line(error.orig)}"
        ) from None
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseUnavailable(
            f"cannot open database {_safe(url)}: {_first_line(error)}"
        ) from None
    return Database(engine)


def migration_config(connection: Any | None = None) -> Config:
    """Alembic's configuration, built in code so that migrations run from an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Any) -> None:
    command.upgrade(migration_config(connection), "head")


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
    engine = create_engine(
        parsed, connect_args={"timeout": 30, "check_same_thread": False}, **options
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
