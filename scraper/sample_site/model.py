"""Types of the sample site: HTTP answers, options, ground truth and page plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

RelatedKind = Literal["doc-them", "inline"]
LoadmoreShape = Literal["html", "contents"]


@dataclass(frozen=True, slots=True)
class Response:
    """One prepared HTTP answer: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        """Return the first extra header called ``name`` (case-insensitive), else ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """Switches for the site's behaviour that crawler tests vary.

    ``loadmore_shape``: ``"html"`` answers ``data.articles`` (HTML of story items),
    ``"contents"`` answers ``data.contents`` (a list of objects).
    ``robots_disallow_api``: add ``Disallow: /api/`` to robots.txt.
    ``robots_blocked_agent``: a robots.txt group forbidding the whole site to that user
    agent (as sites shut out one crawler by name).
    ``feed_host_alias``: the RSS feeds name every page on another host, the site's host
    with this in front (``"www."``, ``"m."``), which serves nothing: the crawler must
    not fetch it, nor lose the articles.
    ``html_pagination``: section pages carry a ``rel="next"`` link to ``/<slug>/?page=N``,
    which lists what load-more page N lists.
    ``section_size``: articles of the Xây dựng Đảng section (benchmarks ask for thousands).
    """

    loadmore_shape: LoadmoreShape = "html"
    robots_disallow_api: bool = False
    robots_blocked_agent: str | None = None
    feed_host_alias: str | None = None
    section_size: int = 40
    html_pagination: bool = False  # section pages also link ?page=N with rel="next"
    gzip_sitemaps: bool = False  # monthly sitemaps as /sitemaps/news-YYYY-MM.xml.gz files


class ImageTruth(NamedTuple):
    """An inline image as a reader sees it: real URL (absolute), caption, alt text."""

    url: str
    caption: str | None
    alt: str | None


class RelatedTruth(NamedTuple):
    """A related link: "Đọc thêm" item (``doc-them``) or an inline ``.cms-relate`` box."""

    url: str
    title: str
    summary: str | None
    kind: RelatedKind


@dataclass(frozen=True, slots=True)
class ArticleTruth:
    """What a correct parser must extract from one article page.

    Texts are NFC with whitespace collapsed (``&nbsp;`` read as a space, zero-width spaces
    dropped). ``body_paragraphs`` excludes captions, ads, comments and inline related boxes.
    ``images`` and ``related`` are in document order (inline boxes sit in the body, so they
    come before the "Đọc thêm" items).
    """

    url: str
    article_id: str
    section_slug: str
    section_name: str
    title: str
    lead: str
    published_at: datetime
    updated_at: datetime
    author: str
    tags: tuple[str, ...]
    body_paragraphs: tuple[str, ...]
    images: tuple[ImageTruth, ...]
    related: tuple[RelatedTruth, ...]
    # What the parser must warn about, in its order (a video article: "body: video only").
    warnings: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The URL's path (the route key of the article page)."""
        return urlsplit(self.url).path

    @property
    def summary(self) -> str:
        """The lead without its ``(Baohatinh.vn) - `` prefix, as listings print it."""
        return self.lead.removeprefix("(Baohatinh.vn) - ")


@dataclass(frozen=True, slots=True)
class Variant:
    """How one generated article page is written (the template variants of the CMS)."""

    table_captions: bool  # table.picture + td.caption instead of figure + figcaption
    caption_in_p: bool  # td.caption wraps its text in a <p> (a body-text trap)
    lazy_images: bool  # src is a data: placeholder, the real URL is in data-src
    meta_colon: bool  # article:published_time written +07:00 (else +0700)
    time_epoch: bool  # .article__meta time has data-time (epoch) and no datetime
    sapo_h2: bool  # the lead is an h2.article__sapo (else a div)
    json_ld: bool  # a NewsArticle JSON-LD block in <head>
    nfd_title: bool  # the h1 is written in Unicode NFD (og:title stays NFC)
    old_image_names: bool  # migrated image names like 77d4144024t6461l0.jpg
    no_published_meta: bool  # no article:published_time: the time element or JSON-LD decides
    time_text_only: bool  # the .article__meta time has neither datetime nor data-time
    plain_lead: bool  # a migrated old article: the lead lacks "(Baohatinh.vn) - "
    avatar: bool  # a figure.article__avatar feature image above the body
    byline_only: bool  # no .cms-author: the author is a short bold last paragraph
    doc_them_h2: bool  # "Đọc thêm" items with h2.story__heading (else h3)
    ld_breadcrumb: bool  # a JSON-LD BreadcrumbList in <head>, ending with the article
    no_section_meta: bool  # no article:section: the breadcrumbs decide
    br_paragraphs: bool  # consecutive paragraphs in one <p>, split by <br><br> (migrated)
    video_only: bool  # the body holds only an <iframe> player


@dataclass(frozen=True, slots=True)
class Para:
    """A body paragraph: its expected text and the HTML written for it (traps included)."""

    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Pic:
    """A body image block."""

    image: ImageTruth
    variant: Variant


@dataclass(frozen=True, slots=True)
class InlineBox:
    """An ``article.cms-relate`` box inside the body."""

    related: RelatedTruth


@dataclass(frozen=True, slots=True)
class Raw:
    """Markup that carries no body text (ads, comments, empty paragraphs)."""

    html: str


@dataclass(frozen=True, slots=True)
class Note:
    """A ``.notebox``: its paragraphs ARE body text."""

    paras: tuple[Para, ...]


Block = Para | Pic | InlineBox | Raw | Note


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """Everything needed to render one generated article page."""

    truth: ArticleTruth
    variant: Variant
    blocks: tuple[Block, ...]
    doc_them: tuple[ArticleTruth, ...]
    latest: tuple[ArticleTruth, ...]
    most_read: tuple[ArticleTruth, ...]
