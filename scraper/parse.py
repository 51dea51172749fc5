"""Turn one article page into an :class:`~scraper.records.Article`: :func:`parse_article`.

Pure: the page's HTML and URL in, a record out, no I/O. Every field is read through a
cascade of sources; the first that gives a value wins and its name is recorded in
``Article.sources[field]``:

==============  ================================================================
field           cascade (source names as recorded)
==============  ================================================================
url             ``og`` (og:url) → ``canonical`` (link rel) → ``given``; a head URL
                counts only for the fetched URL's id, on its scheme and host
title           ``cms`` (h1) → ``og`` → ``jsonld`` (headline) → ``heading`` (first
                h1) → ``title-tag`` (site name stripped)
lead            ``cms`` (sapo) → ``meta`` (description) → ``og`` → ``jsonld``
published       ``meta`` (article:published_time) → ``jsonld`` → ``cms`` (time
                attribute) → ``text`` (visible date)
updated         ``meta`` (article:modified_time) → ``jsonld``
author          ``cms`` → ``jsonld`` (a Person) → ``meta`` → ``byline`` (short bold
                last paragraph that reads as names); the site's own name is no author
section         ``meta`` (article:section) → ``jsonld`` (BreadcrumbList) → ``cms``
                (breadcrumb), a crumb naming the article itself left out, and a
                breadcrumb going deeper than the meta's section wins;
                ``section_slug``: ``cms`` → ``jsonld``
tags            ``cms`` → ``meta`` (article:tag) → ``jsonld`` (keywords)
body            ``cms`` (profile selectors) → ``heuristic`` (the parent of most
                paragraph text)
images          ``cms`` (body) → ``feature`` (avatar) → ``og`` (og:image)
related         ``cms`` (inline ``.cms-relate`` boxes, then the "Đọc thêm" block)
==============  ================================================================

Why this order: it follows SITE.md's confidence marks. Markup seen on the site itself or
on its sister sites comes before JSON-LD, which nobody has seen on this CMS. For what a
reader reads (title, lead, author, tags) the printed element comes before its meta copy,
which may be shortened or lose the ``(Baohatinh.vn) -`` prefix; for times, the
machine-readable values come first, since the visible text has no seconds and no offset.

Errors: ``NotAnArticle`` with a reason when the page is not an article: ``"section page"``
or ``"tag page"`` (by URL), ``"no article id in the URL"``, ``"error page"`` (an error
message served with status 200: no body container, and the title or heading says so),
``"no title"``, ``"no body"`` (neither a body container nor paragraphs found by the
heuristic), ``"empty body"`` (a body without text or images); ``ParseError`` for any
other failure. No other exception type leaves :func:`parse_article`. A missing field is
never an error: it becomes a warning such as ``"no author"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from .body import (
    body_html,
    body_images,
    body_paragraphs,
    bold_byline,
    drop_elements,
    image_url,
)
from .css import closest, indexed
from .dates import parse_datetime
from .document import (
    Element,
    EmptyDocument,
    all_matches,
    base_href,
    element_text,
    first_match,
    is_inside,
    jsonld_of_type,
    link_href,
    parse_document,
    read_jsonld,
    read_meta,
    union_matches,
)
from .errors import NotAnArticle, parse_errors_only
from .profile import DEFAULT_PROFILE, SiteProfile
from .records import Article, Image, RelatedLink
from .related import absolute_link, doc_them_boxes, doc_them_links, inline_links
from .text import clean_text, contains_text, same_text
from .urls import article_id, canonical_or_none, canonicalize, host_of, join_or_none

PARSER_VERSION = "4"
"""Bumped whenever a change makes the parser give different records for the same page."""

# schema.org vocabulary, not site markup: these names are the same on every site.
_ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
    }
)
_BREADCRUMB_TYPES = frozenset({"BreadcrumbList"})
# <meta> keys (property, name or itemprop; lower-cased), most specific first.
_META_KEYS: dict[str, tuple[str, ...]] = {
    "published": ("article:published_time", "datepublished", "pubdate", "publishdate"),
    "updated": ("article:modified_time", "og:updated_time", "datemodified"),
    "section": ("article:section",),
    "tags": ("article:tag",),
    "author": ("author", "article:author"),
    "description": ("description",),
}
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")
# Where no container is known, a body needs this much paragraph text to count as one.
_HEURISTIC_MIN_CHARS = 300
_HEURISTIC_MIN_PARAGRAPHS = 2
_NOT_BODY_TAGS = frozenset({"header", "footer", "nav", "aside"})
# An error message is its error word and a few more ("Lỗi 404", "Bài viết đã gỡ").
_ERROR_MESSAGE_EXTRA_WORDS = 3

T = TypeVar("T")
Timed = tuple[datetime, str]
Crumb = tuple[str, str | None]  # a breadcrumb's name and link


@parse_errors_only
def parse_article(html: str | bytes, url: str, profile: SiteProfile = DEFAULT_PROFILE) -> Article:
    """Parse one article page fetched from ``url`` into an ``Article``.

    ``html`` may be bytes (decoded as UTF-8, or as the page declares) or text. Raises
    ``NotAnArticle`` for pages that are not articles and ``ParseError`` for anything else
    that goes wrong; never another exception type (``parse_errors_only``).
    """
    return _parse(html, url, profile)


# --- the page as the parser sees it ------------------------------------------------------


@dataclass
class _Page:
    """One parsed page with its head data, and what the cascades have found so far."""

    url: str
    base: str
    root: Element
    profile: SiteProfile
    meta: dict[str, list[str]]
    ld_article: dict[str, Any]
    ld_breadcrumb: list[tuple[str, str | None]]
    title_element: Element | None = None
    article_id: str | None = None
    title: str = ""
    body: Element | None = None
    region: Element | None = None
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def css(self, name: str) -> tuple[str, ...]:
        """The profile's selectors called ``name``."""
        return self.profile.select(name)

    def meta_values(self, field_name: str) -> list[str]:
        """The contents of the first ``<meta>`` key of ``_META_KEYS[field_name]`` present."""
        for key in _META_KEYS[field_name]:
            if key in self.meta:
                return self.meta[key]
        return []

    def meta_value(self, key: str) -> str | None:
        """The first content of the ``<meta>`` key ``key``, if any."""
        values = self.meta.get(key)
        return values[0] if values else None


