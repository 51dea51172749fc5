"""Exports stream: memory stays flat when the archive grows fourfold.

The articles are cloned in SQL from one saved article (fast), each ~12 KB of text, so an
export that held its articles in memory would need four times more for the larger
archive. tracemalloc measures the Python heap's peak during each export. Both sizes are
past the export's batch size (``EXPORT_BATCH`` articles, 50 fetches for WARC), so what
grows with the archive shows; the sizes stay small because tracemalloc is slow.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from storage import Store, export_jsonl
from storage.models import ArticleRow, FetchLogRow, ImageRow, RelatedLinkRow, RevisionRow
from storage.warc import export_warc
from tests.fixtures_db import make_article, make_raw

PARAGRAPH = "Ban Thường vụ Huyện ủy Hương Sơn tổ chức hội nghị biểu dương mô hình dân vận khéo. "


class Sink(io.TextIOBase):
    """Counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, text: Any) -> int:
        self.written += len(text)
        return len(text)


def archive_of(store: Store, count: int) -> None:
    """Fill ``store`` with ``count`` articles: one saved, the rest cloned row by row."""
    article = make_article("1", body_paragraphs=tuple(PARAGRAPH * 6 for _ in range(25)))
    store.save_article(article, make_raw(article, body=PARAGRAPH.encode() * 100))
    with store.engine.begin() as conn:
        source = dict(conn.execute(select(ArticleRow.__table__)).mappings().one())
        source_pk = source.pop("id")
        source["search_rowid"] = None  # unique; clones are not indexed for search
        conn.execute(
            insert(ArticleRow.__table__),
            [
                {**source, "article_id": str(n), "url": article.url.replace("post1", f"post{n}")}
                for n in range(2, count + 1)
            ],
        )
        pks = dict(conn.execute(select(ArticleRow.id, ArticleRow.url)).all())
        for model in (ImageRow, RelatedLinkRow, RevisionRow):
            _clone_children(conn, model, source_pk, pks)
        log = dict(conn.execute(select(FetchLogRow.__table__)).mappings().one())
        log.pop("id")
        conn.execute(delete(FetchLogRow))
        conn.execute(insert(FetchLogRow.__table__), [{**log, "url": url} for url in pks.values()])


def _clone_children(conn: Any, model: Any, source_pk: int, pks: dict[int, str]) -> None:
    table = model.__table__
    query = select(table).where(table.c.article_pk == source_pk)
    children = [dict(row) for row in conn.execute(query).mappings()]
    for child in children:
        child.pop("id")
    rows = [{**child, "article_pk": pk} for pk in pks if pk != source_pk for child in children]
    conn.execute(insert(table), rows)


def peak_bytes(export: Callable[[], int]) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = export()
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


EXPORTS: dict[str, Callable[[Store], int]] = {
    "jsonl": lambda store: export_jsonl(store, Sink()),
    "warc": lambda store: export_warc(store, _BinarySink()),
}


# CSV streams through the same article source as JSON Lines (``selected_articles``).
SIZES = {"jsonl": (300, 1200), "warc": (120, 480)}


class _BinarySink(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_export_memory_stays_flat_as_the_archive_grows(
    fmt: str, db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    peaks = {}
    small, large = SIZES[fmt]
    for count in (small, large):
        url = db_url
        if db_url.startswith("sqlite"):  # a second file; PostgreSQL reuses its schema
            url = f"sqlite:///{tmp_path_factory.mktemp('mem')}/archive.db"
        with Store.open(url) as store:
            _empty(store)
            archive_of(store, count)
            exported, peaks[count] = peak_bytes(lambda store=store: EXPORTS[fmt](store))
        assert exported == count
    # Four times the articles: far less than twice the memory (a list would need 4x).
    assert peaks[large] < 1.5 * peaks[small], peaks


def _empty(store: Store) -> None:
    with store.engine.begin() as conn:
        for model in (FetchLogRow, ArticleRow):
            conn.execute(delete(model))
