"""Writing fetched articles inside the caller's transaction, with SQLAlchemy Core.

``Store.save_articles`` runs on the crawler's single writer thread for each group of
articles (``save_batch``), so every statement counts. The ORM's unit of work (identity
map, flushes, relationship cascades) cost more than the SQL itself, so this module speaks
Core: one lookup of the article row (id, content hash, last fetch), one ``INSERT …
RETURNING`` or ``UPDATE`` of it, ``executemany`` for images and related links, and, only
when the content changed, a revision and the search row. An unchanged article costs a
raw-page lookup, a fetch-log row and one ``UPDATE``. Across the articles of one batch, the
fetch-log rows, the search rows and the frontier settlements are each written with one
``executemany``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scraper.errors import StoreError
from scraper.records import Article, RawPage
from scraper.urls import article_id as article_id_of

from . import rawcodec
from .convert import article_columns, metadata_columns, snapshot
from .frontier import Settlement, apply_settlements
from .index import SearchDocument, index_documents
from .models import (
    ArticleRow,
    FetchLogRow,
    ImageRow,
    RawPageRow,
    RelatedLinkRow,
    RevisionRow,
)

__all__ = [
    "ArticleToSave",
    "SaveOutcome",
    "log_fetch",
    "save_batch",
    "save_content",
    "store_raw_page",
]

SaveOutcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class ArticleToSave:
    """One fetched article for ``Store.save_articles``: the record, the page it was
    parsed from, and (for a crawl) how its frontier row is settled with it."""

    article: Article
    raw: RawPage
    settle: Settlement | None = None

ARTICLES = ArticleRow.__table__
RAW_PAGES = RawPageRow.__table__
FETCH_LOG = FetchLogRow.__table__
IMAGES = ImageRow.__table__
RELATED = RelatedLinkRow.__table__
REVISIONS = RevisionRow.__table__

# Statements built once, values passed as parameters: building ``.values(...)`` anew
# for each article cost as much as running it (coercion and cache keys).
_CURRENT = select(ARTICLES.c.id, ARTICLES.c.content_hash, ARTICLES.c.last_fetched_at).where(
    ARTICLES.c.article_id == bindparam("site_id")
)
_RAW_PAGE_ID = select(RAW_PAGES.c.id).where(RAW_PAGES.c.sha256 == bindparam("digest"))
# Another process may have stored the same bytes a moment ago: keep theirs.
_INSERT_RAW_PAGE = {
    name: dialect.insert(RAW_PAGES)
    .on_conflict_do_nothing(index_elements=["sha256"])
    .returning(RAW_PAGES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_FETCH = insert(FETCH_LOG)
_INSERT_ARTICLE = insert(ARTICLES).returning(ARTICLES.c.id)
_UPDATE_ARTICLE = update(ARTICLES).where(ARTICLES.c.id == bindparam("pk"))
_INSERT_IMAGES = insert(IMAGES)
_INSERT_RELATED = insert(RELATED)
_DELETE_IMAGES = delete(IMAGES).where(IMAGES.c.article_pk == bindparam("pk"))
_DELETE_RELATED = delete(RELATED).where(RELATED.c.article_pk == bindparam("pk"))
_LAST_REVISION = select(func.max(REVISIONS.c.revision)).where(
    REVISIONS.c.article_pk == bindparam("pk")
)
_INSERT_REVISION = insert(REVISIONS)


def store_raw_page(connection: Connection, raw: RawPage) -> int:
    """Return the id of the raw page holding ``raw.body``, inserting it if new.

    The body is compressed only when it is not stored yet. Raises ``StoreError`` if the
    row vanished between the insert and the lookup (another process deleting it).
    """
    digest = hashlib.sha256(raw.body).hexdigest()
    existing = connection.scalar(_RAW_PAGE_ID, {"digest": digest})
    if existing is not None:
        return int(existing)
    values = {
        "url": raw.url,
        "final_url": raw.final_url,
        "status": raw.status,
        "headers": dict(raw.headers),
        "body": rawcodec.compress(raw.body),
        "compression": rawcodec.DEFAULT_CODEC,
        "sha256": digest,
        "size": len(raw.body),
        "fetched_at": raw.fetched_at,
    }
    inserted = connection.scalar(_INSERT_RAW_PAGE[connection.dialect.name], values)
    if inserted is not None:
        return int(inserted)
    stored = connection.scalar(_RAW_PAGE_ID, {"digest": digest})
    if stored is None:  # only if the row vanished between our two statements
        raise StoreError(f"raw page {digest} for {raw.url} vanished while being stored")
    return int(stored)


def log_fetch(
    connection: Connection, raw: RawPage, raw_page_id: int | None, run_id: int | None
) -> None:
    """Add the fetch-log row of ``raw`` (``raw_page_id`` None for a body not kept)."""
    connection.execute(_INSERT_FETCH, _fetch_values(raw, raw_page_id, run_id))


def _fetch_values(raw: RawPage, raw_page_id: int | None, run_id: int | None) -> dict[str, Any]:
    return {
        "url": raw.url,
        "status": raw.status,
        "raw_page_id": raw_page_id,
        "fetched_at": raw.fetched_at,
        "run_id": run_id,
    }


def save_batch(
    connection: Connection,
    items: Sequence[ArticleToSave],
    digests: Sequence[str],
    run_id: int | None,
) -> list[SaveOutcome]:
    """Write ``items`` (``digests`` their ``convert.content_hash``) in the caller's
    transaction, each exactly as ``save_content`` would, and return their outcomes in order.

    Each item stores its raw page (once per distinct body), logs its fetch, writes its
    article and settles its frontier row. Items are written in order, so the same article
    twice in one batch is saved twice, as by two calls.
    """
    fetches: list[dict[str, Any]] = []
    documents: dict[int, SearchDocument] = {}  # pk -> what to index (the last one wins)
    outcomes: list[SaveOutcome] = []
    for item, digest in zip(items, digests, strict=True):
        raw_page_id = store_raw_page(connection, item.raw)
        fetches.append(_fetch_values(item.raw, raw_page_id, run_id))
        outcome, pk = _write_content(connection, item.article, digest, item.raw.fetched_at)
        if outcome != "unchanged":
            documents[pk] = SearchDocument.of(item.article)
        outcomes.append(outcome)
    connection.execute(_INSERT_FETCH, fetches)
    index_documents(connection, documents.items())
    apply_settlements(connection, [item.settle for item in items if item.settle is not None])
    return outcomes


def save_content(
    connection: Connection,
    article: Article,
    digest: str,
    fetched_at: datetime,
    *,
    on_site: bool = True,
) -> SaveOutcome:
    """Write the article row, and its images, links, revision and search row if new or
    changed (``digest`` is its ``convert.content_hash``); return what happened.

    ``on_site=False`` (a re-parse) leaves ``removed_at`` as it was; otherwise the article
    was just fetched, so it is on the site and ``removed_at`` is cleared.
    """
    outcome, pk = _write_content(connection, article, digest, fetched_at, on_site=on_site)
    if outcome != "unchanged":
        index_documents(connection, [(pk, SearchDocument.of(article))])
    return outcome


def _write_content(
    connection: Connection,
    article: Article,
    digest: str,
    fetched_at: datetime,
    *,
    on_site: bool = True,
) -> tuple[SaveOutcome, int]:
    """``save_content`` without the search row (the caller indexes new and updated
    articles); returns the outcome and the article's primary key."""
    current = connection.execute(_CURRENT, {"site_id": article.article_id}).first()
    if current is None:
        pk = _insert_article(connection, article, digest, fetched_at)
        revision = 1
        outcome: SaveOutcome = "new"
    else:
        pk, stored_hash, last_fetched = current
        # An older page re-parsed later must not move "last fetched" backwards.
        bookkeeping: dict[str, Any] = {"last_fetched_at": max(last_fetched, fetched_at)}
        if on_site:
            bookkeeping["removed_at"] = None
        if stored_hash == digest:
            # Same content: refresh only what a newer parser may have improved.
            _update_article(connection, pk, {**metadata_columns(article), **bookkeeping})
            return "unchanged", pk
        _replace_content(connection, pk, article, digest, fetched_at, bookkeeping)
        revision = _next_revision(connection, pk)
        outcome = "updated"
    _add_revision(connection, pk, revision, article, digest, fetched_at)
    return outcome, pk


