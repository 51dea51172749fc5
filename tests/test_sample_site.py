"""The sample site over real HTTP: listings, load-more, feeds, truth, conditional GET, faults.

A small reference extractor (BeautifulSoup + the site profile's selectors) checks that every
article page carries exactly its ground truth, so that parser tests can trust the truth.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import pytest
from bs4 import BeautifulSoup, Comment, Tag

from scraper.profile import DEFAULT_PROFILE
from scraper.sample_site import content
from scraper.sample_site.model import ArticleTruth, ImageTruth, RelatedTruth
from scraper.sample_site.server import Fault, SampleSiteServer
from scraper.sample_site.site import (
    LOADMORE_PAGE_SIZE,
    SECTION_PAGE_SIZE,
    SEED_URL_PATH,
    build_site,
)
from scraper.urls import article_id

SECTION = "xay-dung-dang"
ZONE = 22
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
IMAGE_NS = "{http://www.google.com/schemas/sitemap-image/1.1}"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """An httpx client that ignores proxy settings from the environment."""
    with httpx.Client(trust_env=False, timeout=5.0) as http:
        yield http


@pytest.fixture
def server(sample_server: SampleSiteServer) -> Iterator[SampleSiteServer]:
    """The shared server, with faults and log cleared around each test."""
    sample_server.reset()
    yield sample_server
    sample_server.reset()


# --- helpers --------------------------------------------------------------------------------
def clean(text: str) -> str:
    """NFC, ``&nbsp;`` as a space, zero-width spaces dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


def first(soup: Tag, name: str) -> Tag | None:
    """The first element matched by the profile's selectors for ``name``."""
    for selector in DEFAULT_PROFILE.select(name):
        found = soup.select_one(selector)
        if found is not None:
            return found
    return None


def boxes(soup: Tag) -> dict[str, Tag]:
    """Content lists by the words of their heading box ("Đọc thêm", "Tin mới" …)."""
    found = {}
    for listing in soup.select("div.box-content.content-list"):
        heading = listing.find_previous_sibling(class_="box-heading")
        if heading is not None:
            found[clean(heading.get_text())] = listing
    return found


def story_links(listing: Tag) -> list[RelatedTruth]:
    """(url, title, summary) of each story of a list, read from the heading link."""
    items = []
    for story in listing.select("article.story"):
        link = story.select_one(".story__heading a.cms-link")
        thumb = story.select_one("figure.story__thumb > a.cms-link[title]")
        assert link is not None and thumb is not None
        assert thumb["href"] == link["href"] and thumb["title"] == link.get_text()
        summary = story.select_one(".story__summary")
        items.append(
            RelatedTruth(
                str(link["href"]),
                clean(link.get_text()),
                summary and clean(summary.get_text()),
                "doc-them",
            )
        )
    return items


def published_of(soup: Tag) -> datetime:
    """The publication time: the meta tag, else the time element (attribute or text), else
    JSON-LD, as SITE.md lists the places."""
    meta = soup.select_one('meta[property="article:published_time"]')
    if meta is not None:
        return datetime.strptime(str(meta["content"]), "%Y-%m-%dT%H:%M:%S%z")
    time_ = soup.select_one(".article__meta time")
    assert time_ is not None
    if time_.get("datetime"):
        return datetime.fromisoformat(str(time_["datetime"]))
    if time_.get("data-time"):
        return datetime.fromtimestamp(int(str(time_["data-time"])), content.VN_TZ)
    text = clean(time_.get_text()).split(", ", 1)[1]  # "Thứ Ba, 15/10/2024 - 10:12"
    return datetime.strptime(text, "%d/%m/%Y - %H:%M").replace(tzinfo=content.VN_TZ)


