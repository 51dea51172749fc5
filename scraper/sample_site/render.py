"""Rendering of the sample site's pages, feeds and API answers (pure string building).

The article template mirrors the hand-written ``pages/seed.html``; keep the two in step.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from .content import SECTION_BY_SLUG, SECTIONS, TAGS, WEEKDAYS, Section, slugify
from .model import ArticlePage, ArticleTruth, Block, InlineBox, Note, Para, Pic, Variant

PLACEHOLDER_SRC = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


@dataclass(frozen=True, slots=True)
class Ctx:
    """The origins that absolute URLs are written with."""

    base: str
    cdn: str


def esc(text: str) -> str:
    """Escape text for an HTML text node (quotes stay as printed)."""
    return escape(text, quote=False)


def attr(text: str) -> str:
    """Escape text for a double-quoted HTML attribute."""
    return escape(text, quote=True)


# --- dates ------------------------------------------------------------------------------
def long_date(dt: datetime) -> str:
    """``Thứ Ba, 15/10/2024 - 10:12`` as the article meta prints it."""
    return f"{WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y - %H:%M}"


def short_date(dt: datetime) -> str:
    """``15/10/2024 10:12`` as listings print it."""
    return f"{dt:%d/%m/%Y %H:%M}"


def iso(dt: datetime) -> str:
    """ISO 8601 with a ``+07:00`` offset."""
    return dt.isoformat(timespec="seconds")


def iso_no_colon(dt: datetime) -> str:
    """ISO 8601 with a ``+0700`` offset (the CMS's meta tags, a known trap)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S%z")


def epoch(dt: datetime) -> int:
    """Unix seconds."""
    return int(dt.timestamp())


def http_date(dt: datetime) -> str:
    """RFC 7231 date in GMT, for Last-Modified."""
    return format_datetime(dt.astimezone(UTC), usegmt=True)


# --- shared page parts --------------------------------------------------------------------
def tag_url(ctx: Ctx, name: str) -> str:
    """Absolute URL of a tag page."""
    return f"{ctx.base}/{slugify(name)}-tag{TAGS[name]}.html"


def section_url(ctx: Ctx, slug: str) -> str:
    """Absolute URL of a section page."""
    return f"{ctx.base}/{slug}/"


def thumb_url(ctx: Ctx, article: ArticleTruth) -> str:
    """The listing thumbnail: the article's first image, else a generic one."""
    if article.images:
        return article.images[0].url
    return f"{ctx.cdn}/images/{'0' * 64}/thumb-{article.article_id}.jpg"


def menu(ctx: Ctx, active: Sequence[str] = ()) -> str:
    """The header menu; each zone's ``li`` carries its zone id in ``data-id``."""

    def item(section: Section, children: str = "") -> str:
        cls = "menu__item active" if section.slug in active else "menu__item"
        return (
            f'<li class="{cls}" data-id="{section.zone_id}">'
            f'<a href="{section_url(ctx, section.slug)}"'
            f' title="{attr(section.name)}">{esc(section.name)}</a>{children}</li>'
        )

    items = [
        f'<li class="menu__item" data-id="0">'
        f'<a href="{ctx.base}/" title="Trang chủ">Trang chủ</a></li>'
    ]
    for section in SECTIONS:
        if section.parent:
            continue
        kids = [item(child) for child in SECTIONS if child.parent == section.slug]
        sub = f'<ul class="menu__sub">{"".join(kids)}</ul>' if kids else ""
        items.append(item(section, sub))
    return (
        '<header class="site-header"><div class="container">'
        f'<a class="site-header__logo" href="{ctx.base}/" title="Báo Hà Tĩnh">'
        f'<img src="{ctx.base}/static/images/logo.png" alt="Báo Hà Tĩnh"></a>'
        f'<form class="site-header__search" action="{ctx.base}/tim-kiem/" method="get">'
        '<input type="text" name="q" placeholder="Tìm kiếm"></form></div>'
        f'<nav class="main-menu"><ul class="menu">{"".join(items)}</ul></nav></header>'
    )


def footer(ctx: Ctx) -> str:
    """The site footer."""
    return (
        '<footer class="site-footer"><div class="container">'
        '<p class="site-footer__name">BÁO HÀ TĨNH - CƠ QUAN CỦA ĐẢNG BỘ TỈNH HÀ TĨNH</p>'
        "<p>Địa chỉ: 51 Phan Đình Phùng, TP Hà Tĩnh. Điện thoại: 0239.3855 678.</p>"
        '<ul class="site-footer__links">'
        f'<li><a href="{ctx.base}/rss/home.rss">RSS</a></li>'
        f'<li><a href="{ctx.base}/sitemap.xml">Sitemap</a></li></ul></div></footer>'
    )


def document(ctx: Ctx, title: str, head: str, body: str, body_class: str) -> str:
    """A whole HTML document around ``body``."""
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{head}"
        f'<link rel="stylesheet" href="{ctx.base}/static/css/main.css?v=2024.10.1">\n'
        f'</head>\n<body class="{body_class}">\n{body}\n{footer(ctx)}\n</body>\n</html>\n'
    )


