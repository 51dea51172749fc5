"""Discovery: find article URLs on listing pages (pure functions, no I/O).

A section page shows lead blocks and a timeline of stories; the CMS loads more of the
timeline through ``/api/morenews-zone-<zoneId>-<page>.html``, which answers JSON in one of
two shapes (SITE.md): ``data.articles`` holding story HTML, or ``data.contents`` holding a
list of objects. Sidebars ("Tin mới", "Đọc nhiều") list other sections' articles and are
never read as the section's listing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag

from .errors import ParseError
from .profile import DEFAULT_PROFILE, SiteProfile
from .text import clean_text
from .urls import article_id, canonicalize


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One article found on a listing: its canonical URL and site id, title if shown."""

    url: str
    article_id: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SectionPage:
    """What a section page tells the crawler: its stories and the load-more zone id."""

    items: tuple[ListingItem, ...]
    zone_id: str | None


@dataclass(frozen=True, slots=True)
class LoadMorePage:
    """One answer of the load-more API."""

    items: tuple[ListingItem, ...]
    has_more: bool


def parse_section_page(
    html: str | bytes, page_url: str, profile: SiteProfile = DEFAULT_PROFILE
) -> SectionPage:
    """Return the stories of the section page (lead blocks, then timeline) and its zone id."""
    soup = BeautifulSoup(html, "lxml")
    containers: list[Tag] = []
    for selector in profile.select("section_lead_blocks") + profile.select("section_timeline"):
        containers.extend(soup.select(selector))
    items = _items_from(containers, page_url, profile)
    return SectionPage(items=items, zone_id=_zone_id(soup, profile))


def _zone_id(soup: BeautifulSoup, profile: SiteProfile) -> str | None:
    pattern = profile.pattern("zone_id")
    for selector in profile.select("section_timeline"):
        for node in soup.select(selector):
            match = pattern.search(str(node.get("data-source", "")))
            if match:
                return match.group("id")
    for selector in profile.select("section_loadmore"):
        for node in soup.select(selector):
            zone = node.get("data-zone") or node.get("data-id")
            if isinstance(zone, str) and zone.isdigit():
                return zone
    return None


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
    has_more = bool(data.get("hasMoreContent", False))
    if isinstance(data.get("contents"), list):
        items = _items_from_contents(data["contents"], api_url, profile)
    else:
        fragment = data.get("articles") or ""
        if not isinstance(fragment, str):
            raise ParseError(api_url, "load-more 'articles' is not HTML text")
        soup = BeautifulSoup(fragment, "lxml") if fragment.strip() else None
        items = _items_from([soup] if soup else [], api_url, profile)
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
            items.setdefault(item.article_id, item)
    return tuple(items.values())


def _items_from(
    containers: list[Any], page_url: str, profile: SiteProfile
) -> tuple[ListingItem, ...]:
    """Collect article links from story headings inside ``containers``, first seen first."""
    items: dict[str, ListingItem] = {}
    for container in containers:
        for link in _story_links(container, profile):
            title = link.get("title") or link.get_text(" ", strip=True)
            item = _item(str(link.get("href", "")), title, page_url, profile)
            if item is not None:
                items.setdefault(item.article_id, item)
    return tuple(items.values())


def _story_links(container: Tag, profile: SiteProfile) -> list[Tag]:
    links: list[Tag] = []
    for selector in profile.select("story_heading_link"):
        links.extend(container.select(selector))
    # A lead block may be a bare story without a heading class: fall back to any link.
    return links or container.select("a[href]")


def _item(href: str, title: Any, base: str, profile: SiteProfile) -> ListingItem | None:
    if not href:
        return None
    url = canonicalize(href, base)
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
