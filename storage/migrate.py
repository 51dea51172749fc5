"""Schema migrations driven from code: Alembic without an ``alembic.ini``.

``upgrade(engine)`` brings a database to the newest revision this code knows (creating
every table on a fresh database); ``check(engine)`` only verifies. A database stamped with
a revision this code does not know was written by a newer version of the project:
``SchemaMismatch`` says so rather than guessing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

from scraper.errors import SchemaMismatch

from .engine import WRITE, database_errors, is_read_only, safe_url

__all__ = ["alembic_config", "check", "current_revision", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed number: serialises concurrent upgrades of one PostgreSQL database.
_PG_UPGRADE_LOCK = 0x62616F68  # "baoh"


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """Return the newest schema revision this code knows."""
    head = _scripts().get_current_head()
    if head is None:  # a packaging fault, not a user error
        raise RuntimeError(f"{MIGRATIONS_DIR}/versions holds no revision")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the database's schema revision, or ``None`` for a database never migrated.

    Raises ``StoreError`` if the database cannot be read.
    """
    with database_errors(engine.url, "reading the schema revision"), engine.connect() as conn:
        return _revision_of(conn)


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check(engine: Engine) -> None:
    """Verify that the database is at the head revision, without changing it.

    Raises ``SchemaMismatch`` if it is behind (or empty) or ahead of this code.
    """
    revision = current_revision(engine)
    _refuse_unknown(engine, revision)
    if revision != head_revision():
        raise SchemaMismatch(
            f"{safe_url(engine.url)}: schema at revision {revision or 'none (empty database)'}"
            f", this code needs {head_revision()}: run `baohatinh db upgrade`"
        )


def upgrade(engine: Engine) -> str:
    """Migrate the database to the head revision and return it.

    Everything runs in one transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: under an
    advisory lock), so two processes opening a new archive at once do not collide. An
    archive at head already is only read: a search opening it must not wait behind a
    writer (a crawl's commit, ``db optimize``) for SQLite's write lock. Raises
    ``SchemaMismatch`` for a database newer than this code, ``StoreError`` if the
    database refuses.
    """
    revision = current_revision(engine)
    _refuse_unknown(engine, revision)
    if revision == head_revision():
        return revision
    if is_read_only(engine.url):
        raise SchemaMismatch(
            f"{safe_url(engine.url)}: schema at revision {revision or 'none (empty database)'}"
            f", this code needs {head_revision()}, and the archive cannot be written here: "
            "run `baohatinh db upgrade` on a copy that can"
        )
    with (
        database_errors(engine.url, "upgrading the schema"),
        engine.execution_options(**WRITE).begin() as conn,
    ):
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
        _refuse_unknown(engine, _revision_of(conn))
        config = alembic_config()
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:
            raise SchemaMismatch(f"{safe_url(engine.url)}: {exc}") from exc
    return head_revision()


def _refuse_unknown(engine: Engine, revision: str | None) -> None:
    if revision is None:
        return
    known = {script.revision for script in _scripts().walk_revisions()}
    if revision not in known:
        raise SchemaMismatch(
            f"{safe_url(engine.url)}: schema at revision {revision!r}, which this version "
            f"of baohatinh-archive does not know (newest known: {head_revision()}); "
            "the database was written by a newer version: upgrade baohatinh-archive"
        )
