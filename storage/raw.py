"""Reading the stored raw pages back: the latest fetch of each archived article.

``baohatinh reparse`` needs, for every archived article, the body the crawler fetched last
for it, so that a better parser can run again without a new crawl. The fetch log says
when each URL was fetched and which stored body it gave; the article a URL belongs to is
its site id (the URL patterns of every family carry it), so a page fetched under an old
``.htm`` URL, a ``/tv/`` URL or the current ``-post<id>.html`` URL is found all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scraper.errors import StoreError
from scraper.records import RawPage
from scraper.urls import article_id as article_id_of

from . import rawcodec
from .models import ArticleRow, FetchLogRow, RawPageRow

__all__ = ["LatestFetch", "latest_fetches", "load_raw_page"]


@dataclass(frozen=True, slots=True)
class LatestFetch:
    """The last fetch of one archived article: which stored body, and when (UTC)."""

    article_id: str
    raw_page_id: int
    fetched_at: datetime


def latest_fetches(session: Session, since: datetime | None = None) -> list[LatestFetch]:
    """Return the latest successful fetch of each archived article, oldest article first.

    With ``since`` (timezone-aware), only articles whose latest fetch happened at or after
    it. Reads ids and times only, never a body, so the list stays small.
    """
    archived = set(session.scalars(select(ArticleRow.article_id)))
    query = (
        select(FetchLogRow.url, RawPageRow.final_url, FetchLogRow.raw_page_id,
               FetchLogRow.fetched_at)
        .join(RawPageRow, RawPageRow.id == FetchLogRow.raw_page_id)
        .where(FetchLogRow.status == 200)
        .order_by(FetchLogRow.fetched_at.desc(), FetchLogRow.id.desc())
    )
    latest: dict[str, LatestFetch] = {}
    for url, final_url, raw_page_id, fetched_at in session.execute(query):
        site_id = _site_id(url, final_url)
        if site_id in archived and site_id not in latest:
            latest[site_id] = LatestFetch(site_id, raw_page_id, fetched_at)
    found = [fetch for fetch in latest.values() if since is None or fetch.fetched_at >= since]
    return sorted(found, key=lambda fetch: (fetch.fetched_at, fetch.article_id))


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