def _cascade(
    page: _Page, name: str, steps: Sequence[tuple[str, Callable[[_Page], T | None]]]
) -> T | None:
    """Run ``steps`` in order; record the source of the first non-empty value, return it."""
    for source, step in steps:
        value = step(page)
        if value:
            page.sources[name] = source
            return value
    return None


def _load(html: str | bytes, url: str, profile: SiteProfile) -> _Page:
    try:
        root = parse_document(html)
    except EmptyDocument as exc:
        raise NotAnArticle(url, str(exc)) from None
    objects, unreadable = read_jsonld(root)
    page = _Page(
        url=url,
        base=join_or_none(url, base_href(root) or url) or url,
        root=root,
        profile=profile,
        meta=read_meta(root),
        ld_article=jsonld_of_type(objects, _ARTICLE_TYPES) or {},
        ld_breadcrumb=_ld_breadcrumb(jsonld_of_type(objects, _BREADCRUMB_TYPES)),
    )
    if unreadable:
        page.warnings.append(f"{unreadable} unreadable JSON-LD block(s)")
    return page


def _parse(html: str | bytes, url: str, profile: SiteProfile) -> Article:
    page = _load(html, url, profile)
    # Some forty selector lookups per page: answered from one index of the page.
    with indexed(page.root):
        return _read(page, url, profile)