def extract(html: str) -> dict[str, Any]:
    """Reference extraction of an article page, field by field."""
    # Migrated bodies split paragraphs with a blank line (<br><br>) inside one <p>.
    soup = BeautifulSoup(re.sub(r"<br>\s*<br>", "</p><p>", html), "lxml")
    title, lead, author = first(soup, "title"), first(soup, "lead"), first(soup, "author")
    body = first(soup, "body")
    assert title is not None and lead is not None and body is not None
    if author is None:  # the byline: a short bold last paragraph of the body
        author = body.find_all("p")[-1].find("strong")
        assert author is not None
    for comment in body.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    inline = []
    for box in body.select(".cms-relate"):
        link = box.select_one("a.cms-link")
        sapo = box.select_one(".cms-relate__sapo")
        assert link is not None
        inline.append(
            RelatedTruth(
                str(link["href"]), clean(link.get_text()), sapo and clean(sapo.get_text()), "inline"
            )
        )
    for selector in DEFAULT_PROFILE.select("body_noise"):
        for noise in body.select(selector):
            noise.decompose()
    images = []
    for img in body.select("img.cms-photo"):
        holder = img.find_parent(["figure", "table"])
        caption = holder.select_one("figcaption, td.caption") if holder else None
        url = img.get("data-src") or img["src"]
        images.append(ImageTruth(str(url), caption and clean(caption.get_text()), img.get("alt")))
    avatar = soup.select_one("figure.article__avatar img")
    if not images and avatar is not None:  # a video article: its image is the avatar
        images.append(ImageTruth(str(avatar["src"]), None, avatar.get("alt")))
    paragraphs = [
        clean(p.get_text())
        for p in body.find_all("p")
        if p.find_parent(["figure", "table"]) is None and clean(p.get_text())
    ]
    doc_them = boxes(soup).get("Đọc thêm")
    section = soup.select_one('meta[property="article:section"]')
    return {
        "title": clean(title.get_text()),
        "lead": clean(lead.get_text()),
        "author": clean(author.get_text()),
        "published_at": published_of(soup),
        "tags": tuple(clean(a.get_text()) for a in soup.select(".article__tag a")),
        "body_paragraphs": tuple(paragraphs),
        "images": tuple(images),
        "related": (*inline, *(story_links(doc_them) if doc_them else ())),
        "section": section["content"] if section else clean(soup.select(".breadcrumb a")[-1].text),
        "breadcrumb": [a["href"] for a in soup.select(".breadcrumb a")],
    }


def loadmore_urls(
    client: httpx.Client, server: SampleSiteServer, zone: int
) -> tuple[list[str], int]:
    """Walk the load-more pages of a zone; return the article URLs and the last page number."""
    urls: list[str] = []
    page = 2
    while True:
        answer = client.get(f"{server.base_url}/api/morenews-zone-{zone}-{page}.html").json()
        assert answer["error_code"] == 0
        data = answer["data"]
        if "contents" in data:
            urls += [urljoin(server.base_url, item["url"]) for item in data["contents"]]
        else:
            urls += [
                str(a["href"])
                for a in BeautifulSoup(data["articles"], "lxml").select(".story__heading a")
            ]
        if not data["hasMoreContent"]:
            return urls, page
        page += 1
        assert page < 50, "load-more never ends"


def section_page_urls(html: str) -> list[str]:
    """Story URLs of a section page: lead blocks then the zone timeline, not the sidebar."""
    soup = BeautifulSoup(html, "lxml")
    urls = []
    for selector in (
        *DEFAULT_PROFILE.select("section_lead_blocks"),
        *DEFAULT_PROFILE.select("section_timeline"),
    ):
        for node in soup.select(selector):
            urls += [str(a["href"]) for a in node.select(".story__heading a.cms-link")]
    return list(dict.fromkeys(urls))


# --- the built site ---------------------------------------------------------------------------
def test_build_is_deterministic_and_consistent() -> None:
    one = build_site("http://127.0.0.1:1", "http://localhost:1")
    two = build_site("http://127.0.0.1:1", "http://localhost:1")
    assert {k: v.body for k, v in one.routes.items()} == {k: v.body for k, v in two.routes.items()}
    ids = [a.article_id for a in one.articles]
    assert len(ids) == len(set(ids))
    assert len(one.section_articles(SECTION)) >= 34
    for other in ("kinh-te", "the-thao"):
        assert len(one.section_articles(other)) >= 4
    for article in one.articles:
        assert article_id(article.url) == article.article_id
        # Migrated old articles lack the prefix; the summary listings print is the same.
        assert article.summary == article.lead.removeprefix("(Baohatinh.vn) - ")
        video = "body: video only" in article.warnings
        assert len(article.body_paragraphs) >= 2 or (video and not article.body_paragraphs)
        assert article.author and 1 <= len(article.tags) <= 3
        assert article.published_at.utcoffset() == timedelta(hours=7)
        assert all(unicodedata.is_normalized("NFC", p) for p in article.body_paragraphs)
        assert 2024 <= article.published_at.year <= 2026
    plain = [a for a in one.articles if not a.lead.startswith("(Baohatinh.vn) - ")]
    assert 0 < len(plain) < len(one.articles) // 4
    spellings = " ".join(p for a in one.articles for p in a.body_paragraphs)
    assert "Huyện ủy" in spellings and "Huyện uỷ" in spellings