def _insert_article(
    connection: Connection, article: Article, digest: str, fetched_at: datetime
) -> int:
    values = {
        **article_columns(article),
        "content_hash": digest,
        "first_seen_at": fetched_at,
        "last_fetched_at": fetched_at,
        "last_changed_at": fetched_at,
        "removed_at": None,
    }
    pk = connection.scalar(_INSERT_ARTICLE, values)
    _insert_children(connection, int(pk), article)
    return int(pk)


def _replace_content(
    connection: Connection,
    pk: int,
    article: Article,
    digest: str,
    fetched_at: datetime,
    bookkeeping: dict[str, Any],
) -> None:
    """Overwrite the row with the new version and replace its images and links."""
    values = {
        **article_columns(article),
        **bookkeeping,
        "content_hash": digest,
        "last_changed_at": fetched_at,
    }
    _update_article(connection, pk, values)
    connection.execute(_DELETE_IMAGES, {"pk": pk})
    connection.execute(_DELETE_RELATED, {"pk": pk})
    _insert_children(connection, pk, article)


def _update_article(connection: Connection, pk: int, values: dict[str, Any]) -> None:
    connection.execute(_UPDATE_ARTICLE, {**values, "pk": pk})


def _insert_children(connection: Connection, pk: int, article: Article) -> None:
    """Insert the image and related-link rows of ``article`` (one executemany each)."""
    images = [
        {
            "article_pk": pk,
            "position": image.position,
            "url": image.url,
            "caption": image.caption,
            "alt": image.alt,
        }
        for image in article.images
    ]
    if images:
        connection.execute(_INSERT_IMAGES, images)
    related = [
        {
            "article_pk": pk,
            "position": position,
            "url": link.url,
            "target_article_id": article_id_of(link.url),
            "title": link.title,
            "summary": link.summary,
            "kind": link.kind,
        }
        for position, link in enumerate(article.related)
    ]
    if related:
        connection.execute(_INSERT_RELATED, related)


def _next_revision(connection: Connection, pk: int) -> int:
    last = connection.scalar(_LAST_REVISION, {"pk": pk})
    return int(last or 0) + 1


def _add_revision(
    connection: Connection,
    pk: int,
    revision: int,
    article: Article,
    digest: str,
    seen_at: datetime,
) -> None:
    values = {
        "article_pk": pk,
        "revision": revision,
        "content_hash": digest,
        "seen_at": seen_at,
        "parser_version": article.parser_version,
        "snapshot": snapshot(article),
    }
    connection.execute(_INSERT_REVISION, values)
