"""The records that flow from fetching and parsing into the archive.

They are plain frozen dataclasses: ``storage`` imports them, ``scraper`` produces them.
Text is kept as printed (NFC-normalised); search folding happens in ``storage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

RelatedKind = Literal["doc-them", "inline"]


@dataclass(frozen=True, slots=True)
class Image:
    """One image of an article, in reading order (``position`` starts at 0)."""

    url: str
    caption: str | None
    alt: str | None
    position: int


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A link to another article: the "Đọc thêm" block (``doc-them``) or a box in the body."""

    url: str
    title: str
    summary: str | None
    kind: RelatedKind


@dataclass(frozen=True, slots=True)
class Article:
    """One article as parsed from one page.

    ``sources`` says which source gave each field (``{"title": "cms", "published": "meta"}``);
    ``warnings`` lists what the parser could not find or had to guess.
    """

    url: str
    article_id: str
    title: str
    lead: str | None = None
    published_at: datetime | None = None
    published_raw: str | None = None
    updated_at: datetime | None = None
    updated_raw: str | None = None
    author: str | None = None
    section: str | None = None
    section_slug: str | None = None
    tags: tuple[str, ...] = ()
    body_paragraphs: tuple[str, ...] = ()
    body_html: str = ""
    images: tuple[Image, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    template: str = "cms"
    sources: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    parser_version: str = "0"

    @property
    def body_text(self) -> str:
        """The body paragraphs joined by a blank line, as the export schema wants."""
        return "\n\n".join(self.body_paragraphs)


@dataclass(frozen=True, slots=True)
class RawPage:
    """One HTTP answer as fetched, before any parsing."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (the site's encoding), undecodable bytes replaced."""
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ImageFile:
    """A downloaded image file, stored under the images folder by its sha256.

    ``local_path`` is relative to that folder (``ab/cd/abcd….jpg``), so the folder can move.
    ``width`` and ``height`` are ``None`` when the format does not say them cheaply.
    """

    url: str
    sha256: str
    local_path: str
    size: int
    content_type: str
    width: int | None
    height: int | None
    downloaded_at: datetime
