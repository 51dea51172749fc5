"""Links to other articles: the "Đọc thêm" block and the inline boxes (pure, no I/O).

The "Đọc thêm" list uses the same ``article.story`` markup as the "Tin mới" and "Đọc
nhiều" sidebars, so a box counts only when a short heading with the profile's heading words
stands right before it (or opens it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .document import (
    NO_TEXT_TAGS,
    Element,
    all_matches,
    element_text,
    first_match,
    union_matches,
)
from .profile import SiteProfile
from .records import RelatedKind, RelatedLink
from .text import clean_text, contains_text
from .urls import canonical_or_none

# A heading is a few words; a longer text before a box is content, not its heading.
_HEADING_MAX_CHARS = 80
# How far up from the list box a heading may sit (box, its wrapper, the wrapper's wrapper).
_HEADING_LEVELS = 3


def doc_them_boxes(root: Element, profile: SiteProfile) -> list[tuple[Element, Element]]:
    """Return each "Đọc thêm" list box of the page with its heading element."""
    words = profile.select("doc_them_heading_words")
    found = []
    for box in all_matches(root, profile.select("doc_them_box")):
        heading = _heading_of(box, words, profile)
        if heading is not None:
            found.append((box, heading))
    return found


def _heading_of(box: Element, words: tuple[str, ...], profile: SiteProfile) -> Element | None:
    first = next((child for child in box if isinstance(child.tag, str)), None)
    # A heading may open the box itself, as long as it is not the first story.
    if (
        first is not None
        and first_match(box, profile.select("story")) is not first
        and _is_heading(first, words)
    ):
        return first
    # The heading is the nearest text before the box; only when the box opens its wrapper
    # does the search go up. Text of any other kind before the box ends the search: it is
    # another box's heading ("Đọc nhiều") or content.
    element: Element | None = box
    for _ in range(_HEADING_LEVELS):
        if element is None:
            break
        sibling = _nearest_earlier_text(element)
        if sibling is not None:
            stories = first_match(sibling, profile.select("story"))
            return sibling if stories is None and _is_heading(sibling, words) else None
        element = element.getparent()
    return None


def _nearest_earlier_text(element: Element) -> Element | None:
    """The closest earlier sibling that shows text: empty ad slots and scripts are passed."""
    for sibling in element.itersiblings(preceding=True):
        if (
            isinstance(sibling.tag, str)
            and sibling.tag not in NO_TEXT_TAGS
            and sibling.text_content().strip()
        ):
            return sibling
    return None


def _is_heading(element: Element, words: tuple[str, ...]) -> bool:
    # text_content() is cheap (C) and bounds the cost on a long sibling such as the article.
    if len(element.text_content()) > 4 * _HEADING_MAX_CHARS:
        return False
    text = element_text(element)
    return 0 < len(text) <= _HEADING_MAX_CHARS and any(contains_text(text, w) for w in words)


def doc_them_links(
    boxes: list[tuple[Element, Element]], base: str, profile: SiteProfile
) -> list[RelatedLink]:
    """Return the items of the "Đọc thêm" boxes, each URL once, in page order."""
    links: list[RelatedLink] = []
    for box, _heading in boxes:
        for story in all_matches(box, profile.select("story")):
            link = story_link(story, base, profile, "doc-them")
            if link is not None:
                links.append(link)
    return _unique(links)


def story_link(
    story: Element, base: str, profile: SiteProfile, kind: RelatedKind
) -> RelatedLink | None:
    """Read one ``article.story`` item: URL and title from the heading link (the thumbnail
    link's ``title`` when the heading has no text), summary from ``.story__summary``."""
    heading = first_match(story, profile.select("story_heading_link"))
    thumb = first_match(story, profile.select("story_thumb_link"))
    url = None
    for link in (heading, thumb):
        if link is not None and url is None:
            url = absolute_link(link.get("href"), base)
    title = element_text(heading) if heading is not None else ""
    if not title and thumb is not None:
        title = element_text(thumb) or _attr_text(thumb, "title")
    if url is None or not title:
        return None
    summary = first_match(story, profile.select("story_summary"))
    summary_text = element_text(summary) if summary is not None else ""
    return RelatedLink(url=url, title=title, summary=summary_text or None, kind=kind)


def inline_links(body: Element, base: str, profile: SiteProfile) -> list[RelatedLink]:
    """Return the links of the related boxes inside the body (kind ``inline``)."""
    links: list[RelatedLink] = []
    for box in union_matches(body, profile.select("inline_related")):
        stories = all_matches(box, profile.select("story"))
        if stories:
            links.extend(
                link
                for story in stories
                if (link := story_link(story, base, profile, "inline")) is not None
            )
        else:
            links.extend(_box_links(box, base, profile))
    return _unique(links)


def _box_links(box: Element, base: str, profile: SiteProfile) -> list[RelatedLink]:
    """Links of a box without story items: one per URL, titled by the first link text."""
    titles: dict[str, str] = {}
    for anchor in box.iter("a"):
        url = absolute_link(anchor.get("href"), base)
        if url is not None:
            title = element_text(anchor) or _attr_text(anchor, "title")
            if title and not titles.get(url):
                titles[url] = title
            titles.setdefault(url, "")
    summary = None
    if len(titles) == 1:
        found = first_match(box, profile.select("relate_summary"))
        summary = (element_text(found) or None) if found is not None else None
    return [
        RelatedLink(url=url, title=title, summary=summary, kind="inline")
        for url, title in titles.items()
        if title
    ]


def absolute_link(href: str | None, base: str) -> str | None:
    """Return ``href`` canonicalised against ``base``; ``None`` for empty, fragment-only,
    ``javascript:``, ``mailto:`` and other non-web links."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    url = canonical_or_none(href, base)
    if url is None or urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def _attr_text(element: Element, attribute: str) -> str:
    return clean_text(element.get(attribute) or "")


def _unique(links: list[RelatedLink]) -> list[RelatedLink]:
    seen: set[str] = set()
    kept = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            kept.append(link)
    return kept