def test_fixed_articles_match_the_seed_page_links() -> None:
    site = build_site("http://h", "http://c")
    for fixed in content.FIXED_ARTICLES:
        truth = site.article(fixed.article_id)
        assert truth.title == fixed.title and truth.summary == fixed.summary
        assert truth.path == f"/{content.slugify(fixed.title)}-post{fixed.article_id}.html"
    assert content.slugify(content.SEED_TITLE) == content.SEED_SLUG


def test_seed_truth_is_the_seed_text(sample_server: SampleSiteServer) -> None:
    seed = sample_server.site.seed
    assert seed.url == sample_server.base_url + SEED_URL_PATH
    assert seed.title == 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024'
    assert len(seed.body_paragraphs) == 11 and "Dận vận khéo" in seed.body_paragraphs[9]
    assert [i.url.rsplit("/", 1)[1] for i in seed.images] == [
        "img-5104-5152.jpg",
        "img-5106-6035.jpg",
        "img-5120-2211.jpg",
        "img-5142-9957.jpg",
    ]
    assert [r.kind for r in seed.related] == ["inline"] + ["doc-them"] * 5
    assert seed.published_at == datetime.fromisoformat("2024-10-15T10:12:00+07:00")


# --- article pages ----------------------------------------------------------------------------
def test_every_article_page_carries_its_truth(
    server: SampleSiteServer, client: httpx.Client
) -> None:
    for truth in server.site.articles:
        answer = client.get(truth.url)
        assert answer.status_code == 200, truth.url
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        html = answer.content.decode("utf-8")
        assert truth.title in unicodedata.normalize("NFC", html)
        got = extract(html)
        expected = {field: getattr(truth, field) for field in got if hasattr(truth, field)}
        assert {k: got[k] for k in expected} == expected, truth.url
        assert got["section"] == truth.section_name
        assert got["breadcrumb"][-1] == f"{server.base_url}/{truth.section_slug}/"


def test_a_removed_article_is_listed_but_serves_the_error_page_with_200(
    server: SampleSiteServer, client: httpx.Client
) -> None:
    (gone,) = server.site.removed
    assert gone.section_slug == SECTION and gone not in server.site.articles
    answer = client.get(gone.url)
    assert answer.status_code == 200 and "Không tìm thấy trang" in answer.text
    assert 'class="article__body' not in answer.text
    more, _ = loadmore_urls(client, server, ZONE)
    assert more[-1] == gone.url


def test_seed_page_traps(server: SampleSiteServer, client: httpx.Client) -> None:
    html = client.get(server.url(SEED_URL_PATH)).text
    assert 'content="2024-10-15T10:12:00+0700"' in html
    assert (
        '<time class="time" datetime="2024-10-15T10:12:00+07:00">Thứ Ba, 15/10/2024 - 10:12</time>'
        in html
    )
    assert "&nbsp;" in html and "&#8203;" in html and "<!--" in html
    assert 'id="adsWeb_AdsArticleMiddle"' in html and 'class="cms-relate"' in html
    assert 'class="picture"' in html and '<td class="caption">' in html
    assert "{{" not in html


