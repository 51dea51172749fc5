"""Writing fetched articles inside the caller's transaction, with SQLAlchemy Core.

``Store.save_articles`` runs on the crawler's single writer thread for each group of
articles (``save_batch``), so every statement counts. The ORM's unit of work (identity
map, flushes, relationship cascades) cost more than the SQL itself, so this module speaks
Core. One article alone (``save_content``): one lookup of the article row (id, content
hash, last fetch), one ``INSERT … RETURNING`` or ``UPDATE`` of it, ``executemany`` for
images and related links, and, only when the content changed, a revision and the search
row. A new version updates the image rows of the URLs it still shows instead of
replacing them, so their downloaded files stay recorded. An unchanged article costs a
raw-page lookup, a fetch-log row and one ``UPDATE``.

A batch (``save_batch``) writes the same rows with statements shared by its articles: one
lookup and one multi-row insert for its raw pages, one lookup of its articles' rows, and,
for the articles not archived yet (all of them in a first crawl), one multi-row
``INSERT … RETURNING`` of their rows and one ``executemany`` each for their images,
links and revisions. Seven statements per article, each paying SQLAlchemy's per-statement
work, had cost the writer thread 2.9 ms per crawled article on SQLite; 1.8 ms now. The
fetch-log rows, the search rows and the frontier settlements are each written with one
``executemany``, too.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, Insert, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scraper.errors import StoreError
from scraper.records import Article, Image, RawPage
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
_RAW_PAGE_ID = select(RAW_PAGES.c.id).where(RAW_PAGES.c.sha256 == bindparam("digest"))
# Another process may have stored the same bytes a moment ago: keep theirs.
_INSERT_RAW_PAGE = {
    name: dialect.insert(RAW_PAGES)
    .on_conflict_do_nothing(index_elements=["sha256"])
    .returning(RAW_PAGES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_RAW_PAGE_IDS = select(RAW_PAGES.c.sha256, RAW_PAGES.c.id).where(
    RAW_PAGES.c.sha256.in_(bindparam("digests", expanding=True))
)
# A multi-row insert names the rows it added by digest: those another process stored a
# moment ago are not among them, and are looked up.
_INSERT_RAW_PAGES = {
    name: dialect.insert(RAW_PAGES)
    .on_conflict_do_nothing(index_elements=["sha256"])
    .returning(RAW_PAGES.c.sha256, RAW_PAGES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_FETCH = insert(FETCH_LOG)
_CURRENT_ROWS = select(
    ARTICLES.c.article_id, ARTICLES.c.id, ARTICLES.c.content_hash, ARTICLES.c.last_fetched_at
).where(ARTICLES.c.article_id.in_(bindparam("site_ids", expanding=True)))
# The rows come back in the order of the parameters, so each new article gets its own id.
_INSERT_ARTICLE = insert(ARTICLES).returning(ARTICLES.c.id, sort_by_parameter_order=True)
_UPDATE_ARTICLE = update(ARTICLES).where(ARTICLES.c.id == bindparam("pk"))
_INSERT_IMAGES = insert(IMAGES)
_INSERT_RELATED = insert(RELATED)
_CURRENT_IMAGES = (
    select(IMAGES.c.id, IMAGES.c.url)
    .where(IMAGES.c.article_pk == bindparam("pk"))
    .order_by(IMAGES.c.position, IMAGES.c.id)
)
_UPDATE_IMAGE = update(IMAGES).where(IMAGES.c.id == bindparam("image_id"))
_DELETE_IMAGE_IDS = delete(IMAGES).where(IMAGES.c.id.in_(bindparam("ids", expanding=True)))
_DELETE_RELATED = delete(RELATED).where(RELATED.c.article_pk == bindparam("pk"))
_LAST_REVISION = select(func.max(REVISIONS.c.revision)).where(
    REVISIONS.c.article_pk == bindparam("pk")
)
_INSERT_REVISION = insert(REVISIONS)
# Values per lookup with IN (...): far below any database's limit on bound parameters.
_LOOKUP_CHUNK = 500


def store_raw_page(connection: Connection, raw: RawPage) -> tuple[int, bool]:
    """Return the id of the raw page holding ``raw.body``, inserting it if new, and
    whether that row was inserted from ``raw`` (so holds its URL and headers).

    The body is compressed only when it is not stored yet. Raises ``StoreError`` if the
    row vanished between the insert and the lookup (another process deleting it).
    """
    digest = hashlib.sha256(raw.body).hexdigest()
    existing = connection.scalar(_RAW_PAGE_ID, {"digest": digest})
    if existing is not None:
        return int(existing), False
    values = _raw_page_values(raw, digest)
    inserted = connection.scalar(_INSERT_RAW_PAGE[connection.dialect.name], values)
    if inserted is not None:
        return int(inserted), True
    stored = connection.scalar(_RAW_PAGE_ID, {"digest": digest})
    if stored is None:  # only if the row vanished between our two statements
        raise StoreError(f"raw page {digest} for {raw.url} vanished while being stored")
    return int(stored), False


def store_raw_pages(connection: Connection, raws: Sequence[RawPage]) -> list[tuple[int, bool]]:
    """Return, for each of ``raws`` (in order), ``store_raw_page``'s answer: the raw page
    id, and whether the row was inserted from that very page. The bodies not stored yet
    are inserted, each once, in two statements.

    A body is compressed only when it is not stored yet. Raises ``StoreError`` if a row
    vanished between the insert and the lookup (another process deleting it).
    """
    digests = [hashlib.sha256(raw.body).hexdigest() for raw in raws]
    ids = _raw_page_ids(connection, set(digests))
    missing: dict[str, int] = {}  # digest -> position of the first page of a body not stored
    for index, digest in enumerate(digests):
        if digest not in ids:
            missing.setdefault(digest, index)
    ours: set[int] = set()  # positions of the pages whose rows were inserted from them
    if missing:
        values = [_raw_page_values(raws[index], digest) for digest, index in missing.items()]
        for digest, pk in connection.execute(_INSERT_RAW_PAGES[connection.dialect.name], values):
            ids[digest] = int(pk)
            ours.add(missing[digest])
        ids.update(_raw_page_ids(connection, {d for d in missing if d not in ids}))
    for digest, index in missing.items():
        if digest not in ids:  # only if the row vanished between our two statements
            raise StoreError(f"raw page {digest} for {raws[index].url} vanished while being stored")
    return [(ids[digest], index in ours) for index, digest in enumerate(digests)]


def _raw_page_ids(connection: Connection, digests: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(digests)):
        rows = connection.execute(_RAW_PAGE_IDS, {"digests": chunk})
        found.update((digest, int(pk)) for digest, pk in rows)
    return found


def _raw_page_values(raw: RawPage, digest: str) -> dict[str, Any]:
    return {
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


def log_fetch(
    connection: Connection,
    raw: RawPage,
    raw_page_id: int | None,
    run_id: int | None,
    *,
    row_is_its_own: bool = False,
) -> None:
    """Add the fetch-log row of ``raw`` (``raw_page_id`` None for a body not kept;
    ``row_is_its_own``: that raw page row was inserted from ``raw``)."""
    connection.execute(_INSERT_FETCH, _fetch_values(raw, raw_page_id, run_id, row_is_its_own))


def _fetch_values(
    raw: RawPage, raw_page_id: int | None, run_id: int | None, row_is_its_own: bool
) -> dict[str, Any]:
    # A raw page row holds the headers of the fetch that stored its bytes first; another
    # fetch of the same bytes keeps its own (its Date, ETag, … differ), for the WARC.
    keeps_headers = raw_page_id is not None and not row_is_its_own
    return {
        "url": raw.url,
        "status": raw.status,
        "raw_page_id": raw_page_id,
        "fetched_at": raw.fetched_at,
        "run_id": run_id,
        "final_url": raw.final_url if raw.final_url != raw.url else None,
        "headers": dict(raw.headers) if keeps_headers else None,
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
    twice in one batch is saved twice, as by two calls. Articles not archived yet are
    inserted together (see the module docstring); rows get their ids in item order.
    """
    stored_pages = store_raw_pages(connection, [item.raw for item in items])
    site_ids = Counter(item.article.article_id for item in items)
    current = _current_rows(connection, set(site_ids))
    pks: list[int | None] = []
    outcomes: list[SaveOutcome] = []
    news: list[tuple[Article, str, datetime]] = []  # waiting for their grouped insert
    for item, digest in zip(items, digests, strict=True):
        article = item.article
        if article.article_id not in current and site_ids[article.article_id] == 1:
            news.append((article, digest, item.raw.fetched_at))
            outcomes.append("new")
            pks.append(None)  # known once the group is inserted
            continue
        # An article met twice in the batch, or archived already: one by one, after the
        # new articles before it, so that every row is written in item order.
        _fill_pks(pks, _insert_new_articles(connection, news))
        news = []
        outcome, pk = _write_content(
            connection, article, digest, item.raw.fetched_at, current=current
        )
        outcomes.append(outcome)
        pks.append(pk)
    _fill_pks(pks, _insert_new_articles(connection, news))
    documents: dict[int, SearchDocument] = {}  # pk -> what to index (the last one wins)
    for item, outcome, pk in zip(items, outcomes, pks, strict=True):
        if outcome != "unchanged" and pk is not None:
            documents[pk] = SearchDocument.of(item.article)
    fetches = [
        _fetch_values(item.raw, raw_page_id, run_id, its_own)
        for item, (raw_page_id, its_own) in zip(items, stored_pages, strict=True)
    ]
    connection.execute(_INSERT_FETCH, fetches)
    index_documents(connection, documents.items())
    apply_settlements(connection, [item.settle for item in items if item.settle is not None])
    return outcomes


