"""Export the raw pages as a WARC 1.1 file (gzip per record), written with warcio.

For every logged fetch whose body is archived: a ``request`` record (the GET, rebuilt:
URL, Host, the configured User-Agent and the Accept-Encoding the crawler sends; the
request's own headers are not stored), the ``response`` record (status, that fetch's own
headers, and the body as fetched), and, for article pages, a ``metadata`` record holding
the parsed fields of the revision that was current at that fetch (JSON, ``WARC-Refers-To``
the response). A fetch that redirects led elsewhere is filed under the URL that answered
(its ``final_url``): that URL's answer is what the body is; the metadata record names the
URL requested. Fetches stream from the database in order, so memory stays flat.

The body is kept as the crawler decoded it, so the response headers that described the
transfer (``Content-Encoding``, ``Transfer-Encoding``, ``Content-Length``) are replaced
by a ``Content-Length`` of the stored body; the originals stay as ``X-Archive-Orig-*``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper import __version__
from scraper.fetch import ACCEPT_ENCODING
from scraper.urls import article_id as article_id_of

from . import rawcodec
from .models import ArticleRow, FetchLogRow, RawPageRow, RevisionRow
from .store import Store

__all__ = ["TRANSFER_HEADERS", "export_warc"]

# Headers that described the bytes on the wire, not the stored (decoded) body.
TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


@dataclass(frozen=True, slots=True)
class _Fetch:
    url: str  # the URL that answered with this body (after any redirects)
    requested: str  # the URL the crawler asked for
    status: int
    fetched_at: datetime
    headers: dict[str, Any]
    body: bytes


def export_warc(
    store: Store,
    out: BinaryIO,
    *,
    user_agent: str = f"baohatinh-archive/{__version__}",
    article_ids: Container[str] | None = None,
    filename: str = "baohatinh-archive.warc.gz",
) -> int:
    """Write the archived fetches to ``out`` as WARC 1.1 and return how many were written.

    ``article_ids`` keeps only fetches of those articles (listing pages are left out
    then); ``filename`` is the file's name the warcinfo record gives (WARC-Filename).
    Raises ``StoreError`` if the database refuses or a stored body is corrupt.
    """
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            filename,
            {"software": f"baohatinh-archive/{__version__}", "format": "WARC File Format 1.1"},
        )
    )
    count = 0
    # One session for the metadata look-ups, beside the one streaming the fetches.
    with store.read_session("reading revisions for the WARC export") as revisions:
        for fetch in _fetches(store):
            site_id = article_id_of(fetch.url)
            if article_ids is not None and site_id not in article_ids:
                continue
            response = _write_pair(writer, fetch, user_agent)
            if site_id is not None:
                _write_metadata(writer, revisions, fetch, site_id, response)
            count += 1
            revisions.expunge_all()  # keep the session's identity map from growing
    return count


def _fetches(store: Store, batch_size: int = 50) -> Iterator[_Fetch]:
    query = (
        select(
            FetchLogRow.url,
            FetchLogRow.final_url,
            FetchLogRow.status,
            FetchLogRow.fetched_at,
            FetchLogRow.headers,
            RawPageRow.headers,
            RawPageRow.body,
            RawPageRow.compression,
        )
        .join(RawPageRow, RawPageRow.id == FetchLogRow.raw_page_id)
        .order_by(FetchLogRow.id)
        .execution_options(yield_per=batch_size)
    )
    with store.read_session("reading fetches for the WARC export") as session:
        for url, final_url, status, fetched_at, own, headers, body, codec in session.execute(query):
            # A fetch's own headers where its raw page row holds another fetch's.
            headers = own if own is not None else headers
            body = rawcodec.decompress(body, codec)
            yield _Fetch(final_url or url, url, status, fetched_at, headers, body)


def _write_pair(writer: WARCWriter, fetch: _Fetch, user_agent: str) -> Any:
    date = _warc_date(fetch.fetched_at)
    request = writer.create_warc_record(
        fetch.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,  # a known length keeps warcio from spooling the payload to a temp file
        http_headers=_request_headers(fetch.url, user_agent),
        warc_headers_dict={"WARC-Date": date},
    )
    response = writer.create_warc_record(
        fetch.url,
        "response",
        payload=io.BytesIO(fetch.body),
        length=len(fetch.body),
        http_headers=_response_headers(fetch),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_request_response_pair(request, response)
    return response


def _request_headers(url: str, user_agent: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [
        ("Host", parts.netloc),
        ("User-Agent", user_agent),
        ("Accept", "*/*"),
        ("Accept-Encoding", ACCEPT_ENCODING),
    ]
    return StatusAndHeaders(f"GET {target} HTTP/1.1", headers, is_http_request=True)


def _response_headers(fetch: _Fetch) -> StatusAndHeaders:
    try:
        phrase = HTTPStatus(fetch.status).phrase
    except ValueError:
        phrase = "Unknown"
    headers: list[tuple[str, str]] = []
    for name, value in fetch.headers.items():
        if name.lower() in TRANSFER_HEADERS:
            headers.append((f"X-Archive-Orig-{name}", str(value)))
        else:
            headers.append((name, str(value)))
    headers.append(("Content-Length", str(len(fetch.body))))
    return StatusAndHeaders(f"{fetch.status} {phrase}", headers, protocol="HTTP/1.1")


def _write_metadata(
    writer: WARCWriter, session: Session, fetch: _Fetch, site_id: str, response: Any
) -> None:
    revision = _revision_at(session, site_id, fetch.fetched_at)
    if revision is None:  # a failed parse, or a fetch before the article's first revision
        return
    if fetch.requested != fetch.url:
        revision["requested_url"] = fetch.requested  # redirects led from there
    payload = json.dumps(revision, ensure_ascii=False, sort_keys=True).encode("utf-8")
    record = writer.create_warc_record(
        fetch.url,
        "metadata",
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_content_type="application/json",
        warc_headers_dict={
            "WARC-Date": _warc_date(fetch.fetched_at),
            "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(record)


def _revision_at(session: Session, site_id: str, fetched_at: datetime) -> dict[str, Any] | None:
    """Return the parsed fields of the revision current when the page was fetched."""
    query = (
        select(RevisionRow)
        .join(ArticleRow, ArticleRow.id == RevisionRow.article_pk)
        .where(ArticleRow.article_id == site_id, RevisionRow.seen_at <= fetched_at)
        .order_by(RevisionRow.revision.desc())
        .limit(1)
    )
    row = session.scalars(query).first()
    if row is None:
        return None
    return {
        "revision": row.revision,
        "content_sha256": row.content_hash,
        "parser_version": row.parser_version,
        "archived_at": row.seen_at.isoformat(),
        "article": row.snapshot,
    }


def _warc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