def test_every_variant_occurs_in_the_section(server: SampleSiteServer) -> None:
    pages = [
        server.site.lookup(a.path).body.decode() for a in server.site.section_articles(SECTION)
    ]
    markers = {
        "meta +0700": re.compile(r'published_time" content="[^"]+\+0700"'),
        "meta +07:00": re.compile(r'published_time" content="[^"]+\+07:00"'),
        "figcaption": re.compile("<figcaption"),
        "table caption": re.compile('<td class="caption">'),
        "caption in p": re.compile('<td class="caption"><p>'),
        "lazy": re.compile("data-src="),
        "eager": re.compile(r'<img class="cms-photo" src="http'),
        "epoch time": re.compile("data-time="),
        "h2 sapo": re.compile('<h2 class="article__sapo'),
        "json-ld": re.compile("application/ld\\+json"),
        "notebox": re.compile('class="notebox'),
        "no doc-them": re.compile(r"^(?!.*Đọc thêm</span>)", re.S),
        "NFD title": re.compile("<h1[^>]*>[^<]*\u0300"),
        "old image name": re.compile(r"/[0-9a-f]{10}t\d{4}l\d\.jpg"),
        "no published meta": re.compile(r"^(?!.*article:published_time)", re.S),
        "time as text only": re.compile('<div class="article__meta"><time class="time">'),
        "lead without prefix": re.compile(r'class="article__sapo cms-desc">(?!\(Baohatinh)'),
        "avatar": re.compile('<figure class="article__avatar">'),
        "byline only": re.compile(r"^(?!.*cms-author).*<p><strong>[^<]+</strong></p>", re.S),
        "h2 doc-them item": re.compile('<h2 class="story__heading">'),
        "JSON-LD breadcrumb": re.compile('"@type": "BreadcrumbList"'),
        "no section meta": re.compile(r"^(?!.*article:section)", re.S),
        "<br><br> paragraphs": re.compile("<br><br>"),
        "video only": re.compile(r'itemprop="articleBody">\n<iframe[^>]*></iframe>\n'),
    }
    for name, marker in markers.items():
        assert any(marker.search(page) for page in pages), name


def test_related_links_point_to_real_articles(sample_server: SampleSiteServer) -> None:
    site = sample_server.site
    inline_sections = set()
    for article in site.articles:
        for rel in article.related:
            target = site.article(rel.url)
            assert rel.title == target.title
            if rel.kind == "doc-them":
                assert target.section_slug == article.section_slug and rel.summary == target.summary
            elif article.section_slug == SECTION:
                inline_sections.add(target.section_slug)
    # Some inline boxes of the section lead into other sections: a trap for the crawler.
    assert SECTION in inline_sections and len(inline_sections) > 1


def test_seed_page_links_resolve(server: SampleSiteServer, client: httpx.Client) -> None:
    soup = BeautifulSoup(client.get(server.url(SEED_URL_PATH)).text, "lxml")
    links = {
        str(a["href"]) for a in soup.select("a[href]") if str(a["href"]).startswith(server.base_url)
    }
    for url in sorted(links):
        path = urlsplit(url).path
        if path.startswith(("/tim-kiem/", "/print.html")):
            continue  # disallowed by robots.txt; never fetched
        assert client.get(url).status_code == 200, url


# --- listings and load-more ----------------------------------------------------------------------
def test_section_page(server: SampleSiteServer, client: httpx.Client) -> None:
    answer = client.get(server.url(f"/{SECTION}/"))
    soup = BeautifulSoup(answer.text, "lxml")
    timeline = soup.select_one(DEFAULT_PROFILE.select("section_timeline")[0])
    assert timeline is not None and timeline["data-source"] == f"zone-timeline-{ZONE}"
    assert len(timeline.select("article.story")) >= 10
    assert soup.select_one(f'li[data-id="{ZONE}"] a')["href"] == server.url(f"/{SECTION}/")  # type: ignore[index]
    button = soup.select_one(".control__loadmore")
    assert button is not None and button["data-zone"] == str(ZONE) and button["data-page"] == "2"
    for story in timeline.select("article.story"):
        time_ = story.select_one(".story__meta time[datetime]")
        assert time_ is not None and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", time_.get_text())
    urls = section_page_urls(answer.text)
    assert len(urls) == SECTION_PAGE_SIZE
    assert server.url(SEED_URL_PATH) not in urls
    sidebar = {str(a["href"]) for a in soup.select("aside a")}
    assert any(server.site.article(u).section_slug != SECTION for u in sidebar)


