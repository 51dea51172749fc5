"""``baohatinh stats``: what the archive holds, and what it costs on disk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from .engine import sqlite_path
from .models import ImageRow, RawPageRow
from .store import Store

__all__ = ["archive_stats"]


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
        figures["database_bytes"] = _database_bytes(store, session)
    figures["database_bytes_per_article"] = _per(figures["database_bytes"], articles)
    return figures


def _per(total: int, articles: int) -> int:
    return round(total / articles) if articles else 0


def _database_bytes(store: Store, session: Any) -> int:
    """Bytes on disk: the SQLite file with its WAL, or this schema's PostgreSQL tables."""
    path = sqlite_path(store.engine.url)
    if store.dialect == "sqlite":
        if path is None:
            return 0
        wal = path.with_name(path.name + "-wal")
        return sum(p.stat().st_size for p in (path, wal) if p.exists())
    total = session.execute(
        text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        )
    ).scalar_one()
    return int(total)