def _read(page: _Page, url: str, profile: SiteProfile) -> Article:
    canonical, site_id = _canonical_url(page)
    page.article_id = site_id
    page.title_element = first_match(page.root, page.css("title"))
    page.body = first_match(page.root, page.css("body"))
    page.region = _region(page.root, page.title_element, page.body)
    if page.body is None and _is_error_page(page):
        raise NotAnArticle(url, "error page")
    title = _cascade(page, "title", _TITLE_STEPS)
    if not title:
        raise NotAnArticle(url, "no title")
    page.title = title
    fields = _head_fields(page)
    # "Đọc thêm" is read before the body is cleaned: the block may sit inside the body.
    doc_them = doc_them_links(doc_them_boxes(page.root, profile), page.base, profile)
    body_fields, inline = _body_fields(page)
    # Page order: the inline boxes stand in the body, before the "Đọc thêm" block.
    related = _unique_related([*inline, *doc_them], canonical)
    if related:
        page.sources["related"] = "cms"
    author = _cascade(page, "author", _AUTHOR_STEPS) or None
    return Article(
        url=canonical,
        article_id=site_id,
        title=title,
        author=author,
        related=tuple(related),
        template=_template(page, canonical),
        sources=page.sources,
        warnings=tuple(page.warnings + _missing(fields, author)),
        parser_version=PARSER_VERSION,
        **fields,
        **body_fields,
    )


# --- url ---------------------------------------------------------------------------------


def _canonical_url(page: _Page) -> tuple[str, str]:
    """Return the canonical article URL and its id; raises ``NotAnArticle`` when none.

    The fetched URL's id is the article's: an og:url or canonical link naming another id
    (a template copied from another article) is ignored with a warning. One naming the
    same article gives its path (the current URL family for an old URL), written with
    the fetched URL's scheme and host, so that ``www.`` or ``http://`` in the head does
    not make a second record of one article.
    """
    given = canonicalize(page.url)
    given_id = article_id(given, page.profile)
    candidates = (
        ("og", page.meta_value("og:url")),
        ("canonical", link_href(page.root, "canonical")),
    )
    for source, candidate in candidates:
        url = canonical_or_none(candidate, page.url) if candidate else None
        if url is None:
            continue
        found_id = article_id(url, page.profile)
        if not found_id or not _same_site(url, given):
            continue
        if given_id and given_id != found_id:
            page.warnings.append(
                f"{source} URL id {found_id} differs from URL id {given_id} (ignored)"
            )
            continue
        page.sources["url"] = source
        return _on_host_of(url, given), found_id
    if given_id is None:
        raise NotAnArticle(page.url, _not_article_url_reason(given, page.profile))
    page.sources["url"] = "given"
    return given, given_id


def _not_article_url_reason(url: str, profile: SiteProfile) -> str:
    """Why a URL without an article id is no article: a tag page, a section page, or
    simply no id (a listing of another kind, the home page)."""
    path = urlsplit(url).path
    if profile.pattern("tag").match(path):
        return "tag page"
    if profile.pattern("section").match(path):
        return "section page"
    return "no article id in the URL"


def _is_error_page(page: _Page) -> bool:
    """Tell whether the page's title or first heading is an error message ("404",
    "Không tìm thấy trang"): some servers answer a missing article with status 200."""
    words = page.css("error_page_words")
    heading = next(page.root.iter("h1"), None)
    for element in (next(page.root.iter("title"), None), heading):
        text = _element_text(element)
        if text and any(_is_error_message(part, words) for part in _title_parts(text)):
            return True
    return False


def _title_parts(text: str) -> list[str]:
    """The parts of a title between its separators ("404 - Không tìm thấy | Báo …")."""
    parts = [text]
    for separator in _TITLE_SEPARATORS:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [part.strip() for part in parts if part.strip()]


def _is_error_message(text: str, words: Sequence[str]) -> bool:
    """Tell whether ``text`` is an error message: an error word with at most a few words
    around it ("Lỗi 404"), not a headline that merely holds one ("Hà Tĩnh hỗ trợ 404 hộ
    dân …", "Khắc phục lỗi hệ thống cấp nước …")."""
    size = len(text.split())
    return any(
        contains_text(text, word) and size - len(word.split()) <= _ERROR_MESSAGE_EXTRA_WORDS
        for word in words
    )


