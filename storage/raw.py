"""Reading the stored raw pages back: the latest fetch of each archived article, and the
kept page of each article that failed to parse.

``baohatinh reparse`` needs, for every archived article, the body the crawler fetched last
for it, so that a better parser can run again without a new crawl; and, for every article
URL whose last page did not parse when crawled (``Store.record_failure`` kept it), that
page, so that a fixed parser brings the article into the archive. The fetch log says
when each URL was fetched and which stored body it gave; the article a URL belongs to is
its site id (the URL patterns of every family carry it), so a page fetched under an old
``.htm`` URL, a ``/tv/`` URL or the current ``-post<id>.html`` URL is found all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scraper.errors import StoreError
from scraper.records import RawPage
from scraper.urls import article_id as article_id_of

from . import rawcodec
from .models import ArticleRow, FetchLogRow, FrontierRow, ParseFailureRow, RawPageRow

__all__ = ["FailedFetch", "LatestFetch", "failed_fetches", "latest_fetches", "load_raw_page"]

# Values per lookup with IN (...): far below any database's limit on bound parameters.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class LatestFetch:
    """The fetch behind the record of one archived article: which stored body, and when
    (UTC)."""

    article_id: str
    raw_page_id: int
    fetched_at: datetime


def latest_fetches(session: Session, since: datetime | None = None) -> list[LatestFetch]:
    """Return, for each archived article, its newest 200 fetch whose page the current
    record was saved from (or saved again from, unchanged), oldest article first.

    That is its newest fetch at or before the record's ``last_fetched_at``: a later 200
    page that did not parse (an error page a re-check was answered with) never made the
    record, and would fail every reparse. With no such fetch, the newest one. With
    ``since`` (timezone-aware), only those fetched at or after it. Reads ids and times
    only, never a body, so the list stays small.
    """
    query = select(ArticleRow.article_id, ArticleRow.last_fetched_at)
    last_saved = {site_id: last for site_id, last in session.execute(query)}
    behind: dict[str, LatestFetch] = {}
    newest: dict[str, LatestFetch] = {}
    for site_id, raw_page_id, fetched_at in _fetches_newest_first(session):
        if site_id not in last_saved or site_id in behind:
            continue
        fetch = LatestFetch(site_id, raw_page_id, fetched_at)
        newest.setdefault(site_id, fetch)
        if fetched_at <= last_saved[site_id]:
            behind[site_id] = fetch
    latest = {**newest, **behind}
    found = [fetch for fetch in latest.values() if since is None or fetch.fetched_at >= since]
    return sorted(found, key=lambda fetch: (fetch.fetched_at, fetch.article_id))


@dataclass(frozen=True, slots=True)
class FailedFetch:
    """The kept page of an article URL whose last fetch did not parse, the article not
    archived: which stored body, when it was fetched (UTC), and the configured section
    whose listing named the article (``None``: its page must say it belongs to one)."""

    article_id: str
    raw_page_id: int
    fetched_at: datetime
    listed_in: str | None = None


def failed_fetches(session: Session, since: datetime | None = None) -> list[FailedFetch]:
    """Return the kept page of each article that is not archived and whose latest fetch
    failed to parse (a parse error, or "not an article" with its page kept), oldest first.

    With ``since`` (timezone-aware), only those fetched at or after it. Reads ids and
    times only, never a body.
    """
    archived = set(session.scalars(select(ArticleRow.article_id)))
    failed_pages = set(session.scalars(_FAILED_PAGES))
    newest: dict[str, tuple[int, datetime]] = {}
    for site_id, raw_page_id, fetched_at in _fetches_newest_first(session):
        if site_id is not None and site_id not in archived and site_id not in newest:
            newest[site_id] = (raw_page_id, fetched_at)
    # Only the newest page counts: one that failed and then parsed (an article of another
    # section, skipped) is no failure to try again.
    found = {
        site_id: (raw_page_id, fetched_at)
        for site_id, (raw_page_id, fetched_at) in newest.items()
        if raw_page_id in failed_pages and (since is None or fetched_at >= since)
    }
    listed_in = _listed_in(session, sorted(found))
    fetches = [
        FailedFetch(site_id, raw_page_id, fetched_at, listed_in.get(site_id))
        for site_id, (raw_page_id, fetched_at) in found.items()
    ]
    return sorted(fetches, key=lambda fetch: (fetch.fetched_at, fetch.article_id))


# The raw pages kept by the crawl for a page it could not parse: its two parse reasons
# (scraper.crawl), not the fetch failures, which keep no page.
_FAILED_PAGES = select(ParseFailureRow.raw_page_id).where(
    ParseFailureRow.raw_page_id.is_not(None),
    or_(
        ParseFailureRow.reason == "parse-error",
        ParseFailureRow.reason.startswith("not-an-article"),
    ),
)


def _fetches_newest_first(session: Session) -> Iterator[tuple[str | None, int, datetime]]:
    """Yield ``(site id or None, raw page id, fetched at)`` of every 200 fetch whose body
    is kept, newest first."""
    query = (
        select(FetchLogRow.url, RawPageRow.final_url, FetchLogRow.raw_page_id,
               FetchLogRow.fetched_at)
        .join(RawPageRow, RawPageRow.id == FetchLogRow.raw_page_id)
        .where(FetchLogRow.status == 200)
        .order_by(FetchLogRow.fetched_at.desc(), FetchLogRow.id.desc())
    )
    for url, final_url, raw_page_id, fetched_at in session.execute(query):
        yield _site_id(url, final_url), raw_page_id, fetched_at


def _listed_in(session: Session, site_ids: list[str]) -> dict[str, str]:
    """The section of the frontier row of each of ``site_ids`` that has one."""
    found: dict[str, str] = {}
    for start in range(0, len(site_ids), _LOOKUP_CHUNK):
        keys = [f"a:{site_id}" for site_id in site_ids[start : start + _LOOKUP_CHUNK]]
        query = select(FrontierRow.key, FrontierRow.section_slug).where(
            FrontierRow.key.in_(keys), FrontierRow.section_slug.is_not(None)
        )
        found.update((key.removeprefix("a:"), slug) for key, slug in session.execute(query))
    return found


def _site_id(*urls: str) -> str | None:
    """The article id of the first of ``urls`` that is an article URL (the page's own URL
    after redirects is tried after the URL asked for, which the log keeps)."""
    for url in urls:
        found = article_id_of(url) if url else None
        if found:
            return found
    return None


def load_raw_page(session: Session, raw_page_id: int, fetched_at: datetime) -> RawPage:
    """Return stored body ``raw_page_id`` as a ``RawPage`` fetched at ``fetched_at``.

    Raises ``StoreError`` if there is no such row or its body cannot be decompressed.
    """
    row = session.get(RawPageRow, raw_page_id)
    if row is None:
        raise StoreError(f"no raw page {raw_page_id} in raw_pages")
    return RawPage(
        url=row.url,
        final_url=row.final_url,
        status=row.status,
        headers=dict(row.headers),
        body=_decompress(row),
        fetched_at=fetched_at,
    )


def _decompress(row: RawPageRow) -> bytes:
    # One codec table for every reader of raw pages (zstd now, zlib for older rows).
    try:
        return rawcodec.decompress(row.body, row.compression)
    except StoreError as exc:
        raise StoreError(f"raw page {row.id} ({row.url}): {exc}") from None