def _fill_pks(pks: list[int | None], inserted: list[int]) -> None:
    """Put the ids of a grouped insert in the places kept for them, in order."""
    waiting = iter(inserted)
    for index, pk in enumerate(pks):
        if pk is None:
            pks[index] = next(waiting)


def _current_rows(
    connection: Connection, site_ids: set[str]
) -> dict[str, tuple[int, str, datetime]]:
    """The archived rows of ``site_ids``: site id -> (pk, content hash, last fetched)."""
    found: dict[str, tuple[int, str, datetime]] = {}
    for chunk in _chunks(sorted(site_ids)):
        rows = connection.execute(_CURRENT_ROWS, {"site_ids": chunk})
        for site_id, pk, stored_hash, last_fetched in rows:
            found[site_id] = (pk, stored_hash, last_fetched)
    return found


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


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
    current: dict[str, tuple[int, str, datetime]] | None = None,
) -> tuple[SaveOutcome, int]:
    """``save_content`` without the search row (the caller indexes new and updated
    articles); returns the outcome and the article's primary key. ``current``: the
    article rows the caller has looked up already, kept up to date here."""
    if current is None:
        current = _current_rows(connection, {article.article_id})
    row = current.get(article.article_id)
    if row is None:
        [pk] = _insert_new_articles(connection, [(article, digest, fetched_at)])
        current[article.article_id] = (pk, digest, fetched_at)
        return "new", pk
    pk, stored_hash, last_fetched = row
    # An older page re-parsed later must not move "last fetched" backwards.
    bookkeeping: dict[str, Any] = {"last_fetched_at": max(last_fetched, fetched_at)}
    if on_site:
        bookkeeping["removed_at"] = None
    current[article.article_id] = (pk, digest, bookkeeping["last_fetched_at"])
    if stored_hash == digest:
        # Same content: refresh only what a newer parser may have improved.
        _update_article(connection, pk, {**metadata_columns(article), **bookkeeping})
        return "unchanged", pk
    _replace_content(connection, pk, article, digest, fetched_at, bookkeeping)
    revision = _next_revision(connection, pk)
    _add_revisions(connection, [(pk, revision, article, digest, fetched_at)])
    return "updated", pk


