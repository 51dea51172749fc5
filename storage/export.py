"""Export the archive as JSON Lines or CSV, streaming (memory stays bounded).

The JSON Lines keys, their order and spelling are a promise to other tools (see
ARCHITECTURE.md, "Export schema"): ``EXPORT_KEYS``. Keys may be added, never renamed.
``CITATION_KEYS`` follow them: what a researcher needs to cite the archived version.

Every export takes ``article_ids``: when given, only those articles are written, in the
order given (the hook through which a search selects what to export: pass
``storage.search.matching_ids`` to export its results in result order, streaming).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any, TextIO

from .store import ArchivedArticle, Store

__all__ = [
    "CITATION_KEYS",
    "CSV_BOM",
    "EXPORT_KEYS",
    "csv_row",
    "export_csv",
    "export_jsonl",
    "export_record",
    "selected_articles",
    "spreadsheet_cell",
]

EXPORT_KEYS = (
    "url",
    "article_id",
    "title",
    "lead",
    "published_at",
    "updated_at",
    "author",
    "section",
    "tags",
    "body_text",
    "images",
    "related",
    "first_seen_at",
    "last_fetched_at",
    "revisions",
)

EXPORT_BATCH = 100

# Added after the fixed keys: which version of the article a citation refers to.
CITATION_KEYS = (
    "archived_at",  # when this content was first archived (UTC): its revision's time
    "revision",  # the number of the current revision (1 = as first archived)
    "content_sha256",  # checksum of the normalised content (storage.convert.content_hash)
    "parser_version",  # the parser that produced this record
    "removed",  # the site no longer serves the article (the archive keeps it)
    "removed_at",
)

# The byte-order mark a CSV export starts with: Excel takes the file for UTF-8 only then.
CSV_BOM = "\ufeff"
# How a cell that a spreadsheet would run as a formula starts.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_record(archived: ArchivedArticle) -> dict[str, Any]:
    """Return one article as the export schema lays it out (keys in ``EXPORT_KEYS`` order).

    Article times keep the site's offset (``+07:00``); archive times are UTC.
    """
    article = archived.article
    return {
        "url": article.url,
        "article_id": article.article_id,
        "title": article.title,
        "lead": article.lead,
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
        "author": article.author,
        "section": article.section,
        "tags": list(article.tags),
        "body_text": article.body_text,
        "images": [
            {"url": image.url, "caption": image.caption, "alt": image.alt}
            for image in article.images
        ],
        "related": [
            {"url": link.url, "title": link.title, "summary": link.summary, "kind": link.kind}
            for link in article.related
        ],
        "first_seen_at": _iso(archived.first_seen_at),
        "last_fetched_at": _iso(archived.last_fetched_at),
        "revisions": archived.revisions,
        "archived_at": _iso(archived.last_changed_at),
        "revision": archived.revisions,
        "content_sha256": archived.content_hash,
        "parser_version": article.parser_version,
        "removed": archived.removed_at is not None,
        "removed_at": _iso(archived.removed_at),
    }


def selected_articles(
    store: Store, article_ids: Iterable[str] | None = None, *, oldest: bool = False
) -> Iterator[ArchivedArticle]:
    """Yield the archived articles to export: all of them newest first (``oldest``: oldest
    first), or those of ``article_ids`` in its order (ids not in the archive left out).

    Streams from the database, ``EXPORT_BATCH`` articles at a time, however many ids the
    iterable yields. Raises ``StoreError``.
    """
    # Small batches: a batch of full articles is what an export holds in memory.
    if article_ids is None:
        yield from store.iter_articles(batch_size=EXPORT_BATCH, oldest=oldest)
        return
    ids = iter(article_ids)
    while batch := list(islice(ids, EXPORT_BATCH)):
        yield from store.get_articles(batch)


def export_jsonl(
    store: Store, out: TextIO, *, article_ids: Iterable[str] | None = None, oldest: bool = False
) -> int:
    """Write the archived articles to ``out``, one JSON object per line, newest first
    (or oldest first, or in the order of ``article_ids``: see ``selected_articles``).

    Keys: ``EXPORT_KEYS`` then ``CITATION_KEYS``. Returns the number of articles written.
    Raises ``StoreError`` if the database refuses.
    """
    count = 0
    for archived in selected_articles(store, article_ids, oldest=oldest):
        out.write(json.dumps(export_record(archived), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def export_csv(
    store: Store, out: TextIO, *, article_ids: Iterable[str] | None = None, oldest: bool = False
) -> int:
    """Write the archived articles to ``out`` as CSV with a header row, newest first
    (or oldest first, or in the order of ``article_ids``: see ``selected_articles``).

    The text starts with a byte-order mark (``CSV_BOM``): without it Excel reads the file
    in the machine's code page and garbles the Vietnamese. Columns are ``EXPORT_KEYS``
    then ``CITATION_KEYS``; lists (tags, images, related) are JSON strings, missing values
    empty, ``removed`` is ``true``/``false``, and a text that a spreadsheet would run as a
    formula is quoted (see ``spreadsheet_cell``). Open ``out`` with ``newline=""`` (the
    csv module writes ``\\r\\n``). Returns the number of articles written. Raises
    ``StoreError`` if the database refuses.
    """
    out.write(CSV_BOM)
    writer = csv.DictWriter(out, fieldnames=(*EXPORT_KEYS, *CITATION_KEYS))
    writer.writeheader()
    count = 0
    for archived in selected_articles(store, article_ids, oldest=oldest):
        writer.writerow(csv_row(export_record(archived)))
        count += 1
    return count


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """Return an ``export_record`` as a CSV row: lists as JSON, booleans as true/false,
    texts as ``spreadsheet_cell`` makes them."""
    return {key: _cell(value) for key, value in record.items()}


def spreadsheet_cell(value: Any) -> Any:
    """``value``, or for a text that a spreadsheet would read as a formula (starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) that text after an apostrophe,
    which spreadsheets show as text and do not run: the archive holds a third party's
    words, and a title like ``=HYPERLINK(…)`` must not become a live link or command."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return spreadsheet_cell(value)