@pytest.mark.parametrize("shape", ["html", "contents"])
def test_section_plus_loadmore_is_exactly_the_section(
    shape: str,
    client: httpx.Client,
    sample_server: SampleSiteServer,
    sample_server_factory: Callable[..., SampleSiteServer],
) -> None:
    server = sample_server if shape == "html" else sample_server_factory(loadmore_shape=shape)
    first_page = section_page_urls(client.get(server.url(f"/{SECTION}/")).text)
    more, last = loadmore_urls(client, server, ZONE)
    assert last >= 3  # at least two load-more pages
    truth = [a.url for a in server.site.section_articles(SECTION)]
    removed = [a.url for a in server.site.removed]  # listed last, taken down since
    assert first_page + more == truth + removed  # newest first, no duplicates, nothing missing
    assert server.url(SEED_URL_PATH) in more
    past = client.get(f"{server.base_url}/api/morenews-zone-{ZONE}-{last + 5}.html").json()["data"]
    assert past["hasMoreContent"] is False and not (past.get("articles") or past.get("contents"))


def test_loadmore_pages_hold_ten_items(server: SampleSiteServer, client: httpx.Client) -> None:
    answer = client.get(f"{server.base_url}/api/morenews-zone-{ZONE}-2.html")
    assert answer.headers["content-type"].startswith("application/json")
    data = answer.json()["data"]
    assert data["hasMoreContent"] is True
    assert (
        len(BeautifulSoup(data["articles"], "lxml").select("article.story")) == LOADMORE_PAGE_SIZE
    )


def test_contents_shape_fields(
    sample_server_factory: Callable[..., SampleSiteServer], client: httpx.Client
) -> None:
    server = sample_server_factory(loadmore_shape="contents")
    item = client.get(f"{server.base_url}/api/morenews-zone-{ZONE}-2.html").json()["data"][
        "contents"
    ][0]
    truth = server.site.article(item["url"])
    assert item["title"] == truth.title and item["sapo"] == truth.summary
    assert item["date"] == int(truth.published_at.timestamp())


def test_other_sections_have_their_own_zones(
    server: SampleSiteServer, client: httpx.Client
) -> None:
    for slug, zone in (("kinh-te", 4), ("the-thao", 11)):
        urls = section_page_urls(client.get(server.url(f"/{slug}/")).text)
        more, _ = loadmore_urls(client, server, zone)
        assert urls + more == [a.url for a in server.site.section_articles(slug)]


def test_home_and_tag_pages(server: SampleSiteServer, client: httpx.Client) -> None:
    home = BeautifulSoup(client.get(server.url("/")).text, "lxml")
    assert home.select('li[data-id="22"]') and len(home.select("article.story")) >= 10
    tag = client.get(server.url("/dan-van-kheo-tag12058.html"))
    soup = BeautifulSoup(tag.text, "lxml")
    assert tag.status_code == 200 and soup.select_one(".cms-body") is None
    assert server.url(SEED_URL_PATH) in {a["href"] for a in soup.select(".story__heading a")}


def test_old_urls_redirect(server: SampleSiteServer, client: httpx.Client) -> None:
    slug = SEED_URL_PATH.removesuffix("-post274411.html").lstrip("/")
    answer = client.get(server.url(f"/xay-dung-dang/{slug}/274411.htm"))
    assert answer.status_code == 301 and answer.headers["location"] == server.url(SEED_URL_PATH)


def test_images_on_the_cdn_host(server: SampleSiteServer, client: httpx.Client) -> None:
    url = server.site.seed.images[0].url
    assert urlsplit(url).hostname == "localhost"
    answer = client.get(url)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.content[:2] == b"\xff\xd8" and answer.content[-2:] == b"\xff\xd9"
    gif = client.get(f"{server.cdn_url}/images/x/a.gif")
    assert gif.headers["content-type"] == "image/gif" and gif.content.startswith(b"GIF89a")
    assert server.requests[-1].host == "localhost"


def test_unknown_path_is_404(server: SampleSiteServer, client: httpx.Client) -> None:
    answer = client.get(server.url("/khong-co-trang-nay-post1.html"))
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
    assert client.get(server.url("/api/morenews-zone-999-2.html")).status_code == 404