def _insert_new_articles(
    connection: Connection, news: Sequence[tuple[Article, str, datetime]]
) -> list[int]:
    """Insert the rows, images, links and first revisions of articles not archived yet
    (each as ``(article, content hash, fetched at)``); return their ids, in order."""
    if not news:
        return []
    values = [
        {
            **article_columns(article),
            "content_hash": digest,
            "first_seen_at": fetched_at,
            "last_fetched_at": fetched_at,
            "last_changed_at": fetched_at,
            "removed_at": None,
        }
        for article, digest, fetched_at in news
    ]
    pks = [int(pk) for pk in connection.scalars(_INSERT_ARTICLE, values)]
    if len(pks) != len(news):  # pragma: no cover - a driver bug, not a data problem
        raise StoreError(f"inserted {len(news)} articles but got {len(pks)} ids back")
    pairs = list(zip(pks, news, strict=True))
    _insert_children(connection, [(pk, article) for pk, (article, _, _) in pairs])
    _add_revisions(connection, [(pk, 1, a, digest, at) for pk, (a, digest, at) in pairs])
    return pks


def _replace_content(
    connection: Connection,
    pk: int,
    article: Article,
    digest: str,
    fetched_at: datetime,
    bookkeeping: dict[str, Any],
) -> None:
    """Overwrite the row with the new version, replace its links and bring its images up
    to date (``_replace_images``)."""
    values = {
        **article_columns(article),
        **bookkeeping,
        "content_hash": digest,
        "last_changed_at": fetched_at,
    }
    _update_article(connection, pk, values)
    connection.execute(_DELETE_RELATED, {"pk": pk})
    _insert_related(connection, [(pk, article)])
    _replace_images(connection, pk, article.images)


