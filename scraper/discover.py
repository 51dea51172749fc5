"""Discovery: find article URLs on listing pages (pure functions, no I/O).

A section page shows lead blocks and a timeline of stories; the CMS loads more of the
timeline through ``/api/morenews-zone-<zoneId>-<page>.html``, which answers JSON in one of
two shapes (SITE.md): ``data.articles`` holding story HTML, or ``data.contents`` holding a
list of objects. Sidebars ("Tin mới", "Đọc nhiều") list other sections' articles and are
never read as the section's listing.

Listing HTML is read with lxml and the profile's selectors through ``scraper.css``, as
article pages are. It was BeautifulSoup: building a bs4 tree and matching with soupsieve
cost ~10 ms per load-more page against ~1.5 ms now (a crawl reads one such page per ten
articles). A link's text is read as ``get_text(" ", strip=True)`` read it: the stripped
strings joined by spaces, without comments or the text of scripts, styles, templates and
ruby annotations, so the listings found are the same.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from html.entities import name2codepoint
from typing import Any

import lxml.html
from lxml import etree

from .css import select
from .document import decode_html
from .errors import ParseError, parse_errors_only
from .profile import DEFAULT_PROFILE, SiteProfile
from .text import clean_text
from .urls import article_id, canonical_or_none, canonicalize

Element = lxml.html.HtmlElement
# Elements whose strings BeautifulSoup's get_text() left out (its string containers).
_NOT_LINK_TEXT = frozenset({"script", "style", "template", "rt", "rp"})
_LOCAL = threading.local()


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One article found on a listing: its canonical URL and site id, title if shown."""

    url: str
    article_id: str
    title: str | None = None
    published: datetime | None = None  # as the listing prints it, when it does


@dataclass(frozen=True, slots=True)
class SectionPage:
    """What a section page tells the crawler: its stories and the load-more zone id."""

    items: tuple[ListingItem, ...]
    zone_id: str | None
    next_url: str | None = None  # an HTML next-page link, where the listing has one


@dataclass(frozen=True, slots=True)
class LoadMorePage:
    """One answer of the load-more API."""

    items: tuple[ListingItem, ...]
    has_more: bool


@parse_errors_only
def parse_section_page(
    html: str | bytes, page_url: str, profile: SiteProfile = DEFAULT_PROFILE
) -> SectionPage:
    """Return the stories of the section page (lead blocks, then timeline) and its zone id."""
    root = _html_root(decode_html(html) if isinstance(html, bytes | bytearray) else html)
    containers: list[Element] = []
    for selector in profile.select("section_lead_blocks") + profile.select("section_timeline"):
        containers.extend(_select(root, selector))
    items = _items_from(containers, page_url, profile)
    return SectionPage(
        items=items, zone_id=_zone_id(root, profile), next_url=_next_page(root, page_url, profile)
    )


def _html_root(text: str) -> Element | None:
    """The ``<html>`` element of ``text`` (a page or a fragment); None when it holds no
    element. Comments are kept in the tree, so that text on either side of one stays
    two strings, as it was for BeautifulSoup."""
    if not text.strip():
        return None
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        # One parser per thread: lxml parser objects must not be shared between threads.
        parser = _LOCAL.parser = lxml.html.HTMLParser(
            remove_pis=True, collect_ids=False, no_network=True
        )
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError:  # "Document is empty": nothing but comments or blanks
        return None


def _select(scope: Element | None, css: str) -> list[Element]:
    return select(scope, css) if scope is not None else []


def _next_page(root: Element | None, page_url: str, profile: SiteProfile) -> str | None:
    for selector in profile.select("section_next_page"):
        node = next(iter(_select(root, selector)), None)
        href = node.get("href") if node is not None else None
        if isinstance(href, str) and href.strip() and not href.startswith(("#", "javascript:")):
            url = canonical_or_none(href, page_url)
            if url is not None:
                return url if url != canonicalize(page_url) else None
    return None


