"""Reading an article's revisions: list them, render one as text, diff two.

Each revision keeps the whole record as it was parsed (``article_revisions.snapshot``),
the content hash that made it distinct, when it was first seen and the parser version
that produced it. ``baohatinh show ID --revisions`` and ``--diff A B`` print what this
module returns.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scraper.errors import ArticleNotFound

from .convert import CONTENT_FIELDS
from .models import ArticleRow, RevisionRow
from .store import Store

__all__ = ["RevisionInfo", "diff_revisions", "list_revisions", "revision_text"]


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One revision of an article: its number, when first seen (UTC), and its facts."""

    article_id: str
    number: int
    seen_at: datetime
    content_hash: str
    parser_version: str
    title: str
    snapshot: Mapping[str, Any]


def list_revisions(store: Store, key: str) -> list[RevisionInfo]:
    """Return every revision of the article ``key`` (site id or URL), oldest first.

    Raises ``ArticleNotFound`` naming the key, ``StoreError`` if the database refuses.
    """
    article_id = store.get_article(key).article.article_id
    query = (
        select(RevisionRow)
        .join(ArticleRow, ArticleRow.id == RevisionRow.article_pk)
        .where(ArticleRow.article_id == article_id)
        .order_by(RevisionRow.revision)
    )
    with store.read_session(f"reading revisions of article {article_id}") as session:
        return [_info(article_id, row) for row in session.scalars(query)]


def _info(article_id: str, row: RevisionRow) -> RevisionInfo:
    return RevisionInfo(
        article_id=article_id,
        number=row.revision,
        seen_at=row.seen_at,
        content_hash=row.content_hash,
        parser_version=row.parser_version,
        title=str(row.snapshot.get("title", "")),
        snapshot=row.snapshot,
    )


def revision_text(snapshot: Mapping[str, Any]) -> list[str]:
    """Return the reader-visible content of a revision snapshot as lines, for diffing.

    The lines are what decides a new revision (``convert.CONTENT_FIELDS``, those
    ``convert.content_hash`` covers): title, lead, times, author, section, tags, body
    paragraphs, images with captions and alt texts, links with summaries and kinds.
    """
    return [
        line
        for name in CONTENT_FIELDS
        for line in _FIELD_LINES.get(name, _scalar_lines)(name, snapshot.get(name))
    ]


def _scalar_lines(name: str, value: Any) -> Iterator[str]:
    yield f"{name}: {value or ''}"


def _tag_lines(name: str, tags: Any) -> Iterator[str]:
    yield f"{name}: " + ", ".join(tags or ())
    yield ""


def _body_lines(_: str, paragraphs: Any) -> Iterator[str]:
    for paragraph in paragraphs or ():
        yield from str(paragraph).splitlines() or [""]
        yield ""


def _image_lines(_: str, images: Any) -> Iterator[str]:
    for image in images or ():
        yield f"image {image.get('position', 0) + 1}: {image.get('url')}"
        for part in ("caption", "alt"):
            if image.get(part):
                yield f"  {part}: {image[part]}"


def _related_lines(_: str, links: Any) -> Iterator[str]:
    for link in links or ():
        yield f"related ({link.get('kind')}): {link.get('title')} <{link.get('url')}>"
        if link.get("summary"):
            yield f"  summary: {link['summary']}"


# How the fields that are not one line of text read; every other field is one line.
_FIELD_LINES: dict[str, Callable[[str, Any], Iterator[str]]] = {
    "tags": _tag_lines,
    "body_paragraphs": _body_lines,
    "images": _image_lines,
    "related": _related_lines,
}


def diff_revisions(store: Store, key: str, old: int, new: int) -> str:
    """Return a unified diff from revision ``old`` to revision ``new`` of article ``key``.

    An empty string means the two revisions read the same. Raises ``ArticleNotFound``
    naming the article and the missing revision, ``StoreError`` if the database refuses.
    """
    revisions = {info.number: info for info in list_revisions(store, key)}
    for number in (old, new):
        if number not in revisions:
            known = ", ".join(str(n) for n in sorted(revisions))
            raise ArticleNotFound(
                f"article {key!r} has no revision {number} (it has: {known})"
            )
    a, b = revisions[old], revisions[new]
    lines = difflib.unified_diff(
        revision_text(a.snapshot),
        revision_text(b.snapshot),
        fromfile=f"{a.article_id} revision {a.number} ({a.seen_at:%Y-%m-%d %H:%M} UTC)",
        tofile=f"{b.article_id} revision {b.number} ({b.seen_at:%Y-%m-%d %H:%M} UTC)",
        lineterm="",
    )
    text = "\n".join(lines)
    return text + "\n" if text else ""