def _replace_images(connection: Connection, pk: int, images: Sequence[Image]) -> None:
    """Make article ``pk``'s image rows those of ``images``: a row whose URL the new
    version still shows is updated in place (position, caption, alt), so its downloaded
    file and retry state stay; new URLs get new (pending) rows; the other rows go.

    Deleting and re-inserting every row, as for links, forgot every downloaded file at
    each edit of the text. A URL shown twice matches its old rows in reading order.
    """
    stored: dict[str, deque[int]] = defaultdict(deque)
    for image_id, url in connection.execute(_CURRENT_IMAGES, {"pk": pk}):
        stored[url].append(int(image_id))
    kept: list[dict[str, Any]] = []
    added: list[Image] = []
    for image in images:
        if stored[image.url]:
            row = {"position": image.position, "caption": image.caption, "alt": image.alt}
            kept.append({"image_id": stored[image.url].popleft(), **row})
        else:
            added.append(image)
    gone = [image_id for ids in stored.values() for image_id in ids]
    if gone:
        connection.execute(_DELETE_IMAGE_IDS, {"ids": gone})
    if kept:
        connection.execute(_UPDATE_IMAGE, kept)
    if added:
        rows = [_image_values(pk, image) for image in added]
        _insert_plain_rows(connection, _INSERT_IMAGES, rows)


def _update_article(connection: Connection, pk: int, values: dict[str, Any]) -> None:
    connection.execute(_UPDATE_ARTICLE, {**values, "pk": pk})


def _insert_children(connection: Connection, articles: Sequence[tuple[int, Article]]) -> None:
    """Insert the image and related-link rows of ``articles`` (each with its pk): one
    executemany each."""
    images = [_image_values(pk, image) for pk, article in articles for image in article.images]
    if images:
        _insert_plain_rows(connection, _INSERT_IMAGES, images)
    _insert_related(connection, articles)


def _image_values(pk: int, image: Image) -> dict[str, Any]:
    return {
        "article_pk": pk,
        "position": image.position,
        "url": image.url,
        "caption": image.caption,
        "alt": image.alt,
    }


def _insert_related(connection: Connection, articles: Sequence[tuple[int, Article]]) -> None:
    """Insert the related-link rows of ``articles`` (each with its pk): one executemany."""
    related = [
        {
            "article_pk": pk,
            "position": position,
            "url": link.url,
            "target_article_id": _target_article_id(link.url),
            "title": link.title,
            "summary": link.summary,
            "kind": link.kind,
        }
        for pk, article in articles
        for position, link in enumerate(article.related)
    ]
    if related:
        _insert_plain_rows(connection, _INSERT_RELATED, related)


def _insert_plain_rows(
    connection: Connection, statement: Insert, rows: list[dict[str, Any]]
) -> None:
    """Run ``statement`` (an ``INSERT`` of a table's columns) for ``rows``: dicts with the
    same keys, of plain text and integers, which no column type converts.

    On SQLite the ``INSERT`` goes to the driver as it is (sqlite3 binds ":name" from each
    dict): SQLAlchemy would hand these values over unchanged, after a step in Python per
    row and column. Elsewhere, SQLAlchemy runs ``statement``.
    """
    if connection.dialect.name != "sqlite":
        connection.execute(statement, rows)
        return
    key = (statement.table.name, *rows[0])
    sql = _PLAIN_INSERTS.get(key)
    if sql is None:
        names = list(rows[0])
        sql = _PLAIN_INSERTS[key] = (
            f"INSERT INTO {statement.table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + name for name in names)})"
        )
    connection.exec_driver_sql(sql, rows)


_PLAIN_INSERTS: dict[tuple[str, ...], str] = {}


# Related links point at a few popular articles again and again; the id of a URL never
# changes (the default site profile is frozen).
_target_article_id = lru_cache(maxsize=1 << 14)(article_id_of)


def _next_revision(connection: Connection, pk: int) -> int:
    last = connection.scalar(_LAST_REVISION, {"pk": pk})
    return int(last or 0) + 1


def _add_revisions(
    connection: Connection, revisions: Sequence[tuple[int, int, Article, str, datetime]]
) -> None:
    """Insert revision rows, each ``(pk, revision, article, content hash, seen at)``."""
    values = [
        {
            "article_pk": pk,
            "revision": revision,
            "content_hash": digest,
            "seen_at": seen_at,
            "parser_version": article.parser_version,
            "snapshot": snapshot(article),
        }
        for pk, revision, article, digest, seen_at in revisions
    ]
    connection.execute(_INSERT_REVISION, values)
