"""Alembic environment: runs on the connection that `storage.db` hands over.

Configured in code (`storage.db.migration_config`), so there is no alembic.ini and
migrations work from an installed package. Without a connection (the `alembic`
command line), it connects to the DATABASE_URL setting.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from account_health.storage import delivery_tables  # noqa: F401 - its tables join Base
from account_health.storage.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from account_health.config import load_settings

    engine = create_engine(load_settings().database_url)
    with engine.connect() as own_connection:
        _run(own_connection)
    engine.dispose()


_run_online()
