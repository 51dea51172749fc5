"""``baohatinh stats``: what the archive holds, and what it costs on disk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from .engine import sqlite_path
from .models import ImageRow, RawPageRow
from .store import Store

__all__ = ["archive_stats", "database_bytes"]


def archive_stats(store: Store) -> dict[str, Any]:
    """Return the row counts of ``Store.counts`` plus sizes per article.

    Added: ``raw_bytes_per_article`` (original and ``raw_stored_bytes_per_article``
    compressed), ``compression_ratio``, ``raw_pages_by_codec``, ``images_downloaded``,
    ``image_bytes``, ``database_bytes`` (file or PostgreSQL relations, when known) and
    ``database_bytes_per_article``. Raises ``StoreError`` if the database refuses.
    """
    figures: dict[str, Any] = dict(store.counts())
    articles = figures["articles"]
    figures["raw_bytes_per_article"] = _per(figures["raw_bytes"], articles)
    figures["raw_stored_bytes_per_article"] = _per(figures["raw_stored_bytes"], articles)
    figures["compression_ratio"] = (
        round(figures["raw_bytes"] / figures["raw_stored_bytes"], 2)
        if figures["raw_stored_bytes"]
        else 0.0
    )
    with store.read_session("measuring the archive") as session:
        codecs = session.execute(
            select(RawPageRow.compression, func.count()).group_by(RawPageRow.compression)
        )
        figures["raw_pages_by_codec"] = {codec: int(n) for codec, n in codecs}
        downloaded = session.execute(
            select(func.count(ImageRow.id), func.coalesce(func.sum(ImageRow.size), 0)).where(
                ImageRow.local_path.is_not(None)
            )
        ).one()
        figures["images_downloaded"], figures["image_bytes"] = int(downloaded[0]), int(
            downloaded[1]
        )
        figures["database_bytes"] = database_bytes(store, session) or 0
    figures["database_bytes_per_article"] = _per(figures["database_bytes"], articles)
    return figures


def _per(total: int, articles: int) -> int:
    return round(total / articles) if articles else 0


def database_bytes(store: Store, connection: Connection | Session) -> int | None:
    """Return the archive's bytes on disk, read through ``connection`` (or a session):
    the SQLite file with its WAL, or this schema's PostgreSQL tables with their indexes
    and TOAST. None for a database without a file (SQLite in memory).

    ``stats`` and ``status`` both show this. Not counted: SQLite's ``-shm`` (a lock
    index rebuilt at each opening, no data), and on PostgreSQL the rest of the database
    (catalogs, other schemas), which is no part of this archive's cost.
    """
    if store.dialect == "sqlite":
        path = sqlite_path(store.engine.url)
        if path is None:
            return None
        wal = path.with_name(path.name + "-wal")
        return sum(p.stat().st_size for p in (path, wal) if p.exists())
    total = connection.execute(
        text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        )
    ).scalar_one()
    return int(total)