def story(
    ctx: Ctx,
    article: ArticleTruth,
    *,
    heading: str = "h3",
    css: str = "story",
    thumb: bool = True,
    meta: bool = True,
    summary: bool = True,
) -> str:
    """One ``article.story`` listing item."""
    url, title = article.url, article.title
    parts = [f'<article class="{css}" data-id="{article.article_id}">']
    if thumb:
        parts.append(
            f'<figure class="story__thumb"><a class="cms-link" href="{url}" title="{attr(title)}">'
            f'<img class="lazyload" src="{PLACEHOLDER_SRC}" data-src="{thumb_url(ctx, article)}"'
            f' alt="{attr(title)}"></a></figure>'
        )
    parts.append(
        f'<{heading} class="story__heading"><a class="cms-link" href="{url}"'
        f' title="{attr(title)}">{esc(title)}</a></{heading}>'
    )
    if meta:
        parts.append(
            f'<div class="story__meta"><time class="time" datetime="{iso(article.published_at)}">'
            f"{short_date(article.published_at)}</time></div>"
        )
    if summary:
        parts.append(f'<div class="story__summary">{esc(article.summary)}</div>')
    parts.append("</article>")
    return "".join(parts)


def stories(ctx: Ctx, articles: Iterable[ArticleTruth], **kwargs: object) -> str:
    """Several story items, one per line."""
    return "\n".join(story(ctx, article, **kwargs) for article in articles)  # type: ignore[arg-type]


def box(ctx: Ctx, title: str, articles: Sequence[ArticleTruth], css: str, **kwargs: object) -> str:
    """A titled box of stories (sidebars, "Đọc thêm"): heading box then a content list."""
    return (
        f'<section class="{css}"><div class="box-heading"><h3 class="box-heading__title">'
        f"<span>{esc(title)}</span></h3></div>"
        '<div class="box-content content-list">\n'
        f"{stories(ctx, articles, **kwargs)}\n</div></section>"
    )


def sidebar(ctx: Ctx, latest: Sequence[ArticleTruth], most_read: Sequence[ArticleTruth]) -> str:
    """The "Tin mới" / "Đọc nhiều" sidebar (links that are NOT related links)."""
    kwargs: dict[str, object] = {"thumb": False, "meta": False, "summary": False}
    parts = ['<aside class="sidebar">']
    if latest:
        parts.append(box(ctx, "Tin mới", latest, "box-sidebar box-latest", **kwargs))
    if most_read:
        parts.append(box(ctx, "Đọc nhiều", most_read, "box-sidebar box-most-read", **kwargs))
    parts.append("</aside>")
    return "\n".join(parts)


def breadcrumb_sections(slug: str) -> list[Section]:
    """The section and its parents, outermost first."""
    chain: list[Section] = []
    current: Section | None = SECTION_BY_SLUG[slug]
    while current is not None:
        chain.insert(0, current)
        current = SECTION_BY_SLUG[current.parent] if current.parent else None
    return chain