def _zone_id(root: Element | None, profile: SiteProfile) -> str | None:
    pattern = profile.pattern("zone_id")
    for selector in profile.select("section_timeline"):
        for node in _select(root, selector):
            match = pattern.search(node.get("data-source") or "")
            if match:
                return match.group("id")
    for selector in profile.select("section_loadmore"):
        for node in _select(root, selector):
            zone = node.get("data-zone") or node.get("data-id")
            if isinstance(zone, str) and zone.isdigit():
                return zone
    return None


@parse_errors_only
def parse_loadmore(
    body: str | bytes, api_url: str, profile: SiteProfile = DEFAULT_PROFILE
) -> LoadMorePage:
    """Parse one load-more answer of either JSON shape.

    Raises :class:`ParseError` (naming ``api_url``) when the answer is not the expected JSON.
    """
    try:
        payload = json.loads(body)
        data = payload["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(api_url, f"load-more answer is not the expected JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ParseError(api_url, "load-more answer has no 'data' object")
    if isinstance(data.get("contents"), list):
        items = _items_from_contents(data["contents"], api_url, profile)
    else:
        fragment = data.get("articles") or ""
        if not isinstance(fragment, str):
            raise ParseError(api_url, "load-more 'articles' is not HTML text")
        root = _html_root(fragment)
        items = _items_from([root] if root is not None else [], api_url, profile)
    # Without the flag (some sites of the CMS leave it out), a page that brought items
    # may have a next one: the crawl stops anyway on a page bringing nothing new.
    has_more = _truth(data["hasMoreContent"]) if "hasMoreContent" in data else bool(items)
    return LoadMorePage(items=items, has_more=has_more)


def _items_from_contents(
    contents: list[Any], api_url: str, profile: SiteProfile
) -> tuple[ListingItem, ...]:
    items: dict[str, ListingItem] = {}
    for entry in contents:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        item = _item(entry["url"], entry.get("title"), api_url, profile)
        if item is not None:
            when = entry.get("date")
            if isinstance(when, int | float) and not isinstance(when, bool):
                item = replace(item, published=_epoch_time(when))
            items.setdefault(item.article_id, item)
    return tuple(items.values())


def _truth(value: Any) -> bool:
    """A JSON flag, as a boolean or as text ("false", "0": an API may quote it)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# Epoch times past this many seconds (the year 5138) are read as milliseconds, as
# JavaScript gives them.
_EPOCH_MILLISECONDS = 10**11


def _epoch_time(when: float) -> datetime | None:
    """The time of an epoch number in seconds or milliseconds; ``None`` out of range."""
    if abs(when) >= _EPOCH_MILLISECONDS:
        when = when / 1000
    try:
        return datetime.fromtimestamp(when, SITE_TZ)
    except (ValueError, OverflowError, OSError):  # nan, or past what datetime holds
        return None


def _items_from(
    containers: list[Element], page_url: str, profile: SiteProfile
) -> tuple[ListingItem, ...]:
    """Collect article links from story headings inside ``containers``, first seen first."""
    items: dict[str, ListingItem] = {}
    for container in containers:
        for link in _story_links(container, profile):
            title = link.get("title") or _link_text(link)
            item = _item(link.get("href") or "", title, page_url, profile)
            if item is not None:
                item = replace(item, published=_story_time(link))
                items.setdefault(item.article_id, item)
    return tuple(items.values())


def _story_links(container: Element, profile: SiteProfile) -> list[Element]:
    # Each link once: the profile's heading selectors overlap (``.story__heading a`` also
    # matches ``.story__heading a.cms-link``), and reading a link twice gives nothing new.
    links: dict[Element, None] = {}
    for selector in profile.select("story_heading_link"):
        links.update(dict.fromkeys(select(container, selector)))
    # A lead block may be a bare story without a heading class: fall back to any link.
    return list(links) or select(container, "a[href]")


def _link_text(link: Element) -> str:
    """The link's strings, each stripped, joined by a space (see the module docstring)."""
    parts: list[str] = []
    _gather_strings(link, parts)
    return " ".join(parts)


def _gather_strings(element: Element, parts: list[str]) -> None:
    if element.text and element.text.strip():
        parts.append(element.text.strip())
    for child in element:
        # A comment's own text is no string of the page; its tail is.
        if isinstance(child.tag, str) and child.tag not in _NOT_LINK_TEXT:
            _gather_strings(child, parts)
        if child.tail and child.tail.strip():
            parts.append(child.tail.strip())


def _story_time(link: Element) -> datetime | None:
    """The ``time[datetime]`` of the story holding ``link``, if it prints one."""
    story = next(link.iterancestors("article", "li"), None)
    if story is None:
        story = link.getparent()
    node = next(iter(_select(story, "time[datetime]")), None)
    value = node.get("datetime") if node is not None else None
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=SITE_TZ)


