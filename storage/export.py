"""Export the archive as JSON Lines or CSV, streaming (memory stays bounded).

The JSON Lines keys, their order and spelling are a promise to other tools (see
ARCHITECTURE.md, "Export schema"): ``EXPORT_KEYS``. Keys may be added, never renamed.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, TextIO

from .store import ArchivedArticle, Store

__all__ = ["EXPORT_KEYS", "export_csv", "export_jsonl", "export_record"]

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
    }


def export_jsonl(store: Store, out: TextIO) -> int:
    """Write every archived article to ``out``, one JSON object per line, newest first.

    Returns the number of articles written. Raises ``StoreError`` if the database refuses.
    """
    count = 0
    for archived in store.iter_articles():
        out.write(json.dumps(export_record(archived), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def export_csv(store: Store, out: TextIO) -> int:
    """Write every archived article to ``out`` as CSV with a header row, newest first.

    Columns are ``EXPORT_KEYS``; lists (tags, images, related) are JSON strings, missing
    values empty. Open ``out`` with ``newline=""`` (the csv module writes ``\\r\\n``).
    Returns the number of articles written. Raises ``StoreError`` if the database refuses.
    """
    writer = csv.DictWriter(out, fieldnames=EXPORT_KEYS)
    writer.writeheader()
    count = 0
    for archived in store.iter_articles():
        writer.writerow(_flat(export_record(archived)))
        count += 1
    return count


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
        for key, value in record.items()
    }
