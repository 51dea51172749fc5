"""The sample site: a deterministic, offline stand-in for baohatinh.vn, with ground truth.

``build_site(base_url, cdn_url)`` returns a ``SampleSite``: every route's prepared answer
plus the ``ArticleTruth`` of every article (what a correct parser must extract). The build
is pure (no I/O except reading ``pages/*.html`` from the package) and deterministic: the
same options give the same bytes whatever the port, apart from the origins written in URLs.

Site map (zone ids in brackets)::

    /                                   home: newest stories of every section
    /chinh-tri/ [2]                     parent zone: lists the xay-dung-dang articles
    /xay-dung-dang/ [22]                40 articles: 4 lead blocks + 10 timeline items
    /kinh-te/ [4], /the-thao/ [11]      6 articles each (trap sections, never archived)
    /api/morenews-zone-<zone>-<page>.html   page 2, 3, … ten items each
    /<slug>-post<id>.html               article pages (seed: …-post274411.html); one more,
                                        listed last in xay-dung-dang, is taken down: the
                                        error page with status 200 (``SampleSite.removed``)
    /<section>/<slug>/<id>.htm          old-site URL, 301 to the article
    /<tag-slug>-tag<id>.html            tag listings
    /rss/home.rss, /rss/<slug>.rss      RSS 2.0, newest 20
    /sitemap.xml → /sitemaps/news-YYYY-M.xml
    /robots.txt, /images/…              tiny images; anything else → 404 page
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from . import content as c
from . import render as r
from .model import (
    ArticlePage,
    ArticleTruth,
    Block,
    ImageTruth,
    InlineBox,
    LoadmoreShape,
    Note,
    Para,
    Pic,
    Raw,
    RelatedTruth,
    Response,
    SiteOptions,
    Variant,
)

__all__ = [
    "ArticleTruth",
    "ImageTruth",
    "RelatedTruth",
    "Response",
    "SampleSite",
    "SiteOptions",
    "build_site",
    "LoadmoreShape",
    "ARTICLE_COUNTS",
    "SECTION_PAGE_SIZE",
    "LEAD_BLOCKS",
    "LOADMORE_PAGE_SIZE",
    "SEED_URL_PATH",
]

DEFAULT_OPTIONS = SiteOptions()  # frozen, so one shared default is safe
RNG_SEED = 20241015
ARTICLE_COUNTS: Mapping[str, int] = MappingProxyType(
    {"xay-dung-dang": 40, "kinh-te": 6, "the-thao": 6}
)
SECTION_PAGE_SIZE = 14  # stories on a section page: lead blocks + timeline
LEAD_BLOCKS = 4  # .rank-1 and three .rank-2 items
LOADMORE_PAGE_SIZE = 10
SEED_URL_PATH = f"/{c.SEED_SLUG}-post{c.SEED_ID}.html"

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

GIF_BYTES = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
# A 1x1 grey baseline JPEG: SOI, JFIF, DQT, SOF0, two one-code Huffman tables, SOS, EOI.
JPEG_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000"
    "ffdb004300" + "01" * 64 + "ffc0000b080001000101011100"
    "ffc4001400" + "01" + "00" * 15 + "00"
    "ffc4001410" + "01" + "00" * 15 + "00"
    "ffda0008010100003f00" + "3f" + "ffd9"
)

_LOADMORE_RE = re.compile(r"^/api/morenews-zone-(?P<zone>\d+)-(?P<page>\d+)\.html$")


# --- the result ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleSite:
    """The built site: prepared answers by route, and the ground truth.

    ``routes`` maps a path (with its query, if any) to its answer; ``lookup`` adds the
    dynamic answers (images, load-more pages past the end, unknown query strings, 404).
    """

    base_url: str
    cdn_url: str
    options: SiteOptions
    routes: Mapping[str, Response]
    articles: tuple[ArticleTruth, ...]
    listings: Mapping[int, tuple[ArticleTruth, ...]]  # zone id -> articles, newest first
    not_found: Response
    _by_url: Mapping[str, ArticleTruth] = field(repr=False)
    # Listed in their section's timeline, but the page is the error page with status 200
    # (an article taken down): not articles, never archived. Not in ``articles``.
    removed: tuple[ArticleTruth, ...] = ()

    def lookup(self, target: str) -> Response:
        """Return the answer for a request target (path plus optional query)."""
        found = self.routes.get(target)
        if found is not None:
            return found
        path = urlsplit(target).path
        if path.startswith("/images/"):
            return image_response(path)
        match = _LOADMORE_RE.match(path)
        if match and int(match["zone"]) in self.listings and int(match["page"]) >= 2:
            return Response(200, JSON, _empty_loadmore(self.options.loadmore_shape))
        # Like the real CMS, an unknown query string does not change the page.
        return self.routes.get(path, self.not_found)

    def article(self, url_or_id: str | int) -> ArticleTruth:
        """Return the truth of an article by absolute URL, path or id (``KeyError`` if none)."""
        key = str(url_or_id)
        if key.isdigit():
            return next(a for a in self.articles if a.article_id == key)
        if key.startswith("/"):
            key = self.base_url + key
        return self._by_url[key]

    @property
    def seed(self) -> ArticleTruth:
        """The hand-written seed article (id 274411)."""
        return self.article(c.SEED_ID)

    def section_articles(self, slug: str) -> tuple[ArticleTruth, ...]:
        """The articles whose own section is ``slug``, newest first."""
        return tuple(a for a in self.listings[zone_id(slug)] if a.section_slug == slug)

    def loadmore_pages(self, slug: str) -> int:
        """The number of the last load-more page that has items (1 if there is none)."""
        listed = len(self.listings[zone_id(slug)])
        listed += sum(1 for gone in self.removed if gone.section_slug == slug)
        remaining = max(0, listed - SECTION_PAGE_SIZE)
        return 1 + -(-remaining // LOADMORE_PAGE_SIZE)

    def loadmore_url(self, slug: str, page: int) -> str:
        """Absolute URL of a load-more page of a section."""
        return f"{self.base_url}/api/morenews-zone-{zone_id(slug)}-{page}.html"


def zone_id(slug: str) -> int:
    """The zone id of a section slug."""
    return c.SECTION_BY_SLUG[slug].zone_id


def image_response(path: str) -> Response:
    """A tiny valid image: GIF for ``.gif`` paths, JPEG otherwise."""
    if path.lower().endswith(".gif"):
        return Response(200, "image/gif", GIF_BYTES, (("Cache-Control", "max-age=86400"),))
    return Response(200, "image/jpeg", JPEG_BYTES, (("Cache-Control", "max-age=86400"),))


def _empty_loadmore(shape: LoadmoreShape) -> bytes:
    payload = (
        r.loadmore_contents_payload((), False)
        if shape == "contents"
        else r.loadmore_html_payload(r.Ctx("", ""), (), False)
    )
    return payload.encode("utf-8")


# --- planning: ids, titles, dates -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Plan:
    """An article before its body exists."""

    article_id: int
    section_slug: str
    title: str
    summary: str
    published_at: datetime
    updated_at: datetime
    author: str
    tags: tuple[str, ...]
    fill: Mapping[str, str]  # values for the sentence templates

    @property
    def path(self) -> str:
        return f"/{c.slugify(self.title)}-post{self.article_id}.html"


def _fill_values(
    rng: random.Random, when: datetime, index: int, place: str, kind: str
) -> dict[str, str]:
    # Both tone-mark placements of "ủy" appear across articles, as in the real paper.
    committee = f"{kind} {'ủy' if index % 2 == 0 else 'uỷ'}"
    return {
        "place": place,
        "committee": committee,
        "n": str(rng.randint(3, 60)),
        # Vietnamese groups thousands with a dot: 6.710
        "m": f"{rng.randint(120, 9000):,}".replace(",", "."),
        "pct": str(rng.randint(70, 99)),
        "year": str(when.year),
        "prev_year": str(when.year - 1),
        "quarter": "IV"
        if when.month > 9
        else "III"
        if when.month > 6
        else "II"
        if when.month > 3
        else "I",
        "day": str(when.day),
        "month": str(when.month),
        "moment": c.MOMENTS[index % len(c.MOMENTS)],
    }


def _updated(rng: random.Random, published: datetime) -> datetime:
    # Some articles are edited much later: sitemap lastmod is not the publication time.
    return published + rng.choice(
        (timedelta(0), timedelta(minutes=35), timedelta(hours=5), timedelta(days=3))
    )


def _tags(rng: random.Random, section: str, place: str) -> tuple[str, ...]:
    pool = c.SECTION_TAGS[section]
    chosen = rng.sample(pool, rng.randint(1, 2))
    if place in c.TAGS:
        chosen.append(place)
    return tuple(dict.fromkeys(chosen))


def _place_of(rng: random.Random, title: str) -> tuple[str, str]:
    return next((p for p in c.PLACES if p[0] in title), rng.choice(c.PLACES))


def _fixed_plans(rng: random.Random) -> list[_Plan]:
    plans = []
    for index, fixed in enumerate(c.FIXED_ARTICLES):
        place, kind = _place_of(rng, fixed.title + fixed.summary)
        fill = _fill_values(rng, fixed.published_at, index, place, kind)
        plans.append(
            _Plan(
                fixed.article_id,
                fixed.section_slug,
                fixed.title,
                fixed.summary,
                fixed.published_at,
                _updated(rng, fixed.published_at),
                c.AUTHORS[index % len(c.AUTHORS)],
                _tags(rng, fixed.section_slug, place),
                fill,
            )
        )
    return plans


def _spread_dates(rng: random.Random, count: int) -> list[datetime]:
    """``count`` dates spread evenly over 2024-01 … 2026-03, at office hours."""
    start, end = c.vn(2024, 1, 3, 0, 0), c.vn(2026, 3, 25, 0, 0)
    step = (end - start) / count
    dates = []
    for i in range(count):
        day = start + step * (i + rng.uniform(0.1, 0.9))
        dates.append(
            day.replace(hour=rng.randint(6, 21), minute=rng.randrange(60), second=0, microsecond=0)
        )
    return dates


def _generated_plans(
    rng: random.Random, taken_ids: set[int], taken_titles: set[str], section_size: int
) -> list[_Plan]:
    plans = []
    counts = {**ARTICLE_COUNTS, "xay-dung-dang": section_size}
    for section, total in counts.items():
        fixed = sum(1 for f in c.FIXED_ARTICLES if f.section_slug == section)
        fixed += section == "xay-dung-dang"  # the seed
        titles, _, _ = c.SECTION_TEXTS[section]
        for index, when in enumerate(_spread_dates(rng, total - fixed)):
            place, kind = rng.choice(c.PLACES)
            fill = _fill_values(rng, when, index, place, kind)
            title = rng.choice(titles).format(**fill)
            while title in taken_titles:  # titles (hence slugs) are unique site-wide
                place, kind = rng.choice(c.PLACES)
                fill = _fill_values(rng, when, index, place, kind)
                title = rng.choice(titles).format(**fill)
            taken_titles.add(title)
            article_id = c.SEED_ID + (when - c.SEED_PUBLISHED).days * 70 + rng.randint(1, 60)
            while article_id in taken_ids:
                article_id += 1
            taken_ids.add(article_id)
            summary = rng.choice(c.SECTION_LEADS[section]).format(**fill)
            plans.append(
                _Plan(
                    article_id,
                    section,
                    title,
                    summary,
                    when,
                    _updated(rng, when),
                    rng.choice(c.AUTHORS),
                    _tags(rng, section, place),
                    fill,
                )
            )
    return plans


# --- composing bodies ---------------------------------------------------------------------------
def _variant(index: int) -> Variant:
    """Template variant by index, so that every variant occurs in every section."""
    return Variant(
        table_captions=index % 3 == 1,
        caption_in_p=index % 6 == 4,
        lazy_images=index % 4 != 3,
        meta_colon=index % 2 == 1,
        time_epoch=index % 5 == 4,
        sapo_h2=index % 4 == 2,
        json_ld=index % 3 == 0,
        nfd_title=index % 11 == 7,
        old_image_names=index % 9 == 5,
        # The residues below are chosen so that most variants also meet the small trap
        # sections (indices 6, 9, 11, 44-46 and 7, 10, 47-50).
        no_published_meta=index % 5 == 1 or index % 10 == 9,
        time_text_only=index % 10 == 1 and index % 3 != 0,
        plain_lead=index % 6 == 5,
        avatar=index % 4 == 1 or index % 13 == 10,
        byline_only=index % 6 == 0 and index % 13 != 10,
        doc_them_h2=index % 4 == 3,
        ld_breadcrumb=index % 4 == 2,
        no_section_meta=index % 12 in (6, 10),
        br_paragraphs=index % 5 == 0,
        video_only=index % 13 == 10,
    )


def _para(text: str, index: int, position: int) -> Para:
    """A paragraph whose HTML carries a trap that cleanup must undo."""
    html = r.esc(text)
    if position == 0 and index % 3 == 0:
        html = html.replace(" ", "&nbsp;", 1)
    elif position == 1 and index % 4 == 1:
        head, sep, tail = html.partition(" ")
        html = f"{head}\u200b{sep}{tail}"  # zero-width space next to a real space
    elif position == 0 and index % 3 == 1 and "," in html:
        head, _, tail = html.partition(",")
        html = f"<strong>{head}</strong>,{tail}"
    return Para(text, html)


def _paragraph_texts(rng: random.Random, plan: _Plan) -> list[str]:
    _, sentences, _ = c.SECTION_TEXTS[plan.section_slug]
    count = rng.randint(3, 5)
    picked = [s.format(**plan.fill) for s in rng.sample(sentences, min(len(sentences), count * 2))]
    size = -(-len(picked) // count)
    return [" ".join(picked[i : i + size]) for i in range(0, len(picked), size)]


def _images(
    rng: random.Random, plan: _Plan, cdn: str, variant: Variant, index: int
) -> list[ImageTruth]:
    _, _, captions = c.SECTION_TEXTS[plan.section_slug]
    images = []
    for j in range(rng.randint(1, 3)):
        if variant.old_image_names:
            name = f"{rng.getrandbits(40):010x}t{rng.randint(1000, 9999)}l{j}.jpg"
        else:
            name = f"img-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}.jpg"
        digest = hashlib.sha256(f"{plan.article_id}/{name}".encode()).hexdigest()
        caption = None if (index + j) % 6 == 5 else rng.choice(captions).format(**plan.fill)
        alt = plan.title if caption is None else caption.rstrip(".")
        images.append(ImageTruth(f"{cdn}/images/{digest}/{name}", caption, alt))
    return images


AD_HTML = (
    '<div id="adsWeb_AdsArticleMiddle" class="ads_middle"><div class="ads__label">Quảng cáo</div>'
    '<a href="https://quangcao.example.invalid/click?id=7" rel="nofollow sponsored">'
    "Mua sắm thả ga, hoàn tiền đến 20% cho mọi đơn hàng.</a></div>"
)
COMMENT_HTML = "<!-- <p>Ghi chú của biên tập viên: kiểm tra lại số liệu trước khi xuất bản.</p> -->"
EMPTY_P_HTML = "<p>&nbsp;</p>"


@dataclass(frozen=True, slots=True)
class _Draft:
    """An article with its body, before related links are chosen."""

    truth: ArticleTruth
    variant: Variant
    blocks: tuple[Block, ...]
    index: int


VIDEO_HTML = (
    '<iframe class="video-player" width="640" height="360" frameborder="0" allowfullscreen'
    ' src="https://www.youtube.com/embed/{code}"></iframe>'
)


def _draft(rng: random.Random, plan: _Plan, index: int, base: str, cdn: str) -> _Draft:
    variant = _variant(index)
    texts = _paragraph_texts(rng, plan)
    images = _images(rng, plan, cdn, variant, index)
    lead = plan.summary if variant.plain_lead else c.LEAD_PREFIX + plan.summary
    if variant.video_only:
        # A video article: the player is all its body holds; its one image is the avatar.
        name = f"video-{plan.article_id}.jpg"
        digest = hashlib.sha256(f"{plan.article_id}/{name}".encode()).hexdigest()
        truth = _plan_truth(
            plan,
            base,
            lead,
            body_paragraphs=(),
            images=(ImageTruth(f"{cdn}/images/{digest}/{name}", None, plan.title),),
            warnings=("body: video only", "no body text"),
        )
        code = hashlib.sha256(plan.title.encode()).hexdigest()[:11]
        return _Draft(truth, variant, (Raw(VIDEO_HTML.format(code=code)),), index)
    paras = [_para(text, index, pos) for pos, text in enumerate(texts)]
    blocks: list[Block] = []
    note = index % 7 == 3 and len(paras) > 2  # the last paragraph sits in a .notebox
    for pos, para in enumerate(paras):
        if note and pos == len(paras) - 1:
            blocks.append(Note((para,)))
        else:
            blocks.append(para)
        if pos < len(images):  # one image after each of the first paragraphs
            blocks.append(Pic(images[pos], variant))
        if pos == 1 and index % 3 == 2:
            blocks.append(Raw(AD_HTML))
        if pos == 1 and index % 4 == 0:
            blocks.append(Raw(COMMENT_HTML))
    if index % 5 == 2:
        blocks.append(Raw(EMPTY_P_HTML))
    if variant.byline_only:
        # Printed in the body, the byline stays body text (as the parser keeps it).
        blocks.append(Raw(f"<p><strong>{r.esc(plan.author)}</strong></p>"))
        texts.append(plan.author)
    truth = _plan_truth(plan, base, lead, body_paragraphs=tuple(texts), images=tuple(images))
    return _Draft(truth, variant, tuple(blocks), index)


def _plan_truth(plan: _Plan, base: str, lead: str, **content: Any) -> ArticleTruth:
    """The truth of a planned article, its ``content`` (body, images, warnings) given;
    related links are chosen later."""
    section = c.SECTION_BY_SLUG[plan.section_slug]
    return ArticleTruth(
        url=base + plan.path,
        article_id=str(plan.article_id),
        section_slug=section.slug,
        section_name=section.name,
        title=plan.title,
        lead=lead,
        published_at=plan.published_at,
        updated_at=plan.updated_at,
        author=plan.author,
        tags=plan.tags,
        related=(),
        **content,
    )


def _seed_truth(base: str, cdn: str) -> ArticleTruth:
    by_id = {f.article_id: f for f in c.FIXED_ARTICLES}

    def rel(article_id: int, kind: str) -> RelatedTruth:
        fixed = by_id[article_id]
        url = f"{base}/{c.slugify(fixed.title)}-post{article_id}.html"
        return RelatedTruth(url, fixed.title, fixed.summary, kind)  # type: ignore[arg-type]

    return ArticleTruth(
        url=base + SEED_URL_PATH,
        article_id=str(c.SEED_ID),
        section_slug="xay-dung-dang",
        section_name="Xây dựng Đảng",
        title=c.SEED_TITLE,
        lead=c.SEED_LEAD,
        published_at=c.SEED_PUBLISHED,
        updated_at=c.SEED_UPDATED,
        author=c.SEED_AUTHOR,
        tags=c.SEED_TAGS,
        body_paragraphs=c.SEED_PARAGRAPHS,
        images=tuple(
            ImageTruth(f"{cdn}/images/{digest}/{name}", caption, alt)
            for name, digest, caption, alt in c.SEED_IMAGES
        ),
        related=(
            rel(c.INLINE_OF_SEED.article_id, "inline"),
            *(rel(f.article_id, "doc-them") for f in c.DOC_THEM_OF_SEED),
        ),
    )


def _link(rng: random.Random, draft: _Draft, drafts: Sequence[_Draft]) -> ArticlePage:
    """Choose the related links and sidebars of one draft, and insert its inline box."""
    me = draft.truth
    same = [
        d.truth for d in drafts if d.truth.section_slug == me.section_slug and d.truth is not me
    ]
    other = [d.truth for d in drafts if d.truth.section_slug != me.section_slug]
    doc_them = tuple(rng.sample(same, min(len(same), draft.index % 6)))
    blocks = list(draft.blocks)
    related: list[RelatedTruth] = []
    if draft.index % 3 == 0:
        # Half the inline boxes point to another section: a related link the crawler
        # must not follow into the archive.
        target = rng.choice(other if draft.index % 2 == 0 else same)
        summary = target.summary if (draft.index // 3) % 2 == 0 else None
        inline = RelatedTruth(target.url, target.title, summary, "inline")
        related.append(inline)
        blocks.insert(min(3, len(blocks)), InlineBox(inline))
    related += [RelatedTruth(t.url, t.title, t.summary, "doc-them") for t in doc_them]
    everyone = [d.truth for d in drafts if d.truth is not me]
    latest = (*rng.sample(other, 2), *rng.sample(everyone, 2))
    most_read = (*rng.sample(other, 2), *rng.sample(same, 1))
    truth = replace(me, related=tuple(related))
    return ArticlePage(truth, draft.variant, tuple(blocks), doc_them, latest, most_read)


# --- routes -------------------------------------------------------------------------------------
def _newest_first(articles: Sequence[ArticleTruth]) -> tuple[ArticleTruth, ...]:
    return tuple(sorted(articles, key=lambda a: (a.published_at, int(a.article_id)), reverse=True))


def _html(text: str, status: int = 200) -> Response:
    return Response(status, HTML, text.encode("utf-8"))


def _article_response(text: str, truth: ArticleTruth) -> Response:
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    headers = (
        ("ETag", etag),
        ("Last-Modified", r.http_date(truth.updated_at)),
        ("Cache-Control", "max-age=60"),
    )
    return Response(200, HTML, body, headers)


def _seed_html(base: str, cdn: str) -> str:
    text = resources.files(__package__).joinpath("pages", "seed.html").read_text(encoding="utf-8")
    return text.replace("{{BASE}}", base).replace("{{CDN}}", cdn)


def _listings(articles: Sequence[ArticleTruth]) -> dict[int, tuple[ArticleTruth, ...]]:
    listings = {}
    for section in c.SECTIONS:
        members = [
            a
            for a in articles
            if a.section_slug == section.slug
            or c.SECTION_BY_SLUG[a.section_slug].parent == section.slug
        ]
        listings[section.zone_id] = _newest_first(members)
    return listings


def _section_routes(
    ctx: r.Ctx,
    listings: Mapping[int, tuple[ArticleTruth, ...]],
    options: SiteOptions,
    removed: Sequence[ArticleTruth] = (),
) -> dict[str, Response]:
    routes: dict[str, Response] = {}
    for section in c.SECTIONS:
        gone = [a for a in removed if a.section_slug == section.slug]
        listing = _newest_first([*listings[section.zone_id], *gone])
        others = [a for zone, items in listings.items() if zone != section.zone_id for a in items]
        others = [a for a in others if c.SECTION_BY_SLUG[a.section_slug].parent != section.slug]
        most_read = _newest_first([a for a in others if a.section_slug != "xay-dung-dang"])[:3]
        page = r.render_section(ctx, section, listing[:SECTION_PAGE_SIZE], LEAD_BLOCKS, most_read)
        rest = listing[SECTION_PAGE_SIZE:]
        last = 1 + -(-len(rest) // LOADMORE_PAGE_SIZE)
        routes[f"/{section.slug}/"] = _html(_with_next(page, section.slug, 2, options, rest))
        for number in range(2, last + 2):  # up to the first page past the end
            start = (number - 2) * LOADMORE_PAGE_SIZE
            items = rest[start : start + LOADMORE_PAGE_SIZE]
            more = start + LOADMORE_PAGE_SIZE < len(rest)
            if options.html_pagination and items:
                numbered = r.render_section(ctx, section, items, 0, most_read)
                routes[f"/{section.slug}/?page={number}"] = _html(
                    _with_next(numbered, section.slug, number + 1, options, rest[start:][10:])
                )
            payload = (
                r.loadmore_contents_payload(items, more)
                if options.loadmore_shape == "contents"
                else r.loadmore_html_payload(ctx, items, more)
            )
            path = f"/api/morenews-zone-{section.zone_id}-{number}.html"
            routes[path] = Response(200, JSON, payload.encode("utf-8"))
    return routes


def _with_next(
    page: str, slug: str, number: int, options: SiteOptions, remaining: Sequence[ArticleTruth]
) -> str:
    """Add a ``rel="next"`` link to page ``number`` when the site paginates in HTML."""
    if not options.html_pagination or not remaining:
        return page
    link = f'<div class="pagination"><a rel="next" href="/{slug}/?page={number}">Sau</a></div>'
    return page.replace("</body>", link + "</body>", 1)


def _feed_routes(
    ctx: r.Ctx,
    articles: Sequence[ArticleTruth],
    listings: Mapping[int, tuple[ArticleTruth, ...]],
    gzip_files: bool = False,
) -> dict[str, Response]:
    newest = _newest_first(articles)
    routes = {
        "/rss/home.rss": Response(
            200, RSS, r.render_rss(ctx, "Báo Hà Tĩnh", f"{ctx.base}/", newest[:20]).encode("utf-8")
        )
    }
    for section in c.SECTIONS:
        feed = r.render_rss(
            ctx,
            f"Báo Hà Tĩnh - {section.name}",
            f"{ctx.base}/{section.slug}/",
            listings[section.zone_id][:20],
        )
        routes[f"/rss/{section.slug}.rss"] = Response(200, RSS, feed.encode("utf-8"))
    months: dict[tuple[int, int], list[ArticleTruth]] = {}
    for article in newest:
        months.setdefault((article.published_at.year, article.published_at.month), []).append(
            article
        )
    index = []
    for (year, month), members in months.items():
        body = r.render_sitemap_month(ctx, members).encode("utf-8")
        if gzip_files:  # served as a .gz file (not a transfer encoding), month zero-padded
            path = f"/sitemaps/news-{year}-{month:02d}.xml.gz"
            routes[path] = Response(200, "application/gzip", gzip.compress(body, mtime=0))
        else:
            path = f"/sitemaps/news-{year}-{month}.xml"  # month not zero-padded, as on the CMS
            routes[path] = Response(200, XML, body)
        index.append((ctx.base + path, max(a.updated_at for a in members)))
    routes["/sitemap.xml"] = Response(200, XML, r.render_sitemap_index(index).encode("utf-8"))
    return routes


def _tag_routes(ctx: r.Ctx, articles: Sequence[ArticleTruth]) -> dict[str, Response]:
    routes = {}
    for name in sorted({tag for a in articles for tag in a.tags}):
        tagged = _newest_first([a for a in articles if name in a.tags])
        path = urlsplit(r.tag_url(ctx, name)).path
        routes[path] = _html(r.render_listing(ctx, name, tagged, "tag"))
    return routes


def _old_url_routes(articles: Sequence[ArticleTruth]) -> dict[str, Response]:
    # The old site's /<section>/<slug>/<id>.htm URLs live on as redirects.
    routes = {}
    for a in articles:
        slug = a.path.rsplit("-post", 1)[0].lstrip("/")
        routes[f"/{a.section_slug}/{slug}/{a.article_id}.htm"] = Response(
            301, HTML, b"", (("Location", a.url),)
        )
    return routes


# --- the build --------------------------------------------------------------------------------
def build_site(
    base_url: str, cdn_url: str, *, options: SiteOptions = DEFAULT_OPTIONS
) -> SampleSite:
    """Build the whole sample site for the given origins (no trailing slash)."""
    base, cdn = base_url.rstrip("/"), cdn_url.rstrip("/")
    ctx = r.Ctx(base, cdn)
    rng = random.Random(RNG_SEED)
    plans = _fixed_plans(rng)
    taken_titles = {p.title for p in plans} | {c.SEED_TITLE}
    taken_ids = {p.article_id for p in plans} | {c.SEED_ID}
    plans += _generated_plans(rng, taken_ids, taken_titles, options.section_size)
    drafts = [_draft(rng, plan, index, base, cdn) for index, plan in enumerate(plans)]
    seed = _seed_truth(base, cdn)
    seed_draft = _Draft(seed, _variant(0), (), -1)
    pages = [_link(rng, d, [*drafts, seed_draft]) for d in drafts]
    articles = (seed, *(p.truth for p in pages))
    listings = _listings(articles)
    _check_seed_position(listings[zone_id("xay-dung-dang")], seed)

    routes: dict[str, Response] = {SEED_URL_PATH: _article_response(_seed_html(base, cdn), seed)}
    for page in pages:
        routes[page.truth.path] = _article_response(r.render_article(ctx, page), page.truth)
    removed = (_removed_article(base, articles, listings[zone_id("xay-dung-dang")]),)
    for gone in removed:
        routes[gone.path] = _html(r.render_not_found(ctx))  # status 200, as some servers do
    routes.update(_section_routes(ctx, listings, options, removed))
    routes.update(_feed_routes(ctx, articles, listings, options.gzip_sitemaps))
    if options.feed_host_alias:
        twin = ctx.base.replace("://", "://" + options.feed_host_alias, 1)
        for path in [path for path in routes if path.startswith("/rss/")]:
            feed = routes[path]
            body = feed.body.decode("utf-8").replace(ctx.base + "/", twin + "/")
            routes[path] = replace(feed, body=body.encode("utf-8"))
    routes.update(_tag_routes(ctx, articles))
    routes.update(_old_url_routes(articles))
    routes["/"] = _html(r.render_listing(ctx, "Tin mới nhất", _newest_first(articles)[:12], "home"))
    routes["/robots.txt"] = Response(
        200,
        TEXT,
        r.render_robots(
            ctx, options.robots_disallow_api, options.robots_blocked_agent
        ).encode("utf-8"),
    )
    return SampleSite(
        base_url=base,
        cdn_url=cdn,
        options=options,
        routes=MappingProxyType(routes),
        articles=articles,
        listings=MappingProxyType(listings),
        not_found=_html(r.render_not_found(ctx), 404),
        _by_url=MappingProxyType({a.url: a for a in articles}),
        removed=removed,
    )


REMOVED_TITLE = "Hà Tĩnh rà soát, sắp xếp lại các chi bộ thôn, tổ dân phố sau sáp nhập"


def _removed_article(
    base: str, articles: Sequence[ArticleTruth], listing: Sequence[ArticleTruth]
) -> ArticleTruth:
    """An article of the section taken down: still listed (the oldest of the timeline, so
    on the last load-more page), its page the error page served with status 200."""
    ids = {int(a.article_id) for a in articles}
    article_id = min(ids) - 7
    while article_id in ids:
        article_id -= 1
    oldest = listing[-1]
    when = oldest.published_at - timedelta(days=1)
    return replace(
        oldest,
        url=f"{base}/{c.slugify(REMOVED_TITLE)}-post{article_id}.html",
        article_id=str(article_id),
        title=REMOVED_TITLE,
        lead=c.LEAD_PREFIX + "Bài viết đã được gỡ.",
        published_at=when,
        updated_at=when,
        body_paragraphs=(),
        images=(),
        related=(),
    )


def _check_seed_position(listing: Sequence[ArticleTruth], seed: ArticleTruth) -> None:
    # Tests rely on the seed being reachable only through the load-more API.
    if seed in listing[:SECTION_PAGE_SIZE]:
        raise RuntimeError("sample site: the seed article landed on the section page")
