"""The archive store: the one interface through which the crawler and the CLI use SQL.

``Store.open(url)`` works the same for an SQLite file and a PostgreSQL server. Each write
method is one transaction, so a crawl killed between two articles loses nothing that was
already saved. Every database error leaves this module as a ``StoreError`` (or one of its
subclasses) naming the database, with its password hidden.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import Session, selectinload

from scraper.errors import ArticleNotFound, StoreError
from scraper.records import Article, ImageFile, RawPage
from scraper.urls import article_id as article_id_of
from scraper.urls import canonicalize

from . import migrate, save
from . import raw as raw_pages
from .convert import article_from_row, content_hash
from .engine import WRITE, database_errors, make_engine, safe_url, write_session
from .frontier import Frontier, Settlement, apply_settlements
from .index import optimize_index
from .lock import CrawlLease, LockHolder, read_holder
from .models import (
    ArticleRow,
    CrawlRunRow,
    FetchLogRow,
    ImageRow,
    ParseFailureRow,
    RawPageRow,
    RelatedLinkRow,
    RevisionRow,
)
from .raw import FailedFetch, LatestFetch
from .save import ArticleToSave, SaveOutcome

__all__ = ["ArchivedArticle", "ArticleToSave", "SaveOutcome", "Store"]


def published_order(articles: Any, oldest: bool = False) -> tuple[Any, Any]:
    """The ORDER BY of a listing of ``articles`` (the table) by publication: newest first,
    or oldest first, the undated last either way, ties in archiving order."""
    published, pk = articles.c.published_at, articles.c.id
    if oldest:
        return published.asc().nulls_last(), pk.asc()
    return published.desc().nulls_last(), pk.desc()


@dataclass(frozen=True, slots=True)
class ArchivedArticle:
    """An archived article with the archive's own facts about it (times in UTC)."""

    article: Article
    first_seen_at: datetime
    last_fetched_at: datetime
    revisions: int
    removed_at: datetime | None
    # What a citation needs: the hash of the current content (``convert.content_hash``)
    # and when that content was first archived (the current revision's time).
    content_hash: str | None = None
    last_changed_at: datetime | None = None


