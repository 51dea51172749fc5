"""URL canonicalisation: one article id is one record, whichever URL led to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.urls import (
    TRACKING_PARAMS,
    article_id,
    canonicalize,
    host_of,
    is_article_url,
    join,
    on_site,
)


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
        # An IPv6 host keeps the brackets a URL needs (its port could not be told apart).
        ("http://[::1]:8080/abc-post1.html", "http://[::1]:8080/abc-post1.html"),
        ("HTTP://[2001:DB8::1]/abc-post1.html", "http://[2001:db8::1]/abc-post1.html"),
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


# --- remembered joins: the same answers as urllib's, errors included -----------------------

_URL_PART = st.sampled_from(
    [
        "http:",
        "https:",
        "HTTP:",
        "ftp:",
        "mailto:",
        "javascript:",
        "//",
        "/",
        "./",
        "../",
        "baohatinh.vn",
        "BaoHaTinh.VN:443",
        "127.0.0.1:8080",
        "cdn.test:x",
        "[::1",
        "[::1]",
        "a-post1.html",
        "b;p=1",
        ";",
        "?",
        "?utm_source=x&p=2",
        "&fbclid=z",
        "#",
        "#top",
        " ",
        "\t",
        "\n",
        "\x00",
        "\u0130",
        "%2F",
        "tv/",
    ]
)
_URL = st.lists(_URL_PART, max_size=7).map("".join)


def _outcome(function, *args):  # noqa: ANN001, ANN202 - any URL function and its input
    try:
        return function(*args)
    except ValueError as exc:
        return (type(exc), str(exc))


def _canonicalize_with_urljoin(url: str, base: str | None = None) -> str:
    """canonicalize as written before joins were remembered: the specification."""
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6: the brackets back
        host = f"[{host}]"
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not (k.lower().startswith("utm_") or k.lower() in TRACKING_PARAMS)
        ]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


@settings(max_examples=500, deadline=None)
@given(base=_URL, url=_URL)
def test_join_and_canonicalize_answer_as_urljoin_does(base: str, url: str) -> None:
    for _ in range(2):  # the second time from what was remembered
        assert _outcome(join, base, url) == _outcome(urljoin, base, url)
        assert _outcome(canonicalize, url, base) == _outcome(_canonicalize_with_urljoin, url, base)
        assert _outcome(canonicalize, url) == _outcome(_canonicalize_with_urljoin, url)


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://baohatinh.vn/a/", "http://baohatinh.vn/b;"),  # other scheme: kept as is
        ("http://baohatinh.vn/a/", "http://baohatinh.vn/b;"),  # same scheme: re-assembled
        ("http://baohatinh.vn/a/", "http://baohatinh.vn/b?#"),
        ("http://[::1/", "http://baohatinh.vn/"),  # the base's error comes first
        ("http://baohatinh.vn/", "http://[::1/"),
    ],
)
def test_join_keeps_urljoins_corner_cases(base: str, url: str) -> None:
    assert _outcome(join, base, url) == _outcome(urljoin, base, url)
    assert _outcome(canonicalize, url, base) == _outcome(_canonicalize_with_urljoin, url, base)


@pytest.mark.parametrize(
    ("url", "site_host", "expected"),
    [
        ("https://www.baohatinh.vn/a-post1.html?x=1", "baohatinh.vn",
         "https://baohatinh.vn/a-post1.html?x=1"),
        ("https://m.baohatinh.vn/a-post1.html", "baohatinh.vn", "https://baohatinh.vn/a-post1.html"),
        ("http://www.localhost:8080/a-post1.html", "localhost",
         "http://localhost:8080/a-post1.html"),
        ("https://baohatinh.vn/a-post1.html", "www.baohatinh.vn",
         "https://www.baohatinh.vn/a-post1.html"),
        ("https://baohatinh.vn/a-post1.html", "baohatinh.vn", "https://baohatinh.vn/a-post1.html"),
        # Another site's link is none of ours, however like an article its path looks.
        ("https://vietnamnet.vn/a-post1.html", "baohatinh.vn", None),
        ("https://www.baohatinh.vn.example/a-post1.html", "baohatinh.vn", None),
        ("https://xbaohatinh.vn/a-post1.html", "baohatinh.vn", None),
    ],
)
def test_a_url_on_the_site_under_another_name_is_the_site_s(
    url: str, site_host: str, expected: str | None
) -> None:
    assert on_site(url, site_host) == expected