def _item(href: str, title: Any, base: str, profile: SiteProfile) -> ListingItem | None:
    if not href:
        return None
    url = canonical_or_none(href, base)
    if url is None:
        return None  # one link urllib cannot read: the others are still the listing's
    found = article_id(url, profile)
    if found is None:
        return None
    text = clean_text(title) if isinstance(title, str) and title.strip() else None
    return ListingItem(url=url, article_id=found, title=text)


def loadmore_url(base_url: str, zone_id: str, page: int, profile: SiteProfile) -> str:
    """Return the load-more API URL for ``zone_id`` and ``page`` on the site's host."""
    path = profile.url_patterns["loadmore"].format(zone_id=zone_id, page=page)
    return canonicalize(path, base_url)


def section_url(base_url: str, slug: str, profile: SiteProfile) -> str:
    """Return the URL of the section page for ``slug``."""
    return canonicalize(profile.url_patterns["section_page"].format(slug=slug), base_url)


# --- feeds and sitemaps ------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
# A sitemap may be served gzip-compressed as a file (not as a transfer encoding); cap what
# it may inflate to, like any other answer.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<loc>`` of a sitemap index or urlset, with its ``lastmod`` if given."""

    url: str
    lastmod: datetime | None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: an index of other sitemaps, or a urlset of pages."""

    is_index: bool
    entries: tuple[SitemapEntry, ...]


@parse_errors_only
def parse_rss(
    body: bytes, feed_url: str, profile: SiteProfile = DEFAULT_PROFILE
) -> tuple[ListingItem, ...]:
    """Return the articles an RSS 2.0 (or Atom) feed links to, in feed order.

    Raises :class:`ParseError` naming ``feed_url`` when the body is not XML.
    """
    root, problem = _xml_root(body, feed_url)
    items: dict[str, ListingItem] = {}
    for node in root.iter():
        if _local(node.tag) not in ("item", "entry"):
            continue
        link = _child_text(node, "link") or _atom_href(node) or _child_text(node, "guid")
        if not link:
            continue
        item = _item(link, _child_text(node, "title"), feed_url, profile)
        if item is not None:
            items.setdefault(item.article_id, item)
    if problem and not items:
        raise ParseError(feed_url, f"not well-formed XML ({problem})")
    return tuple(items.values())


@parse_errors_only
def parse_sitemap(body: bytes, sitemap_url: str) -> Sitemap:
    """Parse a sitemap index or urlset, gzip-compressed or not.

    ``lastmod`` is the time of the last edit (not of publication): an edit hint.
    Raises :class:`ParseError` naming ``sitemap_url`` when it is not a sitemap.
    """
    root, problem = _xml_root(_gunzip(body, sitemap_url), sitemap_url)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise ParseError(sitemap_url, f"not a sitemap (root element <{kind}>)")
    child = "sitemap" if kind == "sitemapindex" else "url"
    entries = []
    for node in root:
        if not isinstance(node.tag, str) or _local(node.tag) != child:
            continue
        loc = _child_text(node, "loc")
        url = canonical_or_none(loc, sitemap_url) if loc else None
        if url is not None:
            entries.append(SitemapEntry(url, _w3c_time(_child_text(node, "lastmod"))))
    if problem and not entries:
        raise ParseError(sitemap_url, f"not well-formed XML ({problem})")
    return Sitemap(is_index=kind == "sitemapindex", entries=tuple(entries))


def _gunzip(body: bytes, url: str) -> bytes:
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, MAX_SITEMAP_BYTES)
    except zlib.error as exc:
        raise ParseError(url, f"broken gzip sitemap ({exc})") from None
    if inflater.unconsumed_tail:
        raise ParseError(url, f"gzip sitemap inflates past {MAX_SITEMAP_BYTES} bytes")
    return data


def _xml_root(body: bytes, url: str) -> tuple[Any, str | None]:
    """The root element of an XML document, and why a strict read failed (``None`` when
    it did not).

    Feeds are often not quite XML (an HTML entity such as ``&nbsp;``, a bare ``&``, a
    blank line before the declaration) and one such slip must not cost every item: the
    document is then repaired and read leniently. The caller refuses a repaired document
    that yields nothing. Raises ``ParseError`` naming ``url`` when even that reads no
    element.
    """
    try:
        return etree.fromstring(body, _strict_xml()), None
    except etree.XMLSyntaxError as exc:
        problem = str(exc)
    try:
        root = etree.fromstring(_repaired_xml(body), _lenient_xml())
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise ParseError(url, f"not well-formed XML ({problem})")
    return root, problem


def _strict_xml() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


def _lenient_xml() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


# An ``&`` that starts no character or entity reference: text written unescaped.
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def _repaired_xml(body: bytes) -> bytes:
    """``body`` with what HTML habits break in XML mended, as far as bytes allow: no
    leading blank, a bare ``&`` escaped, an HTML entity as a character reference (an
    unknown one as its text)."""
    body = body.removeprefix(b"\xef\xbb\xbf").lstrip()
    body = _BARE_AMPERSAND.sub(b"&amp;", body)
    return _NAMED_ENTITY.sub(_entity_reference, body)


def _entity_reference(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    codepoint = name2codepoint.get(name.decode("ascii"))
    return f"&#{codepoint};".encode() if codepoint else b"&amp;" + name + b";"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(node: Any, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name and child.text and child.text.strip():
            return str(child.text).strip()
    return None


def _atom_href(node: Any) -> str | None:
    for child in node:
        if _local(child.tag) == "link" and child.get("href"):
            return str(child.get("href"))
    return None


def _w3c_time(value: str | None) -> datetime | None:
    """A sitemap time (W3C datetime: a date, or a time with an offset), else None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A bare date or a time without offset is the site's local time (+07:00).
    return when if when.tzinfo else when.replace(tzinfo=SITE_TZ)


