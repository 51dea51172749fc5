"""Feeds and sitemaps: RSS items, sitemap indexes and monthly files (gzip or not)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.discover import (
    SitemapEntry,
    month_reaches,
    months_newest_first,
    parse_rss,
    parse_sitemap,
    sitemap_month,
)
from scraper.errors import ParseError
from scraper.sample_site import SampleSiteServer

BASE = "https://baohatinh.vn"
VN = timezone(timedelta(hours=7))

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://BAOHATINH.vn/a-post274411.html?utm_source=x#top</loc>
     <lastmod>2024-10-18T09:00:00+07:00</lastmod>
     <image:image><image:loc>https://cdn.baohatinh.vn/images/x.jpg</image:loc></image:image></url>
<url><loc>https://baohatinh.vn/b-post274412.html</loc><lastmod>2024-10-19</lastmod></url>
<url><loc>https://baohatinh.vn/c-post274413.html</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://baohatinh.vn/sitemaps/news-2024-10.xml.gz</loc>
  <lastmod>2024-10-31T23:00:00Z</lastmod></sitemap>
<sitemap><loc>https://baohatinh.vn/sitemaps/news-2024-9.xml</loc></sitemap>
</sitemapindex>"""


def test_a_monthly_sitemap_gives_canonical_urls_and_lastmod_as_an_edit_hint() -> None:
    sitemap = parse_sitemap(URLSET, f"{BASE}/sitemaps/news-2024-10.xml")
    assert not sitemap.is_index
    assert [e.url for e in sitemap.entries] == [
        f"{BASE}/a-post274411.html",
        f"{BASE}/b-post274412.html",
        f"{BASE}/c-post274413.html",
    ]
    assert sitemap.entries[0].lastmod == datetime(2024, 10, 18, 9, 0, tzinfo=VN)
    assert sitemap.entries[1].lastmod == datetime(2024, 10, 19, tzinfo=VN)  # a bare date
    assert sitemap.entries[2].lastmod is None


def test_a_gzip_sitemap_reads_like_a_plain_one() -> None:
    url = f"{BASE}/sitemaps/news-2024-10.xml.gz"
    assert parse_sitemap(gzip.compress(URLSET), url) == parse_sitemap(URLSET, url)


def test_a_sitemap_index_lists_the_monthly_files() -> None:
    index = parse_sitemap(INDEX, f"{BASE}/sitemap.xml")
    assert index.is_index
    assert [sitemap_month(e.url) for e in index.entries] == [(2024, 10), (2024, 9)]
    assert index.entries[0].lastmod == datetime(2024, 10, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "month"),
    [
        ("/sitemaps/news-2024-3.xml", (2024, 3)),
        ("/sitemaps/news-2024-03.xml", (2024, 3)),
        ("/sitemaps/news-2024-03.xml.gz", (2024, 3)),
        ("/sitemap.xml", None),
    ],
)
def test_monthly_sitemap_names_are_read_with_or_without_zero_padding(
    url: str, month: tuple[int, int] | None
) -> None:
    assert sitemap_month(BASE + url) == month


@pytest.mark.parametrize(
    "body",
    [b"<html><body>not a sitemap</body></html>", b"{}", gzip.compress(b"<urlset", mtime=0)],
    ids=["html", "json", "truncated-gzip"],
)
def test_what_is_not_a_sitemap_is_refused_naming_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match="news-2024-1.xml"):
        parse_sitemap(body, f"{BASE}/sitemaps/news-2024-1.xml")


def test_a_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 60_000_000 + b"</urlset>")
    with pytest.raises(ParseError, match="inflates past"):
        parse_sitemap(bomb, f"{BASE}/sitemaps/news-2024-1.xml.gz")


def test_the_section_feed_of_the_sample_site_lists_its_newest_articles(
    sample_server: SampleSiteServer,
) -> None:
    site = sample_server.site
    body = site.lookup("/rss/xay-dung-dang.rss").body
    items = parse_rss(body, sample_server.url("/rss/xay-dung-dang.rss"))
    newest = site.listings[22][:20]
    assert [item.article_id for item in items] == [a.article_id for a in newest]
    assert [item.title for item in items] == [a.title for a in newest]


def test_a_feed_that_is_not_xml_is_refused() -> None:
    with pytest.raises(ParseError, match="home.rss"):
        parse_rss(b"<html><body>Maintenance</body>", f"{BASE}/rss/home.rss")


