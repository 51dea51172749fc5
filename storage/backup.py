"""``baohatinh db backup PATH``: a consistent copy of an SQLite archive, crawl or not.

SQLite's online backup API copies the database page by page inside one read
transaction; with WAL a running crawl keeps writing meanwhile and the copy holds the
archive exactly as it was when the backup began. The copy is written next to ``PATH``
under a temporary name, checked, and only then renamed into place, so a failed backup
never leaves a half-written file behind. PostgreSQL archives are backed up with
``pg_dump`` (see the README).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from scraper.errors import OutputError, StoreError

from .engine import sqlite_path
from .store import Store

__all__ = ["BackupResult", "backup_sqlite"]


@dataclass(frozen=True, slots=True)
class BackupResult:
    """Where the copy went, how big it is, and how many articles it holds."""

    path: Path
    bytes: int
    articles: int


def backup_sqlite(store: Store, destination: str | os.PathLike[str]) -> BackupResult:
    """Copy the SQLite archive of ``store`` to ``destination`` (a new file) and check it.

    Raises ``OutputError`` for an empty or existing destination, or one in no folder, and
    ``StoreError`` for a PostgreSQL archive (use pg_dump), a destination that cannot be
    written, or a copy that fails its integrity check.
    """
    source = sqlite_path(store.engine.url)
    if store.dialect != "sqlite" or source is None:
        raise StoreError(
            f"{store.url}: db backup copies SQLite files; back up PostgreSQL with pg_dump"
        )
    if not os.fspath(destination):  # Path("") is ".", which exists: say what is wrong
        raise OutputError("", "the backup path is empty; name a new file")
    target = Path(destination)
    if target.exists():
        raise OutputError(str(target), "it already exists; choose a new file for the backup")
    if not target.absolute().parent.is_dir():
        raise OutputError(str(target), "its folder does not exist")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(store, partial)
        articles = _check_copy(partial)
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{target}: backup of {source} failed ({exc})") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, articles)


def _copy(store: Store, partial: Path) -> None:
    raw = store.engine.raw_connection()
    try:
        source = raw.driver_connection
        if not isinstance(source, sqlite3.Connection):  # pragma: no cover - sqlite only
            raise StoreError(f"{store.url}: not an sqlite3 connection")
        with sqlite3.connect(partial) as copy:
            # pages=-1: the whole file in one step, inside one read transaction. Copying
            # in small steps would restart each time the crawl commits, maybe forever.
            source.backup(copy, pages=-1)
        copy.close()
    finally:
        raw.close()


def _check_copy(path: Path) -> int:
    copy = sqlite3.connect(path)
    try:
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise StoreError(f"{path}: the copy fails its integrity check ({verdict})")
        return int(copy.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        copy.close()