def _same_site(a: str, b: str) -> bool:
    return host_of(a).removeprefix("www.") == host_of(b).removeprefix("www.")


def _on_host_of(url: str, fetched: str) -> str:
    """``url`` with the scheme and host (port included) of ``fetched``, a URL of the same site."""
    wanted = urlsplit(fetched)
    return urlunsplit(urlsplit(url)._replace(scheme=wanted.scheme, netloc=wanted.netloc))


# --- title, lead, times, section, tags ---------------------------------------------------


def _region(root: Element, title: Element | None, body: Element | None) -> Element:
    """The smallest element holding both the title and the body: the article itself.

    Looking for the byline, date and tags only there keeps sidebar stories (which carry
    their own ``time`` elements) from answering for the article.
    """
    if title is None or body is None:
        return root
    ancestors = {title, *title.iterancestors()}
    node: Element | None = body
    while node is not None and node not in ancestors:
        node = node.getparent()
    return node if node is not None else root


def _element_text(element: Element | None) -> str:
    return element_text(element) if element is not None else ""


def _in_region(name: str) -> Callable[[_Page], str]:
    def step(page: _Page) -> str:
        return _element_text(first_match(page.region, page.css(name)))

    return step


def _meta_text(key: str) -> Callable[[_Page], str]:
    return lambda page: clean_text(page.meta_value(key) or "")


def _meta_field_text(field_name: str) -> Callable[[_Page], str]:
    return lambda page: clean_text(next(iter(page.meta_values(field_name)), ""))


def _ld_text(key: str) -> Callable[[_Page], str]:
    def step(page: _Page) -> str:
        value = page.ld_article.get(key)
        return clean_text(value) if isinstance(value, str) else ""

    return step


def _first_heading(page: _Page) -> str:
    return _element_text(next(page.root.iter("h1"), None))


def _title_tag(page: _Page) -> str:
    text = _element_text(next(page.root.iter("title"), None))
    site = clean_text(page.meta_value("og:site_name") or "")
    for separator in _TITLE_SEPARATORS if site else ():
        head, sep, tail = text.rpartition(separator)
        if sep and same_text(tail, site):
            return head.strip()
    return text


_TITLE_STEPS = (
    ("cms", lambda page: _element_text(page.title_element)),
    ("og", _meta_text("og:title")),
    ("jsonld", _ld_text("headline")),
    ("heading", _first_heading),
    ("title-tag", _title_tag),
)
_LEAD_STEPS = (
    ("cms", _in_region("lead")),
    ("meta", _meta_field_text("description")),
    ("og", _meta_text("og:description")),
    ("jsonld", _ld_text("description")),
)


def _head_fields(page: _Page) -> dict[str, Any]:
    """Lead, times, section and tags: the fields read outside the body."""
    published = _cascade(page, "published", _published_steps())
    updated = _cascade(page, "updated", _updated_steps())
    section, section_slug = _section(page)
    return {
        "lead": _cascade(page, "lead", _LEAD_STEPS) or None,
        "published_at": published[0] if published else None,
        "published_raw": published[1] if published else None,
        "updated_at": updated[0] if updated else None,
        "updated_raw": updated[1] if updated else None,
        "section": section,
        "section_slug": section_slug,
        "tags": tuple(_cascade(page, "tags", _TAG_STEPS) or ()),
    }


def _timed(page: _Page, raw: str | None, where: str) -> Timed | None:
    """Parse ``raw``; an unreadable value is a warning, and the cascade goes on."""
    if not raw or not raw.strip():
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        page.warnings.append(f"unreadable time {raw.strip()!r} in {where}")
        return None
    return parsed, raw.strip()


def _meta_time(field_name: str) -> Callable[[_Page], Timed | None]:
    def step(page: _Page) -> Timed | None:
        values = page.meta_values(field_name)
        return _timed(page, values[0], "meta") if values else None

    return step