# --- article page -------------------------------------------------------------------------
def article_head(ctx: Ctx, page: ArticlePage) -> str:
    """The ``<head>`` metadata of an article page."""
    truth, variant = page.truth, page.variant
    first_image = truth.images[0].url if truth.images else thumb_url(ctx, truth)
    published = iso(truth.published_at) if variant.meta_colon else iso_no_colon(truth.published_at)
    modified = iso(truth.updated_at) if variant.meta_colon else iso_no_colon(truth.updated_at)
    lines = [
        f'<meta name="description" content="{attr(truth.lead)}">',
        f'<link rel="canonical" href="{truth.url}">',
        '<meta property="og:site_name" content="Báo Hà Tĩnh">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(truth.title)}">',
        f'<meta property="og:description" content="{attr(truth.lead)}">',
        f'<meta property="og:image" content="{first_image}">',
        f'<meta property="og:url" content="{truth.url}">',
        f'<meta property="article:published_time" content="{published}">',
        f'<meta property="article:modified_time" content="{modified}">',
        f'<meta property="article:section" content="{attr(truth.section_name)}">',
        *(f'<meta property="article:tag" content="{attr(tag)}">' for tag in truth.tags),
    ]
    dropped = ("article:published_time",) if variant.no_published_meta else ()
    dropped += ("article:section",) if variant.no_section_meta else ()
    lines = [line for line in lines if not any(f'"{key}"' in line for key in dropped)]
    if variant.json_ld:
        lines.append(json_ld(truth, first_image, with_author=not variant.byline_only))
    if variant.ld_breadcrumb:
        lines.append(json_ld_breadcrumb(ctx, truth))
    return "\n".join(lines) + "\n"