def months_newest_first(entries: Iterable[SitemapEntry]) -> list[SitemapEntry]:
    """The monthly sitemaps of an index, the newest month first: by the month each one's
    name gives, for ``lastmod`` is the last edit (one edit to an old story makes its month
    look new); by ``lastmod`` only when the name gives none; first when neither does (it
    may be the newest). Ties keep the index's order."""

    def month(entry: SitemapEntry) -> tuple[int, int]:
        named = sitemap_month(entry.url)
        if named is None and entry.lastmod is not None:
            local = entry.lastmod.astimezone(SITE_TZ)
            named = (local.year, local.month)
        return named or (10_000, 0)

    return sorted(entries, key=month, reverse=True)


def month_reaches(entry: SitemapEntry, cutoff: datetime) -> bool:
    """Tell whether the monthly sitemap ``entry`` may list stories published from
    ``cutoff`` on: its month is not earlier (by its name, else its ``lastmod``)."""
    named = sitemap_month(entry.url)
    if named is not None:
        local = cutoff.astimezone(SITE_TZ)
        return named >= (local.year, local.month)
    return entry.lastmod is None or entry.lastmod >= cutoff


def sitemap_month(url: str) -> tuple[int, int] | None:
    """Return ``(year, month)`` of a monthly sitemap URL (``news-2024-3.xml``,
    ``news-2024-03.xml.gz``), else None."""
    match = _SITEMAP_MONTH.search(url)
    return (int(match["year"]), int(match["month"])) if match else None


_SITEMAP_MONTH = re.compile(r"-(?P<year>\d{4})-(?P<month>\d{1,2})\.xml(?:\.gz)?$")
SITE_TZ = timezone(timedelta(hours=7))