def _ld_time(key: str) -> Callable[[_Page], Timed | None]:
    def step(page: _Page) -> Timed | None:
        value = page.ld_article.get(key)
        return _timed(page, value, "JSON-LD") if isinstance(value, str) else None

    return step


def _cms_time(page: _Page) -> Timed | None:
    """A machine time in an attribute (``datetime``, ``data-time``) of a ``published``
    match inside the article."""
    for css in page.css("published"):
        element = first_match(page.region, (css,))
        for attribute in page.css("published_attrs") if element is not None else ():
            found = _timed(page, element.get(attribute), f"{css} @{attribute}")
            if found:
                return found
    return None


def _text_time(page: _Page) -> Timed | None:
    """A date in the visible text of the article header (``Thứ Ba, 15/10/2024 - 10:12``)."""
    for name in ("published", "published_text"):
        for css in page.css(name):
            element = first_match(page.region, (css,))
            text = _element_text(element)
            parsed = parse_datetime(text) if text else None
            if parsed is not None:
                return parsed, text
    return None


def _published_steps() -> tuple[tuple[str, Callable[[_Page], Timed | None]], ...]:
    return (
        ("meta", _meta_time("published")),
        ("jsonld", _ld_time("datePublished")),
        ("cms", _cms_time),
        ("text", _text_time),
    )


def _updated_steps() -> tuple[tuple[str, Callable[[_Page], Timed | None]], ...]:
    return (("meta", _meta_time("updated")), ("jsonld", _ld_time("dateModified")))


def _cms_tags(page: _Page) -> list[str]:
    return _unique_text(
        element_text(link).lstrip("#").strip()
        for link in all_matches(page.region, page.css("tags"))
    )


def _ld_keywords(page: _Page) -> list[str]:
    value = page.ld_article.get("keywords")
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return _unique_text(clean_text(item) for item in value if isinstance(item, str))


_TAG_STEPS = (
    ("cms", _cms_tags),
    ("meta", lambda page: _unique_text(clean_text(v) for v in page.meta_values("tags"))),
    ("jsonld", _ld_keywords),
)