def rss_feed(items: str, prefix: str = "") -> bytes:
    return (
        f'{prefix}<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Báo Hà Tĩnh</title>{items}</channel></rss>"
    ).encode()


def feed_item(n: int, title: str, extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{BASE}/bai-post{n}.html</link>{extra}</item>"


@pytest.mark.parametrize(
    ("body", "titles"),
    [
        (
            rss_feed(
                feed_item(1, "Một") + feed_item(2, "Hai", "<description>Mở&nbsp;đầu</description>")
            ),
            ["Một", "Hai"],
        ),
        (
            rss_feed(feed_item(1, "Một") + feed_item(3, "Sở Nội vụ & Sở Tư pháp")),
            ["Một", "Sở Nội vụ & Sở Tư pháp"],
        ),
        (rss_feed(feed_item(1, "Một &hellip;"), prefix="\n  "), ["Một …"]),
    ],
    ids=["html-entity", "bare-ampersand", "blank-before-declaration"],
)
def test_a_feed_that_is_not_quite_xml_is_read_with_all_its_items(
    body: bytes, titles: list[str]
) -> None:
    assert [item.title for item in parse_rss(body, f"{BASE}/rss/home.rss")] == titles


def test_a_broken_feed_that_yields_no_item_is_refused_naming_the_url() -> None:
    with pytest.raises(ParseError, match="home.rss.*not well-formed"):
        parse_rss(rss_feed("<item><title>A & B</title></item>"), f"{BASE}/rss/home.rss")


@pytest.mark.parametrize(
    "bad", ["http://[baohatinh.vn/x-post1.html", "https://baohatinh.vn:80a/y-post2.html"]
)
def test_a_feed_or_sitemap_link_urllib_cannot_read_is_skipped(bad: str) -> None:
    feed = (
        f"<rss><channel><item><title>Hỏng</title><link>{bad}</link></item>"
        f"<item><title>Tốt</title><link>{BASE}/tot-post9.html</link></item></channel></rss>"
    ).encode()
    assert [item.article_id for item in parse_rss(feed, f"{BASE}/rss/home.rss")] == ["9"]
    urlset = URLSET.replace(b"<url><loc>https://baohatinh.vn/c-", f"<url><loc>{bad}</loc></url><url><loc>https://baohatinh.vn/c-".encode())
    entries = parse_sitemap(urlset, f"{BASE}/sitemaps/news-2024-10.xml").entries
    assert [entry.url.rsplit("-", 1)[1] for entry in entries] == [
        "post274411.html", "post274412.html", "post274413.html"
    ]


def month_entry(name: str, lastmod: datetime | None) -> SitemapEntry:
    return SitemapEntry(f"{BASE}/sitemaps/{name}", lastmod)


def test_the_newest_months_are_those_the_names_give_not_the_last_edits() -> None:
    edited = datetime(2030, 1, 1, tzinfo=VN)  # an old story edited (or a skewed clock)
    entries = [
        month_entry("news-2023-1.xml", edited),
        month_entry("news-2024-10.xml.gz", datetime(2024, 10, 31, tzinfo=VN)),
        month_entry("news-2024-9.xml", None),
        month_entry("news-2024-11.xml", datetime(2024, 11, 2, tzinfo=VN)),
        month_entry("other.xml", datetime(2024, 10, 5, tzinfo=VN)),  # no month in its name
        month_entry("unknown.xml", None),  # neither: may be the newest
    ]
    newest = [entry.url.rsplit("/", 1)[1] for entry in months_newest_first(entries)]
    assert newest == [
        "unknown.xml", "news-2024-11.xml", "news-2024-10.xml.gz", "other.xml",
        "news-2024-9.xml", "news-2023-1.xml",
    ]


def test_a_since_date_keeps_the_months_from_its_own_on() -> None:
    cutoff = datetime(2024, 10, 1, tzinfo=VN)
    assert month_reaches(month_entry("news-2024-10.xml", None), cutoff)
    edited = datetime(2030, 1, 1, tzinfo=VN)
    assert not month_reaches(month_entry("news-2024-9.xml", edited), cutoff)
    assert month_reaches(month_entry("other.xml", datetime(2024, 10, 5, tzinfo=VN)), cutoff)
    assert not month_reaches(month_entry("other.xml", datetime(2024, 9, 5, tzinfo=VN)), cutoff)
    assert month_reaches(month_entry("other.xml", None), cutoff)
