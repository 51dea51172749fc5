"""Engine set-up: one ``make_engine(url)`` for SQLite files and PostgreSQL servers.

SQLite gets WAL (readers never block the crawler's writes), foreign keys on, a busy
timeout, and real transactions: the ``sqlite3`` module's own implicit transaction handling
is switched off and SQLAlchemy's ``begin`` emits ``BEGIN`` itself, so DDL in migrations and
SAVEPOINTs behave. Writers ask for ``BEGIN IMMEDIATE`` (see ``WRITE``) so that a
transaction which reads and then writes cannot fail half-way on a lock upgrade.

An SQLite archive nobody may write (a read-only file in a read-only folder, or on a
read-only file system: a copy handed to researchers on a share or disc) is opened
read-only: WAL would otherwise need to create its shared-memory file beside it, and every
search would fail.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from scraper.errors import StoreError

__all__ = ["database_errors", "is_read_only", "make_engine", "normalize_url", "safe_url",
           "sqlite_path", "WRITE", "write_session"]

# Execution option that marks a connection as a writer (SQLite: BEGIN IMMEDIATE).
WRITE = {"baohatinh_write": True}

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Seconds libpq waits for a PostgreSQL server to answer a new connection (unless the URL
# sets connect_timeout itself).
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10


def normalize_url(url: str) -> URL:
    """Return ``url`` as an SQLAlchemy URL with the driver this project uses.

    ``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://``; a bare file
    path (no ``scheme://``) is taken as an SQLite file. Raises ``StoreError`` (naming the
    URL, password hidden) for a URL that cannot be parsed (a port that is not a number, a
    NUL character) or names a database this project does not support.
    """
    text = url.strip()
    if "\x00" in text:
        raise StoreError(f"{_shown(text)}: not a database URL (it holds a NUL character)")
    if "://" not in text and text:
        return URL.create("sqlite", database=text)
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"{_shown(text)}: not a database URL") from exc
    except ValueError as exc:  # SQLAlchemy reads the port with int()
        detail = "its port is not a number" if "int()" in str(exc) else str(exc)
        raise StoreError(f"{_shown(text)}: not a database URL ({detail})") from exc
    parts = (parsed.username, parsed.password, parsed.host, parsed.database,
             *(str(value) for value in parsed.query.values()))
    if any("\x00" in part for part in parts if part):  # %00: no driver takes it
        raise StoreError(f"{_shown(text)}: not a database URL (it holds a NUL character, %00)")
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):  # no driver named: ours
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise StoreError(f"{safe_url(parsed)}: unsupported database (use sqlite or postgresql)")


def safe_url(url: URL | str) -> str:
    """Return ``url`` as text with its password hidden, for messages."""
    if isinstance(url, URL):
        path = sqlite_path(url)
        if path is not None and is_read_only(url):  # opened so by us: name the file
            return f"sqlite:///{path} (read-only)"
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


# The password of ``scheme://user:password@host``, as SQLAlchemy reads one (no "@" in it).
_PASSWORD = re.compile(r"^([^:/?#]*://[^:/@]*:)[^@]*@")


def _shown(text: str) -> str:
    """Return a URL that could not be parsed, quoted for a message, password hidden."""
    return repr(_PASSWORD.sub(r"\1***@", text))


def sqlite_path(url: URL) -> Path | None:
    """Return the file an SQLite URL points at, or ``None`` for an in-memory database."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):  # URI form: sqlite:///file:path?uri=true
        return Path(unquote(database[len("file:") :].split("?", 1)[0]))
    return Path(database)


# Vietnamese text stays readable (and smaller) in JSON columns. One encoder for every
# value: json.dumps(value, ensure_ascii=False) builds a new one per call (its settings are
# not the default ones), which cost as much as encoding a short list of tags.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_text(value: Any) -> str:
    """Return ``json.dumps(value, ensure_ascii=False)``: how JSON columns are written."""
    return _JSON_ENCODER.encode(value)


