"""Robustness of ``parse_article``: whatever the input, a record or the parser's own error.

Truncated, garbled and random pages may give a record or raise ``ParseError`` (or its
``NotAnArticle``), never any other exception; a 5 MB page parses completely (its size and
shape are checked here; ``benchmarks/parse.py`` prints the time it takes).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.errors import ParseError
from scraper.parse import parse_article
from scraper.records import Article
from tests.parse_quality import hand_written_cases, seed_case

CASES = [seed_case(), *hand_written_cases()]
BIG_URL = "https://baohatinh.vn/trang-lon-post999999.html"
BIG_PARAGRAPHS = 22_000


def five_megabyte_page(paragraphs: int = BIG_PARAGRAPHS) -> str:
    """An article page of over 5 MB: the seed page with 22,000 more paragraphs and 3,667
    more captioned images in its body, a long sidebar and a long comment (``paragraphs``
    makes it smaller or larger, for the benchmark)."""
    seed = seed_case().html
    assert isinstance(seed, str)
    paragraph = (
        "<p>Đoạn {n}: cán bộ, đảng viên&nbsp;huyện Hương Sơn <b>gương mẫu</b> đi đầu trong "
        "phong trào thi đua “Dân vận khéo” ở cơ sở, gần dân, sát dân.</p>"
    )
    image = ('<figure class="picture"><img class="cms-photo" src="data:image/gif;base64,R0l=" '
             'data-src="/images/lon/anh-{n}.jpg" alt="Ảnh {n}"><figcaption>Chú thích {n}'
             "</figcaption></figure>")
    blocks = []
    for n in range(paragraphs):
        blocks.append(paragraph.format(n=n))
        if n % 6 == 0:
            blocks.append(image.format(n=n))
    extra = "".join(blocks)
    sidebar = "<aside>" + "<article class='story'><a href='/x-post1.html'>Tin</a></article>" * 2000
    sidebar += "<!-- " + "bình luận " * 20_000 + "-->" + "</aside>"
    marker = '<div class="article__body'
    start = seed.index(marker)
    body_open_end = seed.index(">", start) + 1
    page = seed[:body_open_end] + extra + seed[body_open_end:]
    return page.replace("</body>", sidebar + "</body>")


def test_a_five_megabyte_page_parses_completely() -> None:
    page = five_megabyte_page()
    assert len(page.encode("utf-8")) > 5 * 2**20
    article = parse_article(page, BIG_URL)
    seed = parse_article(seed_case().html, BIG_URL)
    assert len(article.body_paragraphs) == BIG_PARAGRAPHS + len(seed.body_paragraphs)
    assert article.body_paragraphs[0] == (
        "Đoạn 0: cán bộ, đảng viên huyện Hương Sơn gương mẫu đi đầu trong phong trào thi đua "
        "“Dân vận khéo” ở cơ sở, gần dân, sát dân."
    )
    expected_images = -(-BIG_PARAGRAPHS // 6) + len(seed.images)
    assert len(article.images) == expected_images
    assert article.images[1].caption == "Chú thích 6"
    assert all("bình luận" not in paragraph for paragraph in article.body_paragraphs)


def _parse_or_error(html: str | bytes, url: str) -> None:
    try:
        article = parse_article(html, url)
    except ParseError as exc:
        assert exc.url == url
        return
    assert isinstance(article, Article) and article.title and article.article_id


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), cut=st.floats(min_value=0.0, max_value=1.0))
def test_fixture_pages_cut_anywhere(case: object, cut: float) -> None:
    html = case.html  # type: ignore[attr-defined]
    _parse_or_error(html[: int(len(html) * cut)], case.url)  # type: ignore[attr-defined]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    edits=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=1.0), st.binary(min_size=1, max_size=8)),
        min_size=1,
        max_size=30,
    ),
)
def test_fixture_pages_with_garbled_bytes(case: object, edits: list[tuple[float, bytes]]) -> None:
    data = bytearray(case.html.encode("utf-8"))  # type: ignore[attr-defined]
    for where, garbage in edits:
        at = int(len(data) * where)
        data[at : at + len(garbage)] = garbage
    _parse_or_error(bytes(data), case.url)  # type: ignore[attr-defined]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    tags=st.lists(
        st.sampled_from(["</div>", "<div>", "</p>", "<table>", "</html>", "<body>", "<!--",
                         "<script>", "<![CDATA[", "<h1>", "\x00", "&#0;", "&#xD800;", "<?xml?>"]),
        min_size=1,
        max_size=10,
    ),
    where=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=10),
)
def test_fixture_pages_with_stray_markup(case: object, tags: list[str], where: list[float]) -> None:
    html: str = case.html  # type: ignore[attr-defined]
    for tag, at in zip(tags, where, strict=False):
        index = int(len(html) * at)
        html = html[:index] + tag + html[index:]
    _parse_or_error(html, case.url)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "bad", ["http://[baohatinh.vn/x-post1.html", "https://baohatinh.vn:80a/y-post2.html"]
)
@pytest.mark.parametrize("where", ["base", "canonical", "og", "body image", "read-more link"])
def test_one_link_urllib_cannot_read_costs_only_itself(bad: str, where: str) -> None:
    seed = seed_case()
    assert isinstance(seed.html, str)
    whole = parse_article(seed.html, seed.url)
    html = seed.html
    # Each placed first of its kind, where the parser looks before any good one.
    if where in ("base", "canonical", "og"):
        tag = {
            "base": f'<base href="{bad}">',
            "canonical": f'<link rel="canonical" href="{bad}">',
            "og": f'<meta property="og:url" content="{bad}"><meta property="og:image" '
            f'content="{bad}">',
        }[where]
        if where == "canonical":  # the og:url is read before the canonical link
            html = html.replace('property="og:url"', 'property="og:other"')
        html = html.replace("<head>", "<head>" + tag, 1)
    else:
        box, tag = {
            "body image": ('<div class="article__body', f'<img src="{bad}.jpg">'),
            "read-more link": (
                'class="article__related',
                f'<article class="story"><a class="cms-link" href="{bad}">Hỏng</a></article>',
            ),
        }[where]
        at = html.index("<article" if where == "read-more link" else ">", html.index(box))
        at += 0 if where == "read-more link" else 1
        html = html[:at] + tag + html[at:]
    article = parse_article(html, seed.url)
    assert (article.url, article.title, article.body_paragraphs[-3:]) == (
        whole.url, whole.title, whole.body_paragraphs[-3:]
    )
    assert {image.url for image in whole.images} <= {image.url for image in article.images}
    assert {link.url for link in whole.related} <= {link.url for link in article.related}
