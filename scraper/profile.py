"""The site profile: every selector and URL pattern of baohatinh.vn, as data.

Nothing about the site's markup lives in code elsewhere. Each field lists selectors in the
order they are tried (most reliable first). ``config.toml`` may override any entry under
``[selectors]`` and ``[url_patterns]``; the settings loader validates them (a CSS selector
that does not compile, or a regex that does not, is rejected naming its key).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

# CSS selectors, grouped by what they find. Order matters: first match wins.
DEFAULT_SELECTORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # --- article page -------------------------------------------------------------
        "title": ("h1.article__title", "h1.cms-title", ".article__title", ".e-magazine__title"),
        "lead": (".article__sapo", ".cms-desc", ".e-magazine__sapo"),
        "published": (".article__meta time[datetime]", "time[data-time]", ".article__meta time"),
        "author": (".article__author", ".cms-author"),
        "tags": (".article__tag a", ".tags-list a"),
        "breadcrumb": (".breadcrumb a", ".article__breadcrumb a"),
        "body": (
            "div.article__body.cms-body",
            "[itemprop=articleBody]",
            ".cms-body",
            ".e-magazine__body",
        ),
        "body_noise": (
            "div[id^=adsWeb_]",
            ".ads_middle",
            ".cms-relate",
            "script",
            "style",
            "iframe",
            ".social-share",
            ".article__share",
        ),
        "inline_related": (".cms-relate",),
        # a video player in the body: all that a video article holds (kept in its HTML
        # then); beside text, the iframe is noise like any embed
        "body_media": ("iframe[src]", "video", "video source[src]", "embed[src]"),
        "image": ("img",),
        "caption": ("figcaption", "td.caption", ".PhotoCMS_Caption"),
        "doc_them_box": ("div.box-content.content-list",),
        "doc_them_heading_words": ("Đọc thêm",),
        "story": ("article.story",),
        "story_heading_link": (".story__heading a.cms-link", ".story__heading a"),
        "story_thumb_link": ("figure.story__thumb a.cms-link", ".story__thumb a"),
        "story_summary": (".story__summary",),
        "story_time": (".story__meta time[datetime]", ".story__meta time"),
        # --- article page, added for the parser -----------------------------------------
        # attributes of a "published" match holding a machine time, tried in order
        "published_attrs": ("datetime", "data-time"),
        # elements whose visible text holds the date ("Thứ Ba, 15/10/2024 - 10:12")
        # (the narrowest first: .article__meta also holds the byline)
        "published_text": (".article__date", ".cms-date", ".date-time", ".article__meta"),
        # nearest ancestor of an image that holds its caption
        "image_box": ("figure", "table.picture", "table.image"),
        # attributes of an <img> holding its URL, real one first (src is often a data: stub);
        # one named *srcset lists candidates, and the largest is taken
        "image_src_attrs": (
            "data-src",
            "data-original",
            "data-lazy-src",
            "data-srcset",
            "src",
            "srcset",
        ),
        # feature image outside the body, used only when the body has no image
        "feature_image": ("figure.article__avatar img", ".article__avatar img"),
        # one-line summary in an inline related box that has no story markup
        "relate_summary": (".cms-relate__sapo", ".cms-relate__summary", ".story__summary"),
        # words in the <title> or <h1> of an error page served with status 200: checked
        # only when no body container matched, and only where they make (nearly) a whole
        # part of the title, so an article about "404 hộ dân" is safe
        "error_page_words": (
            "404",
            "Không tìm thấy trang",
            "Trang không tồn tại",
            "không tồn tại hoặc đã bị xóa",
            "Page not found",
            "Lỗi hệ thống",
        ),
        # names of the newspaper itself: a site-wide "author" (meta, JSON-LD) naming it is
        # no author, and the next source of the author decides (og:site_name counts too)
        "site_name_words": (
            "Báo Hà Tĩnh",
            "Báo điện tử Hà Tĩnh",
            "Baohatinh",
            "baohatinh.vn",
            "www.baohatinh.vn",
        ),
        # closing lines set in bold like a byline but no name: a line starting with these
        # words ("(Còn nữa)", "Xin trân trọng cảm ơn ông!") is not taken as the author
        "byline_not_words": (
            "Còn nữa",
            "Hết",
            "Xin trân trọng cảm ơn",
            "Trân trọng cảm ơn",
            "Xin cảm ơn",
        ),
        # words that, followed by a number, mark a part of a series ("Kỳ 2: …"), no name
        "byline_series_words": ("Kỳ", "Phần", "Bài"),
        # markers of the e-magazine template
        "emagazine": (".e-magazine", ".e-magazine__body", ".emagazine"),
        # --- section page -------------------------------------------------------------
        "section_timeline": ('div.box-content.content-list[data-source^="zone-timeline-"]',),
        "section_lead_blocks": (".abf-cate .story", ".rank-1", ".rank-2"),
        "section_loadmore": (".control__loadmore",),
        # plain next-page links, where a listing has them instead of (or besides) load-more
        "section_next_page": (
            'link[rel="next"]',
            'a[rel="next"]',
            ".pagination a.next",
            ".pagination__next a",
        ),
    }
)

# Regular expressions over absolute or host-relative URLs.
DEFAULT_URL_PATTERNS: Mapping[str, str] = MappingProxyType(
    {
        # current CMS: /<slug>-post<digits>.html
        "article": r"^/(?P<slug>[a-z0-9-]+)-post(?P<id>\d+)\.html$",
        # radio-TV family since 2025: /tv/<slug>-<digits>.html
        "article_tv": r"^/tv/(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.html$",
        # old site before 2023: /<section>/<slug>/<id>.htm
        "article_old": r"^/(?P<section>[a-z0-9-]+)/(?P<slug>[a-z0-9-]+)/(?P<id>\d+)\.htm$",
        "tag": r"^/(?P<slug>[a-z0-9-]+)-tag(?P<id>\d+)\.html$",
        # a section page (or sub-zone): /<slug>/ or /<section>/<slug>/
        "section": r"^/(?:[a-z0-9-]+/){1,2}$",
        # zone id on a section page: data-source="zone-timeline-<id>"
        "zone_id": r"zone-timeline-(?P<id>\d+)",
        # load-more API path, formatted with zone id and page number
        "loadmore": "/api/morenews-zone-{zone_id}-{page}.html",
        "section_page": "/{slug}/",
        "section_rss": "/rss/{slug}.rss",
        "home_rss": "/rss/home.rss",
        "sitemap_index": "/sitemap.xml",
    }
)


# The URL patterns that are templates (``str.format``), with the fields each must use;
# the others are regular expressions, and these must capture the article (or zone) id.
URL_TEMPLATE_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "loadmore": frozenset({"zone_id", "page"}),
        "section_page": frozenset({"slug"}),
        "section_rss": frozenset({"slug"}),
        "home_rss": frozenset(),
        "sitemap_index": frozenset(),
    }
)
ID_PATTERNS = frozenset({"article", "article_tv", "article_old", "zone_id"})


def check_url_pattern(name: str, value: str) -> None:
    """Raise ``ValueError`` (one line) unless ``value`` can serve as URL pattern ``name``:
    a template using exactly its fields, or a regular expression (with an ``id`` group
    where the id is read from it)."""
    wanted = URL_TEMPLATE_FIELDS.get(name)
    if wanted is not None:
        try:
            used = {
                field for _, field, _, _ in string.Formatter().parse(value) if field is not None
            }
        except ValueError as exc:
            raise ValueError(f"invalid template ({exc})") from None
        if used != wanted:
            names = ", ".join(f"{{{f}}}" for f in sorted(wanted)) or "no {field}"
            raise ValueError(f"a template with {names} expected, got {value!r}")
        return
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression ({exc})") from None
    if name in ID_PATTERNS and "id" not in compiled.groupindex:
        raise ValueError(f"must capture the id as (?P<id>...), got {value!r}")


@dataclass(frozen=True)
class SiteProfile:
    """Selectors and URL patterns for one site; immutable, cheap to copy with overrides."""

    selectors: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_SELECTORS)
    url_patterns: Mapping[str, str] = field(default_factory=lambda: DEFAULT_URL_PATTERNS)

    def select(self, name: str) -> tuple[str, ...]:
        """Return the selectors for ``name``; raises ``KeyError`` for an unknown name."""
        return self.selectors[name]

    def pattern(self, name: str) -> re.Pattern[str]:
        """Return the compiled regex named ``name`` (cached per profile)."""
        return _compile(self.url_patterns[name])

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled to reach the parser's worker processes; a read-only mapping cannot be
        # pickled, a dict can.
        return _profile_of, (dict(self.selectors), dict(self.url_patterns))

    def with_overrides(
        self,
        selectors: Mapping[str, tuple[str, ...]] | None = None,
        url_patterns: Mapping[str, str] | None = None,
    ) -> SiteProfile:
        """Return a copy whose entries are replaced by the given ones."""
        return replace(
            self,
            selectors=MappingProxyType({**self.selectors, **(selectors or {})}),
            url_patterns=MappingProxyType({**self.url_patterns, **(url_patterns or {})}),
        )


def _profile_of(selectors: dict[str, tuple[str, ...]], url_patterns: dict[str, str]) -> SiteProfile:
    """Rebuild a pickled profile, read-only as it was."""
    return SiteProfile(MappingProxyType(selectors), MappingProxyType(url_patterns))


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = re.compile(pattern)
    return compiled


DEFAULT_PROFILE = SiteProfile()