def make_engine(url: str) -> Engine:
    """Return an engine for ``url`` (SQLite file or PostgreSQL), configured for the archive.

    Raises ``StoreError`` if the URL is malformed, names an unsupported database, its
    driver is missing, or an SQLite file's folder does not exist. No connection is opened.
    """
    parsed = normalize_url(url)
    options: dict[str, Any] = {"json_serializer": json_text}
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_folder(parsed)
        parsed = _read_only_if_unwritable(parsed)
    else:
        options["pool_pre_ping"] = True  # survive a server restart between crawls
        if "connect_timeout" not in parsed.query:
            # A server that takes the connection and never answers (a firewall dropping
            # its packets) held a cron crawl forever: libpq waits without end by default.
            options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    try:
        engine = create_engine(parsed, **options)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"{safe_url(parsed)}: cannot create engine ({exc})") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _check_sqlite_folder(url: URL) -> None:
    path = sqlite_path(url)
    if path is not None and not path.expanduser().absolute().parent.is_dir():
        raise StoreError(f"{path}: folder does not exist (SQLite creates the file, not folders)")


def _read_only_if_unwritable(url: URL) -> URL:
    """Return ``url``, or for an existing SQLite file that nobody may write a URL opening
    it read-only (see ``_nobody_writes``)."""
    path = sqlite_path(url)
    if path is None or is_read_only(url) or not path.is_file() or not _nobody_writes(path):
        # A file someone may write (a crawler owning it while ``serve`` runs as another
        # user) is opened as it is: SQLite falls back to reading it, and sees their
        # commits; an immutable open would not, for the life of the process.
        return url
    # Nobody writes it, so "immutable" is safe: no lock, no shared-memory file. A WAL
    # file left beside it (copied while a crawl wrote) holds commits only a read-only
    # open reads, where SQLite can. The path is quoted: it is read as a URI.
    wal = path.with_name(path.name + "-wal")
    flag = {"mode": "ro"} if wal.exists() else {"immutable": "1"}
    database = f"file:{quote(str(path.absolute()))}"
    return URL.create("sqlite", database=database, query={**flag, "uri": "true"})


def _nobody_writes(path: Path) -> bool:
    """True when nobody may write ``path``: on a read-only file system (a disc, a share
    mounted read-only), or with no write permission for anyone on the file and its folder
    (a copy handed to researchers; root aside)."""
    with suppress(OSError):
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    anyone = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    folder = path.absolute().parent
    return not path.stat().st_mode & anyone and not folder.stat().st_mode & anyone


def is_read_only(url: URL) -> bool:
    """True for an SQLite URL that opens its file read-only (``mode=ro`` or immutable)."""
    return url.get_backend_name() == "sqlite" and (
        url.query.get("mode") == "ro" or url.query.get("immutable") == "1"
    )


def _configure_sqlite(engine: Engine) -> None:
    """Install the connect and begin hooks that make SQLite behave (see module docstring)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if sqlite_path(engine.url) is not None and not is_read_only(engine.url):  # a file
                cursor.execute("PRAGMA journal_mode = WAL")
                # With WAL, NORMAL loses no committed data on a crash, only on power loss.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writer = connection.get_execution_options().get("baohatinh_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


@contextmanager
def database_errors(url: URL | str, action: str) -> Iterator[None]:
    """Turn SQLAlchemy errors raised inside the block into ``StoreError``.

    The message names the database (password hidden), what was being done, and the
    driver's own words; "file is not a database" names the SQLite file instead.
    """
    try:
        yield
    except StoreError:
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise StoreError(_describe(url, action, exc)) from exc


def _describe(url: URL | str, action: str, exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if "file is not a database" in detail or "file is encrypted" in detail:
        parsed = make_url(url) if isinstance(url, str) else url
        return f"{sqlite_path(parsed)}: not an SQLite database ({detail})"
    if "database or disk is full" in detail:
        return (
            f"{safe_url(url)}: {action} failed: the disk (or the database's size limit) is "
            "full; nothing of this write was kept"
        )
    return f"{safe_url(url)}: {action} failed: {detail}"


@contextmanager
def write_session(writer: Engine, action: str) -> Iterator[Session]:
    """One ORM write transaction on ``writer`` (an engine with ``WRITE`` options): committed
    on success, rolled back on any error, which is mapped to ``StoreError`` naming
    ``action``."""
    with (
        database_errors(writer.url, action),
        Session(writer, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session