class Store:
    """The archive in one SQLite file or one PostgreSQL database."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine made by ``make_engine`` whose schema is at head; prefer ``open``."""
        self._engine = engine
        # Writers begin with BEGIN IMMEDIATE on SQLite (see storage.engine).
        self._writer = engine.execution_options(**WRITE)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Store:
        """Open the archive at ``url``, migrating its schema to head unless ``upgrade=False``.

        Raises ``StoreError`` if the database cannot be reached or is not a database (the
        message names the file or URL), ``SchemaMismatch`` if its schema is newer than this
        code or, with ``upgrade=False``, not at head.
        """
        engine = make_engine(url)
        try:
            if upgrade:
                migrate.upgrade(engine)
            else:
                migrate.check(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    # --- identity and lifetime -----------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return safe_url(self._engine.url)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for ``storage.search`` and ``storage.export``)."""
        return self._engine

    def schema_revision(self) -> str | None:
        """Return the schema revision the database is at."""
        return migrate.current_revision(self._engine)

    def close(self) -> None:
        """Close the pooled connections (a later call would open new ones)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def _write(self, action: str) -> AbstractContextManager[Session]:
        """One write transaction; committed on success, rolled back on any error."""
        return write_session(self._writer, action)

    @contextmanager
    def _write_core(self, action: str) -> Iterator[Connection]:
        """One write transaction on a bare connection (no ORM session: the hot path)."""
        with database_errors(self._engine.url, action), self._writer.begin() as connection:
            yield connection

    @contextmanager
    def _read(self, action: str) -> Iterator[Session]:
        with database_errors(self._engine.url, action), Session(self._engine) as session:
            yield session

    def read_session(self, action: str) -> contextlib.AbstractContextManager[Session]:
        """Return a read-only session for the ``storage`` modules; errors become
        ``StoreError`` naming the database and ``action``."""
        return self._read(action)

    def write_session(self, action: str) -> contextlib.AbstractContextManager[Session]:
        """Return one write transaction for the ``storage`` modules: committed on success,
        rolled back whole on any error (which becomes ``StoreError``)."""
        return self._write(action)

    # --- crawl runs ----------------------------------------------------------------------

    def begin_run(self) -> int:
        """Record the start of a crawl run and return its id."""
        with self._write("starting a crawl run") as session:
            run = CrawlRunRow(started_at=_now())
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, report: Mapping[str, Any], exit_code: int) -> None:
        """Record the end of crawl run ``run_id`` with its report and exit code.

        Raises ``StoreError`` if there is no such run.
        """
        # Round-trip through JSON now, so an odd value (a datetime) fails here, named.
        report_data = json.loads(json.dumps(dict(report), ensure_ascii=False, default=str))
        with self._write(f"finishing crawl run {run_id}") as session:
            run = session.get(CrawlRunRow, run_id)
            if run is None:
                raise StoreError(f"{self.url}: no crawl run {run_id} in crawl_runs")
            run.finished_at = _now()
            run.exit_code = exit_code
            run.report = report_data

    # --- the crawl lock (storage.lock) ----------------------------------------------------

    def crawl_lease(
        self, holder: str, *, lease_seconds: float, heartbeat_seconds: float
    ) -> CrawlLease:
        """Return this archive's crawl lock for ``holder``; ``with`` it to hold it.

        Entering raises ``CrawlLocked`` naming the live holder (see ``storage.lock``).
        """
        return CrawlLease(self._engine, holder, lease_seconds=lease_seconds,
                          heartbeat_seconds=heartbeat_seconds)

    def lock_holder(self) -> LockHolder | None:
        """Return who holds the crawl lock (its lease may have run out), or ``None``."""
        return read_holder(self._engine)

    # --- writing articles ----------------------------------------------------------------

    def save_article(
        self,
        article: Article,
        raw: RawPage,
        *,
        run_id: int | None = None,
        settle: Settlement | None = None,
    ) -> SaveOutcome:
        """Archive ``article`` parsed from ``raw``, in one transaction, and say what changed.

        Stores the raw page (once per distinct body), logs the fetch, and writes the
        article with its images, related links and search row. A new content version
        (see ``convert.content_hash``) adds a revision and keeps the earlier ones. Saving
        the same content again adds only a fetch-log row and returns ``"unchanged"``.
        With ``settle``, the article's frontier row is settled in the same transaction,
        so a crawl killed at any moment leaves both written or neither. Raises
        ``StoreError`` if the database refuses or a time is not timezone-aware.
        """
        action = f"saving article {article.article_id} ({article.url})"
        return self._save(action, [ArticleToSave(article, raw, settle)], run_id)[0]

    def save_articles(
        self, items: Sequence[ArticleToSave], *, run_id: int | None = None
    ) -> list[SaveOutcome]:
        """Archive several fetched articles in ONE transaction; return their outcomes.

        Each item is saved exactly as ``save_article(item.article, item.raw,
        settle=item.settle)`` would save it, in order, but all of them commit together or
        not at all: a crawl killed before the commit leaves every one of their frontier
        rows pending (fetched again by the next run), never an article without its row
        or the reverse. One commit for many articles is what makes a crawl fast. Raises
        ``StoreError`` (nothing of the batch kept) if the database refuses or a time is
        not timezone-aware.
        """
        if not items:
            return []
        first, last = items[0].article, items[-1].article
        action = f"saving {len(items)} articles ({first.article_id} … {last.article_id})"
        return self._save(action, items, run_id)

    def _save(
        self, action: str, items: Sequence[ArticleToSave], run_id: int | None
    ) -> list[SaveOutcome]:
        for item in items:  # refuse the batch before writing any of it
            _aware(item.raw.fetched_at, "raw page fetched_at")
            _check_article_times(item.article)
        digests = [content_hash(item.article) for item in items]
        with self._write_core(action) as conn:
            return save.save_batch(conn, items, digests, run_id)

    def save_reparsed(
        self, article: Article, fetched_at: datetime, *, settle: Settlement | None = None
    ) -> SaveOutcome:
        """Archive ``article`` parsed again from a stored raw page fetched at ``fetched_at``.

        The same rules as ``save_article`` (a new revision only when the content hash
        changed; otherwise only the parser's metadata columns are refreshed), but nothing
        is fetched: no raw page or fetch-log row is added, and whether the article is
        still on the site (``removed_at``) is left as it was. ``settle``, if given, is
        applied to the frontier in the same transaction. Raises ``StoreError``.
        """
        _aware(fetched_at, "raw page fetched_at")
        _check_article_times(article)
        digest = content_hash(article)
        with self._write_core(f"saving reparsed article {article.article_id}") as conn:
            outcome = save.save_content(conn, article, digest, fetched_at, on_site=False)
            if settle is not None:
                apply_settlements(conn, [settle])
            return outcome

    def latest_fetches(self, since: datetime | None = None) -> list[LatestFetch]:
        """Return the latest fetch of each archived article (see ``storage.raw``), only
        those fetched at or after ``since`` if given. Raises ``StoreError``."""
        if since is not None:
            _aware(since, "since")
        with self._read("listing the latest raw page of each article") as session:
            return raw_pages.latest_fetches(session, since)

    def failed_fetches(self, since: datetime | None = None) -> list[FailedFetch]:
        """Return the kept page of each article not archived whose latest fetch failed to
        parse (see ``storage.raw``), only those fetched at or after ``since`` if given.
        Raises ``StoreError``."""
        if since is not None:
            _aware(since, "since")
        with self._read("listing the kept pages that failed to parse") as session:
            return raw_pages.failed_fetches(session, since)

    def save_recovered(self, article: Article, raw: RawPage) -> SaveOutcome:
        """Archive ``article``, parsed again from kept page ``raw`` that failed to parse
        when it was crawled, and settle its frontier row (if it has one) done, with the
        page's validators, in the same transaction: the next crawl neither fetches it as
        new nor retries it as failed.

        Saved as ``save_reparsed`` saves (``"new"``, with its first revision and search
        row, when the article is not archived). Raises ``StoreError``.
        """
        settle = Settlement(
            f"a:{article.article_id}", "done", None,
            etag=raw.headers.get("etag"), last_modified=raw.headers.get("last-modified"),
        )
        return self.save_reparsed(article, raw.fetched_at, settle=settle)

    def load_raw_page(self, fetch: LatestFetch | FailedFetch) -> RawPage:
        """Return the stored raw page of ``fetch``; raises ``StoreError``."""
        with self._read(f"reading raw page {fetch.raw_page_id}") as session:
            return raw_pages.load_raw_page(session, fetch.raw_page_id, fetch.fetched_at)

    def record_failure(
        self, url: str, reason: str, raw: RawPage | None = None, *, run_id: int | None = None
    ) -> None:
        """Record that ``url`` could not be fetched or parsed, keeping ``raw`` if given.

        Nothing is lost: the raw page is stored (deduplicated like any other) so that a
        later parser can try again. Raises ``StoreError`` if the database refuses.
        """
        with self._write(f"recording failure of {url}") as session:
            raw_page_id = None
            if raw is not None:
                _aware(raw.fetched_at, "raw page fetched_at")
                raw_page_id, its_own = save.store_raw_page(session.connection(), raw)
                save.log_fetch(
                    session.connection(), raw, raw_page_id, run_id, row_is_its_own=its_own
                )
            session.add(
                ParseFailureRow(
                    url=url, raw_page_id=raw_page_id, reason=reason, seen_at=_now(), run_id=run_id
                )
            )

    def mark_removed(self, article_id: str, seen_at: datetime | None = None) -> bool:
        """Mark archived article ``article_id`` as gone from the site since ``seen_at``
        (default now), keeping its last good version untouched. Returns True when it was
        on the site until now; False when it was marked already (its first time seen gone
        is kept) or no such article is archived. Raises ``StoreError``."""
        when = _aware(seen_at or _now(), "removal time")
        with self._write(f"marking article {article_id} removed") as session:
            row = session.scalars(
                select(ArticleRow).where(ArticleRow.article_id == article_id)
            ).one_or_none()
            if row is None or row.removed_at is not None:
                return False
            row.removed_at = when
            return True

    def log_fetch(self, raw: RawPage, *, run_id: int | None = None) -> None:
        """Log a fetch whose body is not kept (a 304 Not Modified): the only write it costs."""
        _aware(raw.fetched_at, "raw page fetched_at")
        with self._write_core(f"logging the fetch of {raw.url}") as conn:
            save.log_fetch(conn, raw, None, run_id)

    def frontier(self) -> Frontier:
        """Return the crawl frontier kept in this archive."""
        return Frontier(self._engine)

    # --- reading articles ----------------------------------------------------------------

    def has_article(self, article_id: str) -> bool:
        """Tell whether an article with this site id is archived."""
        with self._read(f"looking up article {article_id}") as session:
            found = session.scalar(select(ArticleRow.id).where(ArticleRow.article_id == article_id))
            return found is not None

    def archived_ids(self) -> set[str]:
        """Return the site ids of every archived article."""
        with self._read("listing archived article ids") as session:
            return set(session.scalars(select(ArticleRow.article_id)))

    def recent_articles(self, since: datetime) -> list[tuple[str, str, bool]]:
        """Return ``(site id, url, removed)`` of the articles published since ``since``,
        newest first: the ones an incremental run re-checks. Those marked removed are
        among them (``removed`` true): one seen back on the site is on it again (a page
        taken down for an edit, or a passing 404)."""
        query = (
            select(ArticleRow.article_id, ArticleRow.url, ArticleRow.removed_at.is_not(None))
            .where(ArticleRow.published_at >= since)
            .order_by(ArticleRow.published_at.desc())
        )
        with self._read("listing recent articles") as session:
            return [(str(a), str(u), bool(gone)) for a, u, gone in session.execute(query)]

    def recent_reports(self, limit: int = 5) -> list[dict[str, Any]]:
        """Return the reports of the last ``limit`` finished crawl runs, newest first."""
        query = (
            select(CrawlRunRow.report)
            .where(CrawlRunRow.finished_at.is_not(None), CrawlRunRow.report.is_not(None))
            .order_by(CrawlRunRow.id.desc())
            .limit(limit)
        )
        with self._read("reading crawl reports") as session:
            return [dict(report) for report in session.scalars(query) if report]

    def get_article(self, key: str) -> ArchivedArticle:
        """Return the archived article whose site id or URL (any form of it) is ``key``.

        URLs are canonicalised first, so tracking parameters and fragments do not matter.
        Raises ``ArticleNotFound`` naming the key, ``StoreError`` if the database refuses.
        """
        site_id, canonical_url = _resolve_key(key)
        condition = (
            ArticleRow.article_id == site_id
            if site_id is not None
            else ArticleRow.url == canonical_url
        )
        with self._read(f"reading article {key!r}") as session:
            found = session.execute(_archived_query().where(condition)).first()
            if found is None:
                raise ArticleNotFound(f"no archived article has the id or URL {key!r}")
            return _archived(found[0], found[1])

    def iter_articles(
        self, *, batch_size: int = 500, oldest: bool = False
    ) -> Iterator[ArchivedArticle]:
        """Yield every archived article, newest published first, or with ``oldest`` oldest
        first (undated last either way).

        Rows are streamed ``batch_size`` at a time (a server-side cursor on PostgreSQL),
        so memory stays bounded however large the archive. Raises ``StoreError``.
        """
        query = _archived_query().order_by(*published_order(ArticleRow.__table__, oldest))
        with self._read("reading articles") as session:
            result = session.execute(query.execution_options(yield_per=batch_size))
            for row, revisions in result:
                yield _archived(row, revisions)

    def get_articles(self, article_ids: Sequence[str]) -> list[ArchivedArticle]:
        """Return the archived articles of ``article_ids`` in that order (unknown ids left
        out): one query for a batch, as exports of a search read them.

        Raises ``StoreError`` if the database refuses.
        """
        query = _archived_query().where(ArticleRow.article_id.in_(list(article_ids)))
        with self._read(f"reading {len(article_ids)} article(s)") as session:
            found = {row.article_id: _archived(row, n) for row, n in session.execute(query)}
        return [found[article_id] for article_id in article_ids if article_id in found]

    # --- image files (storage.images holds the SQL) -----------------------------------

    def pending_images(self, article_id: str, now: datetime | None = None) -> list[Any]:
        """Return the images of ``article_id`` to download at ``now``: no file, and never
        tried or failed with their retry time come (``PendingImage``)."""
        from .images import pending_images

        return list(pending_images(self, article_id, now))

    def articles_with_images_due(
        self, now: datetime | None = None, limit: int | None = None
    ) -> list[str]:
        """Return the ids of archived articles (the first ``limit``) with an image to
        download at ``now``: never tried, or failed with its retry time come
        (``storage.images.articles_with_images_due``)."""
        from .images import articles_with_images_due

        return articles_with_images_due(self, now, limit)

    def known_image_file(self, url: str) -> ImageFile | None:
        """Return the file already downloaded for image ``url``, if any."""
        from .images import known_image_file

        return known_image_file(self, url)

    def record_image(
        self,
        image_id: int,
        file: ImageFile | None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Record the downloaded ``file`` of image row ``image_id``, or the ``error`` and
        from when to try again (``retry_at``; None: the failure is final)."""
        from .images import record_image

        record_image(self, image_id, file, error, retry_at)

    def optimize_search_index(self) -> None:
        """Merge the search index for fast queries (``storage.index.optimize_index``).

        Writes: on SQLite it holds the write lock while it runs (take the crawl lock
        first, as ``baohatinh db optimize`` does). Raises ``StoreError`` if refused.
        """
        with self._write_core("optimizing the search index") as conn:
            optimize_index(conn)

    def counts(self) -> dict[str, int]:
        """Return row counts and sizes: ``articles``, ``revisions``, ``raw_pages``,
        ``raw_bytes`` (uncompressed), ``raw_stored_bytes`` (compressed), ``images``,
        ``related_links``, ``parse_failures``, ``crawl_runs``, ``fetches``."""
        figures = {
            "articles": func.count(ArticleRow.id),
            "revisions": func.count(RevisionRow.id),
            "raw_pages": func.count(RawPageRow.id),
            "raw_bytes": func.coalesce(func.sum(RawPageRow.size), 0),
            "raw_stored_bytes": func.coalesce(func.sum(func.length(RawPageRow.body)), 0),
            "images": func.count(ImageRow.id),
            "related_links": func.count(RelatedLinkRow.id),
            "parse_failures": func.count(ParseFailureRow.id),
            "crawl_runs": func.count(CrawlRunRow.id),
            "fetches": func.count(FetchLogRow.id),
        }
        # One round trip: each figure is a scalar subquery over its own table.
        query = select(
            *(select(expr).scalar_subquery().label(name) for name, expr in figures.items())
        )
        with self._read("counting rows") as session:
            row = session.execute(query).one()
            return {name: int(value) for name, value in zip(figures, row, strict=True)}


# --- helpers: times ----------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"{what} {value.isoformat()} has no timezone; the archive needs one")
    return value


def _check_article_times(article: Article) -> None:
    for name in ("published_at", "updated_at"):
        value = getattr(article, name)
        if value is not None:
            _aware(value, f"article {article.article_id} {name}")


# --- helpers: reading --------------------------------------------------------------------


def _archived_query() -> Select[ArticleRow, int]:
    revisions = (
        select(func.count(RevisionRow.id))
        .where(RevisionRow.article_pk == ArticleRow.id)
        .correlate(ArticleRow)
        .scalar_subquery()
    )
    return select(ArticleRow, revisions).options(
        selectinload(ArticleRow.images), selectinload(ArticleRow.related_links)
    )


def _archived(row: ArticleRow, revisions: int) -> ArchivedArticle:
    return ArchivedArticle(
        article=article_from_row(row),
        first_seen_at=row.first_seen_at,
        last_fetched_at=row.last_fetched_at,
        revisions=int(revisions),
        removed_at=row.removed_at,
        content_hash=row.content_hash,
        last_changed_at=row.last_changed_at,
    )


def _resolve_key(key: str) -> tuple[str | None, str]:
    """Return ``(site id or None, canonical URL)`` for what a user typed."""
    key = key.strip()
    if key.isdigit():
        return key, key
    if "://" not in key and not key.startswith("/"):
        key = "https://" + key  # "baohatinh.vn/...-post123.html" as typed in a browser
    try:
        canonical = canonicalize(key)
    except ValueError:  # a malformed port or host: it cannot match any archived URL
        return None, key
    return article_id_of(canonical), canonical