def _unique_text(values: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for value in values:
        if value and not any(same_text(value, old) for old in kept):
            kept.append(value)
    return kept


def _section(page: _Page) -> tuple[str | None, str | None]:
    """The section name and the slug of its page (``xay-dung-dang``)."""
    crumbs = _not_self(page, _breadcrumb(page))
    ld_crumbs = _not_self(page, page.ld_breadcrumb)
    name = _cascade(
        page,
        "section",
        (
            ("meta", _meta_field_text("section")),
            ("jsonld", lambda p: ld_crumbs[-1][0] if ld_crumbs else ""),
            ("cms", lambda p: crumbs[-1][0] if crumbs else ""),
        ),
    )
    if not name:
        return None, None
    trails = (("cms", crumbs), ("jsonld", ld_crumbs))
    if page.sources["section"] == "meta" and (deeper := _deeper_crumb(name, trails)):
        name, page.sources["section"] = deeper
    for source, trail in trails:
        for text, url in trail:
            if url and same_text(text, name) and (slug := _slug(url)):
                page.sources["section_slug"] = source
                return name, slug
    page.warnings.append("no section slug")
    return name, None


def _deeper_crumb(name: str, trails: Iterable[tuple[str, list[Crumb]]]) -> tuple[str, str] | None:
    """The last crumb's name and its trail's source, when a trail holds ``name`` (the
    meta's section) above its end: the meta named a parent zone (Chính trị), the trail
    goes on to the article's own section (Xây dựng Đảng)."""
    for source, trail in trails:
        names = [text for text, _ in trail]
        if any(same_text(text, name) for text in names[:-1]):
            return names[-1], source
    return None


def _not_self(page: _Page, trail: list[Crumb]) -> list[Crumb]:
    """``trail`` less the crumbs naming the article itself.

    Many templates (and Google's examples) end the trail with the page: by its URL (its
    article id) or by its title. Such a crumb is no section.
    """
    return [
        (text, url)
        for text, url in trail
        if not same_text(text, page.title)
        and not (url and article_id(url, page.profile) == page.article_id)
    ]


def _breadcrumb(page: _Page) -> list[tuple[str, str | None]]:
    crumbs = []
    for link in all_matches(page.root, page.css("breadcrumb")):
        url = absolute_link(link.get("href"), page.base)
        text = element_text(link) or clean_text(link.get("title") or "")
        if text and (url is None or urlsplit(url).path.strip("/")):
            crumbs.append((text, url))
    return crumbs


def _ld_breadcrumb(data: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    """The BreadcrumbList's (name, url) pairs by position, the home page left out."""
    items = data.get("itemListElement") if data else None
    if not isinstance(items, list):
        return []
    crumbs = []
    ordered = sorted(
        (item for item in items if isinstance(item, dict)),
        key=lambda item: item.get("position") if isinstance(item.get("position"), int) else 0,
    )
    for item in ordered:
        target = item.get("item")
        url = target if isinstance(target, str) else None
        name = item.get("name")
        if isinstance(target, dict):
            url = target.get("@id") or target.get("url")
            name = name or target.get("name")
        if isinstance(name, str) and clean_text(name):
            url = url if isinstance(url, str) else None
            if url is None or urlsplit(url).path.strip("/"):
                crumbs.append((clean_text(name), url))
    return crumbs


def _slug(url: str) -> str | None:
    """The last path segment of a section URL, without ``.html``: ``/chinh-tri/xdd/`` → ``xdd``."""
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if not segments:
        return None
    return segments[-1].removesuffix(".html").removesuffix(".htm") or None


# --- author ------------------------------------------------------------------------------


def _ld_author(page: _Page) -> str:
    """Names of the JSON-LD authors that are people (an Organization is the newspaper)."""
    value = page.ld_article.get("author")
    names = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(clean_text(item))
        elif isinstance(item, dict) and item.get("@type") != "Organization":
            name = item.get("name")
            names.append(clean_text(name) if isinstance(name, str) else "")
    return ", ".join(name for name in names if name and not _is_site_name(page, name))


def _meta_author(page: _Page) -> str:
    for value in page.meta_values("author"):
        name = clean_text(value)
        if not value.lower().startswith(("http://", "https://")) and not _is_site_name(page, name):
            return name
    return ""


def _cms_author(page: _Page) -> str:
    name = _in_region("author")(page)
    return "" if _is_site_name(page, name) else name


def _is_site_name(page: _Page, name: str) -> bool:
    """Tell whether ``name`` names the newspaper itself (the profile's
    ``site_name_words``, or the page's og:site_name): a site-wide author, no person."""
    names = [*page.css("site_name_words"), page.meta_value("og:site_name") or ""]
    return any(same_text(name, site) for site in names if site)


_AUTHOR_STEPS = (
    ("cms", _cms_author),
    ("jsonld", _ld_author),
    ("meta", _meta_author),
    ("byline", lambda p: bold_byline(p.body, p.profile) if p.body is not None else ""),
)


# --- body --------------------------------------------------------------------------------


def _body_fields(page: _Page) -> tuple[dict[str, Any], list[RelatedLink]]:
    """Clean the body in place and read it: the body fields, and the inline links."""
    body = _body_container(page)
    inline = inline_links(body, page.base, page.profile)
    noise = union_matches(body, page.css("body_noise"))
    for box, heading in doc_them_boxes(body, page.profile):
        noise += [box, heading]
    # A player is noise beside text (an embed), but all that a video article holds: it
    # stays until the body is known to have nothing else.
    players = set(union_matches(body, page.css("body_media")))
    drop_elements(element for element in noise if element not in players)
    own_images = body_images(body, page.base, page.profile)
    page.sources["images"] = "cms"
    images = own_images or _feature_image(page)
    skip = union_matches(body, page.css("caption"))
    skip += [el for el in union_matches(page.region, page.css("author")) if is_inside(el, body)]
    paragraphs = body_paragraphs(body, skip)
    if paragraphs or own_images:
        drop_elements(element for element in noise if element in players)
    elif any(is_inside(player, body) for player in players):
        page.warnings.append("body: video only")
    else:
        # Neither text nor an image nor a player: a stub, or the CMS failed to render it.
        raise NotAnArticle(page.url, "empty body")
    if not paragraphs:
        page.warnings.append("no body text")
    fields = {
        "body_paragraphs": tuple(paragraphs),
        "body_html": body_html(body),
        "images": tuple(images),
    }
    return fields, inline


def _body_container(page: _Page) -> Element:
    """The body container, found by the profile or else by the heuristic; raises
    ``NotAnArticle`` when neither finds one."""
    if page.body is not None:
        page.sources["body"] = "cms"
        return page.body
    page.body = _heuristic_body(page.root)
    if page.body is None:
        raise NotAnArticle(page.url, "no body")
    page.sources["body"] = "heuristic"
    page.warnings.append("body found by heuristic")
    return page.body


def _heuristic_body(root: Element) -> Element | None:
    """The element whose ``<p>`` children hold the most text, if it is enough for a body."""
    totals: dict[Element, list[Any]] = {}
    for paragraph in root.iter("p"):
        parent = paragraph.getparent()
        entry = totals.setdefault(parent, [parent, 0, 0])
        entry[1] += len(paragraph.text_content().strip())
        entry[2] += 1
    candidates = [
        (chars, parent)
        for parent, chars, count in totals.values()
        if count >= _HEURISTIC_MIN_PARAGRAPHS
        and chars >= _HEURISTIC_MIN_CHARS
        and not _in_page_furniture(parent)
    ]
    return max(candidates, key=lambda pair: pair[0])[1] if candidates else None


def _in_page_furniture(element: Element) -> bool:
    nodes = [element, *element.iterancestors()]
    return any(node.tag in _NOT_BODY_TAGS for node in nodes)


def _feature_image(page: _Page) -> list[Image]:
    img = first_match(page.root, page.css("feature_image"))
    url = image_url(img, page.base, page.profile) if img is not None else None
    if url:
        page.sources["images"] = "feature"
        alt = clean_text(img.get("alt") or "") or None
        return [Image(url=url, caption=None, alt=alt, position=0)]
    og = page.meta_value("og:image")
    og_url = join_or_none(page.base, og) if og else None
    if og_url:
        page.sources["images"] = "og"
        return [Image(url=og_url, caption=None, alt=None, position=0)]
    page.sources.pop("images", None)
    return []


def _unique_related(links: list[RelatedLink], own_url: str) -> list[RelatedLink]:
    """Each (kind, URL) once, and never a link to the article itself."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for link in links:
        key = (link.kind, link.url)
        if key not in seen and link.url != own_url:
            seen.add(key)
            kept.append(link)
    return kept


# --- template and warnings ---------------------------------------------------------------


def _template(page: _Page, url: str) -> str:
    """``tv`` and ``old`` by URL family, ``emagazine`` by its markers, else ``cms``."""
    path = urlsplit(url).path
    if page.profile.pattern("article_tv").match(path):
        return "tv"
    if page.profile.pattern("article_old").match(path):
        return "old"
    # Only the body and its ancestors are checked: a whole-page search for a class costs
    # more than the rest of the parse (measured), and the marker wraps the body.
    body = page.body if page.body is not None else page.root
    if closest(body, ", ".join(page.css("emagazine"))) is not None:
        return "emagazine"
    return "cms"


def _missing(fields: dict[str, Any], author: str | None) -> list[str]:
    checks = (
        ("lead", fields["lead"]),
        ("published time", fields["published_at"]),
        ("author", author),
        ("section", fields["section"]),
        ("tags", fields["tags"]),
    )
    return [f"no {name}" for name, value in checks if not value]