# --- robots, RSS, sitemaps ------------------------------------------------------------------------
@pytest.mark.parametrize("disallow_api", [False, True])
def test_robots(
    disallow_api: bool,
    client: httpx.Client,
    sample_server: SampleSiteServer,
    sample_server_factory: Callable[..., SampleSiteServer],
) -> None:
    server = sample_server_factory(robots_disallow_api=True) if disallow_api else sample_server
    text = client.get(server.url("/robots.txt")).text
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    assert robots.can_fetch("baohatinh-archive", server.url(SEED_URL_PATH))
    assert not robots.can_fetch("baohatinh-archive", server.url("/tim-kiem/?q=dang"))
    assert not robots.can_fetch("baohatinh-archive", server.url("/print.html?id=1"))
    api = server.url(f"/api/morenews-zone-{ZONE}-2.html")
    assert robots.can_fetch("baohatinh-archive", api) is not disallow_api
    assert robots.site_maps() == [server.url("/sitemap.xml")]


@pytest.mark.parametrize("feed", ["home", SECTION])
def test_rss(feed: str, server: SampleSiteServer, client: httpx.Client) -> None:
    answer = client.get(server.url(f"/rss/{feed}.rss"))
    channel = ET.fromstring(answer.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert len(items) == 20
    for item in items:
        truth = server.site.article(item.findtext("link", ""))
        assert item.findtext("title") == truth.title
        pub = item.findtext("pubDate", "")
        assert pub.endswith("+0700") and parsedate_to_datetime(pub) == truth.published_at
        assert truth.summary in (item.findtext("description") or "")
        assert feed == "home" or truth.section_slug == SECTION
    dates = [parsedate_to_datetime(i.findtext("pubDate", "")) for i in items]
    assert dates == sorted(dates, reverse=True)


def test_sitemaps_cover_every_article(server: SampleSiteServer, client: httpx.Client) -> None:
    index = ET.fromstring(client.get(server.url("/sitemap.xml")).content)
    monthly = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert all(re.search(r"/sitemaps/news-20\d\d-[1-9]\d?\.xml$", url) for url in monthly)
    assert any(url.endswith("news-2024-10.xml") for url in monthly)
    seen: dict[str, str] = {}
    for url in monthly:
        urlset = ET.fromstring(client.get(url).content)
        for node in urlset.findall("sm:url", SITEMAP_NS):
            assert node.find(f"{IMAGE_NS}image/{IMAGE_NS}loc") is not None
            seen[node.findtext("sm:loc", "", SITEMAP_NS)] = node.findtext(
                "sm:lastmod", "", SITEMAP_NS
            )
    assert set(seen) == {a.url for a in server.site.articles}
    for url, lastmod in seen.items():
        assert datetime.fromisoformat(lastmod) == server.site.article(url).updated_at


# --- conditional GET ------------------------------------------------------------------------------
def test_conditional_get(server: SampleSiteServer, client: httpx.Client) -> None:
    url = server.url(SEED_URL_PATH)
    first_answer = client.get(url)
    etag, modified = first_answer.headers["etag"], first_answer.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(days=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["etag"] == etag


def test_head_answers_headers_only(server: SampleSiteServer, client: httpx.Client) -> None:
    answer = client.head(server.url(SEED_URL_PATH))
    assert answer.status_code == 200 and answer.content == b""
    assert int(answer.headers["content-length"]) == len(server.site.lookup(SEED_URL_PATH).body)


# --- faults ---------------------------------------------------------------------------------
def test_status_fault_n_times_then_ok(server: SampleSiteServer, client: httpx.Client) -> None:
    rule = server.faults.error(f"/{SECTION}/", 503, times=2)
    codes = [client.get(server.url(f"/{SECTION}/")).status_code for _ in range(3)]
    assert codes == [503, 503, 200] and rule.hits == 2


def test_rate_limit_fault(server: SampleSiteServer, client: httpx.Client) -> None:
    server.faults.rate_limit(re.compile(r"^/rss/"), retry_after=2)
    answer = client.get(server.url("/rss/home.rss"))
    assert answer.status_code == 429 and answer.headers["retry-after"] == "2"
    assert client.get(server.url("/rss/home.rss")).status_code == 200


def test_delay_fault(server: SampleSiteServer, client: httpx.Client) -> None:
    server.faults.delay("/robots.txt", 0.2, times=1)
    answer = client.get(server.url("/robots.txt"))
    assert answer.status_code == 200 and answer.elapsed >= timedelta(seconds=0.2)


def test_drop_fault(server: SampleSiteServer, client: httpx.Client) -> None:
    with (
        server.faults.injected("/sitemap.xml", Fault(drop=True), times=1),
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get(server.url("/sitemap.xml"))
    assert client.get(server.url("/sitemap.xml")).status_code == 200


def test_redirect_faults(server: SampleSiteServer, client: httpx.Client) -> None:
    off_host = f"http://127.0.0.2:{server.port}/x"
    server.faults.redirect("/a", off_host)
    answer = client.get(server.url("/a"))
    assert answer.status_code == 301 and answer.headers["location"] == off_host
    server.faults.redirect("/loop-1", server.url("/loop-2"), status=302)
    server.faults.redirect("/loop-2", server.url("/loop-1"), status=302)
    with pytest.raises(httpx.TooManyRedirects):
        client.get(server.url("/loop-1"), follow_redirects=True)


@pytest.mark.parametrize("declare_length", [True, False])
def test_oversize_fault(
    declare_length: bool, server: SampleSiteServer, client: httpx.Client
) -> None:
    size = 3_000_000
    server.faults.oversize(SEED_URL_PATH, size, declare_length=declare_length, times=1)
    with client.stream("GET", server.url(SEED_URL_PATH)) as answer:
        assert (answer.headers.get("content-length") == str(size)) is declare_length
        read = 0
        for chunk in answer.iter_bytes():
            read += len(chunk)
            if read > 200_000:
                break  # a crawler's size cap: stop reading and drop the connection
    assert read > 200_000
    assert client.get(server.url(SEED_URL_PATH)).status_code == 200


def test_request_log(server: SampleSiteServer, client: httpx.Client) -> None:
    client.get(server.url("/robots.txt"), headers={"User-Agent": "baohatinh-archive/test"})
    (entry,) = server.requests
    assert entry.method == "GET" and entry.path == "/robots.txt" and entry.host == "127.0.0.1"
    assert entry.headers["User-Agent"] == "baohatinh-archive/test"
    server.clear_log()
    assert server.requests == []


def test_requests_served_at_once_are_counted_in_flight(server: SampleSiteServer) -> None:
    # Three slow answers asked for together overlap on the server: the peak sees three.
    server.faults.delay("/robots.txt", 0.3, times=3)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: httpx.get(server.url("/robots.txt"), trust_env=False), range(3)))
    assert server.peak_in_flight("127.0.0.1") == 3


def test_a_client_taking_turns_is_never_counted_twice(
    server: SampleSiteServer, client: httpx.Client
) -> None:
    # Each request starts once the previous answer is in: answers without a body (a
    # redirect, a 304), dropped connections and plain pages alike leave the count before
    # the client can see them, so one at a time is one in flight, however fast it goes.
    server.faults.redirect("/a", server.url("/robots.txt"))
    server.faults.add("/sitemap.xml", Fault(drop=True), times=200)
    etag = client.get(server.url(SEED_URL_PATH)).headers["etag"]
    for _ in range(200):
        assert client.get(server.url("/a")).status_code == 301
        assert (
            client.get(server.url(SEED_URL_PATH), headers={"If-None-Match": etag}).status_code
            == 304
        )
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(server.url("/sitemap.xml"))
    assert server.peak_in_flight("127.0.0.1") == 1


def test_truth_type_is_frozen(sample_server: SampleSiteServer) -> None:
    truth: ArticleTruth = sample_server.site.seed
    with pytest.raises(AttributeError):
        truth.title = "x"  # type: ignore[misc]


def test_add_status_alias_and_requests_to(server: SampleSiteServer, client: httpx.Client) -> None:
    server.faults.add_status("/robots.txt", 500, times=1)
    assert client.get(server.url("/robots.txt?x=1")).status_code == 500
    assert client.get(server.url("/robots.txt")).status_code == 200
    assert len(server.requests_to("/robots.txt")) == 2
