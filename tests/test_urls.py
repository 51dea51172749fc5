"""URL canonicalisation: one article id is one record, whichever URL led to it."""

from __future__ import annotations

import pytest

from scraper.urls import article_id, canonicalize, host_of, is_article_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://BaoHaTinh.VN/abc-post1.html", "https://baohatinh.vn/abc-post1.html"),
        ("https://baohatinh.vn:443/abc-post1.html", "https://baohatinh.vn/abc-post1.html"),
        ("http://127.0.0.1:8080/abc-post1.html", "http://127.0.0.1:8080/abc-post1.html"),
        ("https://baohatinh.vn/abc-post1.html#comments", "https://baohatinh.vn/abc-post1.html"),
        (
            "https://baohatinh.vn/abc-post1.html?utm_source=fb&utm_medium=x&fbclid=Z&p=2",
            "https://baohatinh.vn/abc-post1.html?p=2",
        ),
        ("https://baohatinh.vn", "https://baohatinh.vn/"),
    ],
)
def test_canonical_urls(given: str, expected: str) -> None:
    assert canonicalize(given) == expected


def test_relative_links_resolve_against_the_page() -> None:
    assert (
        canonicalize("/abc-post1.html", "https://baohatinh.vn/xay-dung-dang/")
        == "https://baohatinh.vn/abc-post1.html"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://baohatinh.vn/huong-son-bieu-duong-post274411.html", "274411"),
        ("https://baohatinh.vn/tv/ban-tin-thoi-su-12345.html", "12345"),
        ("https://baohatinh.vn/xay-dung-dang/huong-son-bieu-duong/274411.htm", "274411"),
        ("https://baohatinh.vn/xay-dung-dang/", None),
        ("https://baohatinh.vn/dan-van-kheo-tag123.html", None),
        ("https://baohatinh.vn/rss/home.rss", None),
    ],
)
def test_the_article_id_of_every_url_family(url: str, expected: str | None) -> None:
    assert article_id(url) == expected
    assert is_article_url(url) is (expected is not None)


def test_host_of_ignores_the_port_and_case() -> None:
    assert host_of("http://LOCALHOST:8000/x") == "localhost"
