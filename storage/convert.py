"""Between records and rows: ``Article`` ⇄ ``ArticleRow``, content hashes, snapshots.

Times of the article (published, updated) come back in the site's zone, Asia/Ho_Chi_Minh
(+07:00), which is how the site prints them; the database keeps UTC. Bookkeeping times
(first seen, last fetched) come back in UTC.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.records import Article, Image, RelatedKind, RelatedLink
from scraper.urls import article_id as article_id_of

from .models import ArticleRow, ImageRow, RelatedLinkRow

__all__ = [
    "CONTENT_FIELDS",
    "SITE_TZ",
    "article_columns",
    "article_from_row",
    "content_hash",
    "image_rows",
    "metadata_columns",
    "related_rows",
    "snapshot",
]


def _site_timezone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # no tz database installed: Vietnam has kept +07 since 1975
        return timezone(timedelta(hours=7), "+07")


SITE_TZ = _site_timezone()


def _norm(value: str | None) -> str | None:
    """Text as compared for "did the content change": NFC, whitespace runs collapsed."""
    if value is None:
        return None
    # The same text as re.sub(r"\s+", " ", …).strip() (both split on str.isspace()), at a
    # fifth of the cost: the regex had made the content hash a tenth of the writer's work.
    text = unicodedata.normalize("NFC", value)
    # Most text is collapsed already: then splitting it into words to join them again
    # gives it back. Every whitespace character but the space is unprintable.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _utc_iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


# The record's fields ``content_hash`` covers, in reading order (each image's url,
# caption, alt and position; each related link's url, title, summary and kind): what the
# diffs of two revisions (``show --diff``, the web page's history) compare, so that a new
# revision never reads as "no difference".
CONTENT_FIELDS: tuple[str, ...] = (
    "title",
    "lead",
    "published_at",
    "updated_at",
    "author",
    "section",
    "tags",
    "body_paragraphs",
    "images",
    "related",
)


def content_hash(article: Article) -> str:
    """Return the sha256 (hex) of the article's normalised reader-visible content.

    Covered: title, lead, body, images with captions, published and updated times (as
    instants), author, section, tags, related links. Not covered: URL, body HTML, parser
    version, sources and warnings, so a re-parse that only changes those is no new
    revision. A field added here belongs in ``CONTENT_FIELDS`` too.
    """
    content = {
        "title": _norm(article.title),
        "lead": _norm(article.lead),
        "published_at": _utc_iso(article.published_at),
        "updated_at": _utc_iso(article.updated_at),
        "author": _norm(article.author),
        "section": _norm(article.section),
        "tags": [_norm(tag) for tag in article.tags],
        "body": [_norm(paragraph) for paragraph in article.body_paragraphs],
        "images": [
            [_norm(image.url), _norm(image.caption), _norm(image.alt), image.position]
            for image in article.images
        ],
        "related": [
            [_norm(link.url), _norm(link.title), _norm(link.summary), link.kind]
            for link in article.related
        ],
    }
    return hashlib.sha256(_HASH_JSON.encode(content).encode("utf-8")).hexdigest()


# What content_hash hashes: json.dumps(content, ensure_ascii=False, sort_keys=True,
# separators=(",", ":")), with one encoder kept instead of a new one per call.
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def snapshot(article: Article) -> dict[str, Any]:
    """Return the whole record as JSON-ready data (times as ISO 8601 with offset)."""
    data: dict[str, Any] = _jsonable(article)
    return data


# Types returned as they are, and the field names of each dataclass met (in order): looked
# up by exact type, a step in C, where ``isinstance`` and ``fields()`` took several in
# Python for each of the ~60 values of an article.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_DATACLASS_FIELDS: dict[type, tuple[str, ...]] = {}


def _jsonable(value: Any) -> Any:
    """The same data as ``_jsonable(asdict(value))``, without ``asdict``'s deep copies
    (which cost more than the rest of writing a revision).

    The common types are told apart by exact type first; anything else (subclasses
    included) takes ``_jsonable_by_kind``, the definition.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:
        return [item if type(item) in _PLAIN else _jsonable(item) for item in value]
    names = _DATACLASS_FIELDS.get(kind)
    if names is not None:
        data = {}
        for name in names:
            item = getattr(value, name)
            data[name] = item if type(item) in _PLAIN else _jsonable(item)
        return data
    if kind is datetime:
        return value.isoformat()
    if kind is dict:
        return {key: _jsonable(item) for key, item in value.items()}
    return _jsonable_by_kind(value)


def _jsonable_by_kind(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        names = tuple(field.name for field in fields(value))
        _DATACLASS_FIELDS[type(value)] = names
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def metadata_columns(article: Article) -> dict[str, Any]:
    """Return the columns that may change without a new revision (see ``content_hash``)."""
    return {
        "url": article.url,
        "published_raw": article.published_raw,
        "updated_raw": article.updated_raw,
        "section_slug": article.section_slug,
        "body_html": article.body_html,
        "template": article.template,
        "sources": dict(article.sources),
        "warnings": list(article.warnings),
        "parser_version": article.parser_version,
    }


def article_columns(article: Article) -> dict[str, Any]:
    """Return every article column derived from the record (no bookkeeping times)."""
    return {
        "article_id": article.article_id,
        "title": article.title,
        "lead": article.lead,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "author": article.author,
        "section": article.section,
        "tags": list(article.tags),
        "body_text": article.body_text,
        "body_paragraphs": list(article.body_paragraphs),
        **metadata_columns(article),
    }


def image_rows(article: Article) -> list[ImageRow]:
    """Return new image rows for the article's images."""
    return [
        ImageRow(position=image.position, url=image.url, caption=image.caption, alt=image.alt)
        for image in article.images
    ]


def related_rows(article: Article) -> list[RelatedLinkRow]:
    """Return new related-link rows, numbered in the record's order."""
    return [
        RelatedLinkRow(
            position=position,
            url=link.url,
            target_article_id=article_id_of(link.url),
            title=link.title,
            summary=link.summary,
            kind=link.kind,
        )
        for position, link in enumerate(article.related)
    ]


def _site_time(value: datetime | None) -> datetime | None:
    return value.astimezone(SITE_TZ) if value is not None else None


def article_from_row(row: ArticleRow) -> Article:
    """Return the ``Article`` record stored in ``row`` (images and links loaded)."""
    return Article(
        url=row.url,
        article_id=row.article_id,
        title=row.title,
        lead=row.lead,
        published_at=_site_time(row.published_at),
        published_raw=row.published_raw,
        updated_at=_site_time(row.updated_at),
        updated_raw=row.updated_raw,
        author=row.author,
        section=row.section,
        section_slug=row.section_slug,
        tags=tuple(row.tags),
        body_paragraphs=tuple(row.body_paragraphs),
        body_html=row.body_html,
        images=tuple(
            Image(url=img.url, caption=img.caption, alt=img.alt, position=img.position)
            for img in row.images
        ),
        related=tuple(
            RelatedLink(
                url=link.url,
                title=link.title,
                summary=link.summary,
                kind=cast(RelatedKind, link.kind),
            )
            for link in row.related_links
        ),
        template=row.template,
        sources=dict(row.sources),
        warnings=tuple(row.warnings),
        parser_version=row.parser_version,
    )