def json_ld_breadcrumb(ctx: Ctx, truth: ArticleTruth) -> str:
    """A BreadcrumbList: home, the section chain, then the article itself (as Google's
    examples end it)."""
    crumbs = [("Trang chủ", f"{ctx.base}/")]
    crumbs += [(s.name, section_url(ctx, s.slug)) for s in breadcrumb_sections(truth.section_slug)]
    crumbs.append((truth.title, truth.url))
    data = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, 1)
        ],
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def json_ld(truth: ArticleTruth, image: str, *, with_author: bool = True) -> str:
    """A NewsArticle JSON-LD block."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": truth.url},
        "headline": truth.title,
        "description": truth.lead,
        "image": {"@type": "ImageObject", "url": image},
        "datePublished": iso(truth.published_at),
        "dateModified": iso(truth.updated_at),
        "author": {"@type": "Person", "name": truth.author},
        "publisher": {"@type": "Organization", "name": "Báo Hà Tĩnh"},
    }
    if not with_author:
        del data["author"]
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def render_block(block: Block) -> str:
    """One body block as HTML."""
    if isinstance(block, Para):
        return f"<p>{block.html}</p>"
    if isinstance(block, Pic):
        return picture(block)
    if isinstance(block, InlineBox):
        return inline_box(block)
    if isinstance(block, Note):
        inner = "".join(f"<p>{para.html}</p>" for para in block.paras)
        return f'<div class="notebox ncenter">{inner}</div>'
    return block.html


def picture(pic: Pic) -> str:
    """An inline image: figure/figcaption or table.picture/td.caption, lazy or not."""
    image, variant = pic.image, pic.variant
    alt = f' alt="{attr(image.alt)}"' if image.alt is not None else ""
    if variant.lazy_images:
        img = f'<img class="cms-photo" src="{PLACEHOLDER_SRC}" data-src="{image.url}"{alt}>'
    else:
        img = f'<img class="cms-photo" src="{image.url}"{alt}>'
    if variant.table_captions:
        caption = ""
        if image.caption is not None:
            text = f"<p>{esc(image.caption)}</p>" if variant.caption_in_p else esc(image.caption)
            caption = f'<tr><td class="caption">{text}</td></tr>'
        return (
            f'<table class="picture" align="center"><tbody><tr><td class="pic">{img}</td></tr>'
            f"{caption}</tbody></table>"
        )
    caption = (
        f'<figcaption class="PhotoCMS_Caption">{esc(image.caption)}</figcaption>'
        if image.caption is not None
        else ""
    )
    return f'<figure class="picture">{img}{caption}</figure>'


def inline_box(box_: InlineBox) -> str:
    """An ``article.cms-relate`` box (its text is not body text)."""
    rel = box_.related
    sapo = f'<p class="cms-relate__sapo">{esc(rel.summary)}</p>' if rel.summary else ""
    return (
        '<article class="cms-relate"><div class="cms-relate__label">Tin liên quan</div>'
        '<h4 class="cms-relate__title">'
        f'<a class="cms-link" href="{rel.url}" title="{attr(rel.title)}">'
        f"{esc(rel.title)}</a></h4>{sapo}</article>"
    )


def render_body(blocks: Sequence[Block], br_paragraphs: bool) -> str:
    """The body's blocks as HTML; with ``br_paragraphs``, consecutive paragraphs share one
    ``<p>`` and are split by ``<br><br>``, as migrated old articles are written."""
    if not br_paragraphs:
        return "\n".join(render_block(block) for block in blocks)
    parts: list[str] = []
    run: list[str] = []
    for block in [*blocks, None]:
        if isinstance(block, Para):
            run.append(block.html)
            continue
        if run:
            parts.append("<p>" + "<br><br>\n".join(run) + "</p>")
            run = []
        if block is not None:
            parts.append(render_block(block))
    return "\n".join(parts)


def article_meta(variant: Variant, truth: ArticleTruth) -> str:
    """The ``.article__meta`` line: time and author (none when the byline is in the body)."""
    time_epoch = variant.time_epoch
    if variant.time_text_only:
        when = f'<time class="time">{long_date(truth.published_at)}</time>'
    elif time_epoch:
        when = (
            f'<time class="time" data-time="{epoch(truth.published_at)}">'
            f"{truth.published_at:%H:%M %d/%m/%Y}</time>"
        )
    else:
        when = (
            f'<time class="time" datetime="{iso(truth.published_at)}">'
            f"{long_date(truth.published_at)}</time>"
        )
    if variant.byline_only:
        return f'<div class="article__meta">{when}</div>'
    return (
        f'<div class="article__meta">{when}<span class="article__author"><span class="cms-author">'
        f"{esc(truth.author)}</span></span></div>"
    )


def render_article(ctx: Ctx, page: ArticlePage) -> str:
    """A generated article page in the CMS template of ``seed.html``."""
    truth, variant = page.truth, page.variant
    chain = breadcrumb_sections(truth.section_slug)
    crumbs = "".join(
        f'<a href="{section_url(ctx, s.slug)}" title="{attr(s.name)}">{esc(s.name)}</a>'
        for s in chain
    )
    title_text = unicodedata.normalize("NFD", truth.title) if variant.nfd_title else truth.title
    sapo_tag = "h2" if variant.sapo_h2 else "div"
    tags = "".join(
        f'<a href="{tag_url(ctx, t)}" title="{attr(t)}">{esc(t)}</a>' for t in truth.tags
    )
    body = render_body(page.blocks, variant.br_paragraphs)
    heading = "h2" if variant.doc_them_h2 else "h3"
    doc_them = (
        box(
            ctx,
            "Đọc thêm",
            page.doc_them,
            "article__related box-related",
            meta=False,
            heading=heading,
        )
        if page.doc_them
        else ""
    )
    avatar = ""
    if variant.avatar:
        url = truth.images[0].url if truth.images else thumb_url(ctx, truth)
        avatar = (
            f'<figure class="article__avatar"><img src="{url}" alt="{attr(truth.title)}">'
            "</figure>\n"
        )
    main = (
        f'{menu(ctx, [s.slug for s in chain])}\n<main class="site-content"><div class="container">'
        f'<div class="breadcrumb">{crumbs}</div>\n<div class="main-column">'
        f'<article class="article" data-id="{truth.article_id}">\n'
        f'<h1 class="article__title cms-title">{esc(title_text)}</h1>\n'
        f"{article_meta(variant, truth)}\n"
        f'<{sapo_tag} class="article__sapo cms-desc">{esc(truth.lead)}</{sapo_tag}>\n'
        f"{avatar}"
        '<div class="article__body zce-content-body cms-body" itemprop="articleBody">\n'
        f"{body}\n</div>\n"
        f'<div class="article__tag"><span class="article__tag-label">Từ khóa:</span>{tags}</div>\n'
        f'<div class="article__share social-share"><a class="social-share__item facebook"'
        f' href="https://www.facebook.com/sharer/sharer.php?u={truth.url}"'
        ' rel="nofollow">Facebook</a>'
        f'<a class="social-share__item print" href="{ctx.base}/print.html?id={truth.article_id}"'
        ' rel="nofollow">In</a></div>\n'
        f"</article>\n{doc_them}\n</div>\n"
        f"{sidebar(ctx, page.latest, page.most_read)}\n</div></main>"
    )
    return document(
        ctx, f"{truth.title} | Báo Hà Tĩnh", article_head(ctx, page), main, "article-page"
    )


# --- listings -------------------------------------------------------------------------------
def render_section(
    ctx: Ctx,
    section: Section,
    first: Sequence[ArticleTruth],
    lead_count: int,
    most_read: Sequence[ArticleTruth],
) -> str:
    """A section page: lead blocks, the zone timeline, a "Đọc nhiều" sidebar, load-more."""
    leads, timeline = first[:lead_count], first[lead_count:]
    lead_html = [story(ctx, a, heading="h2", css="story story--lead rank-1") for a in leads[:1]]
    lead_html += [story(ctx, a, css="story rank-2", meta=False) for a in leads[1:]]
    chain = breadcrumb_sections(section.slug)
    head = (
        f'<meta name="description" content="Tin tức {attr(section.name)} - Báo Hà Tĩnh">\n'
        f'<link rel="canonical" href="{section_url(ctx, section.slug)}">\n'
        '<link rel="alternate" type="application/rss+xml"'
        f' href="{ctx.base}/rss/{section.slug}.rss">\n'
    )
    body = (
        f'{menu(ctx, [s.slug for s in chain])}\n<main class="site-content"><div class="container">'
        '<h1 class="cate-title">'
        f'<a href="{section_url(ctx, section.slug)}">{esc(section.name)}</a></h1>\n'
        '<div class="main-column"><section class="abf-cate">\n'
        f"{chr(10).join(lead_html)}\n</section>\n"
        f'<div class="box-content content-list" data-source="zone-timeline-{section.zone_id}">\n'
        f"{stories(ctx, timeline)}\n</div>\n"
        f'<div class="control"><button type="button" class="control__loadmore"'
        f' data-zone="{section.zone_id}" data-page="2">Xem thêm</button></div></div>\n'
        f"{sidebar(ctx, (), most_read)}\n</div></main>"
    )
    return document(ctx, f"{section.name} | Báo Hà Tĩnh", head, body, "category-page")


def render_listing(ctx: Ctx, heading: str, articles: Sequence[ArticleTruth], css: str) -> str:
    """A plain listing page (home, tag pages): a heading and story items."""
    body = (
        f'{menu(ctx)}\n<main class="site-content"><div class="container">'
        f'<h1 class="{css}__title">{esc(heading)}</h1>\n'
        f'<div class="box-content content-list">\n{stories(ctx, articles)}\n</div></div></main>'
    )
    return document(ctx, f"{heading} | Báo Hà Tĩnh", "", body, f"{css}-page")


def render_not_found(ctx: Ctx) -> str:
    """The 404 page."""
    body = (
        f'{menu(ctx)}\n<main class="site-content"><div class="container error-page">'
        "<h1>404</h1><p>Trang bạn tìm không tồn tại hoặc đã bị xóa.</p>"
        f'<p><a href="{ctx.base}/">Về trang chủ</a></p></div></main>'
    )
    return document(ctx, "Không tìm thấy trang | Báo Hà Tĩnh", "", body, "error-page")


def loadmore_html_payload(ctx: Ctx, items: Sequence[ArticleTruth], has_more: bool) -> str:
    """The load-more JSON with ``data.articles`` as HTML of story items."""
    data = {"articles": stories(ctx, items), "hasMoreContent": has_more}
    return json.dumps(
        {"error_code": 0, "message": "", "data": data}, ensure_ascii=False, separators=(",", ":")
    )


def loadmore_contents_payload(items: Sequence[ArticleTruth], has_more: bool) -> str:
    """The load-more JSON with ``data.contents`` as objects (site-relative ``url``)."""
    contents = [
        {
            "id": int(a.article_id),
            "url": a.path,
            "title": a.title,
            "date": epoch(a.published_at),
            "sapo": a.summary,
        }
        for a in items
    ]
    data = {"contents": contents, "hasMoreContent": has_more}
    return json.dumps(
        {"error_code": 0, "message": "", "data": data}, ensure_ascii=False, separators=(",", ":")
    )


# --- robots, feeds, sitemaps ---------------------------------------------------------------
def render_robots(ctx: Ctx, disallow_api: bool, blocked_agent: str | None = None) -> str:
    """robots.txt. ``Allow: /`` comes last so first-match parsers agree with longest-match ones.
    ``blocked_agent`` gets a group of its own that forbids it everything."""
    lines = [f"User-agent: {blocked_agent}", "Disallow: /", ""] if blocked_agent else []
    lines.append("User-agent: *")
    if disallow_api:
        lines.append("Disallow: /api/")
    lines += [
        "Disallow: /search/",
        "Disallow: /tim-kiem/",
        "Disallow: /tag.html",
        "Disallow: /print.html",
        "Allow: /",
        "",
        f"Sitemap: {ctx.base}/sitemap.xml",
    ]
    return "\n".join(lines) + "\n"


def rfc822(dt: datetime) -> str:
    """``Tue, 15 Oct 2024 10:12:00 +0700``."""
    return format_datetime(dt)


def render_rss(ctx: Ctx, title: str, link: str, items: Sequence[ArticleTruth]) -> str:
    """An RSS 2.0 feed; descriptions are CDATA HTML (thumbnail link, then the lead)."""
    entries = []
    for a in items:
        description = f'<a href="{a.url}"><img src="{thumb_url(ctx, a)}" /></a>{esc(a.lead)}'
        entries.append(
            f"<item><title>{xml_escape(a.title)}</title><link>{a.url}</link>"
            f'<guid isPermaLink="true">{a.url}</guid><pubDate>{rfc822(a.published_at)}</pubDate>'
            f"<description><![CDATA[{description}]]></description></item>"
        )
    built = rfc822(items[0].published_at) if items else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{xml_escape(title)}</title><link>{link}</link>"
        f"<description>{xml_escape(title)}</description><language>vi</language>"
        f"<lastBuildDate>{built}</lastBuildDate>\n" + "\n".join(entries) + "\n</channel>\n</rss>\n"
    )


def render_sitemap_index(entries: Sequence[tuple[str, datetime]]) -> str:
    """The sitemap index: (absolute loc, lastmod) of each monthly sitemap."""
    body = "\n".join(
        f"<sitemap><loc>{loc}</loc><lastmod>{iso(lastmod)}</lastmod></sitemap>"
        for loc, lastmod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</sitemapindex>\n'
    )


def render_sitemap_month(ctx: Ctx, articles: Sequence[ArticleTruth]) -> str:
    """A monthly sitemap: loc, lastmod (= last edit, not publication) and image:image."""
    urls = []
    for a in articles:
        image = f"<image:image><image:loc>{thumb_url(ctx, a)}</image:loc></image:image>"
        urls.append(f"<url><loc>{a.url}</loc><lastmod>{iso(a.updated_at)}</lastmod>{image}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )
