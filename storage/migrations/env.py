"""Alembic environment: runs on the connection that ``storage.migrate`` hands over.

There is no ``alembic.ini``: ``storage.migrate`` builds the configuration in code and puts
an open connection (already inside its transaction) in ``config.attributes``. Running the
``alembic`` command line against this folder is not supported; use ``baohatinh db upgrade``.
"""

from __future__ import annotations

from alembic import context

from storage.models import SEARCH_TABLE, Base


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the per-database search table (and FTS5's shadow tables) to the migrations."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


def run_migrations() -> None:
    """Run the pending migrations on the handed-over connection."""
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError("run migrations through storage.migrate.upgrade(engine)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        # SQLite cannot ALTER most things: later revisions rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
