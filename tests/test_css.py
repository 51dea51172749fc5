"""CSS selectors on lxml select what a CSS engine selects (soupsieve as the oracle)."""

from __future__ import annotations

import lxml.html
import pytest
from bs4 import BeautifulSoup

from scraper.css import SelectorError, closest, compile_selector, select
from scraper.profile import DEFAULT_PROFILE

PAGE = """<!DOCTYPE html><html><body>
<div class="breadcrumb"><a href="/chinh-tri/">Chính trị</a><a href="/xay-dung-dang/">XDĐ</a></div>
<article class="article"><h1 class="article__title cms-title">T</h1>
<div class="article__meta"><time datetime="2024-10-15T10:12:00+0700">x</time>
<time data-time="1728961920">y</time></div>
<div class="article__body zce-content-body cms-body" itemprop="articleBody" id="body">
<p lang="vi-VN">1</p><div id="adsWeb_AdsArticleMiddle" class="ads_middle">ad</div>
<table class="picture"><tr><td class="caption">c</td></tr></table>
<figure class="picture"><img class="cms-photo" data-src="/a.jpg"><figcaption>f</figcaption></figure>
<article class="cms-relate"><h4>
<a class="cms-link x" href="/r-post1.html" title="it's">r</a></h4></article>
</div></article>
<div class="box-content content-list" data-source="zone-timeline-22">
<article class="story"><figure class="story__thumb"><a class="cms-link" title="t">T</a></figure>
<h3 class="story__heading"><a class="cms-link" href="/s-post2.html">S</a></h3></article>
<article class="story"></article></div>
</body></html>"""

EXTRA = [
    "*",
    "article.story + article",
    "p ~ div",
    "h3, figure, p",
    "[lang|=vi]",
    "[class~=x]",
    "[id$=Middle]",
    "[data-source*=timeline]",
    "div > p",
    "body p",
    '[title="it\'s"]',
    "DIV.cms-body",
    "  figure   >   a  ",
    "div.box-content > article.story > figure a.cms-link[title]",
    # pseudo-classes, read by cssselect
    "p:first-child",
    "div:not(.x)",
    "article:nth-child(2)",
    "div.cms-body > :not(p)",
]


def _profile_selectors() -> list[str]:
    return sorted(
        {
            css
            for name, entries in DEFAULT_PROFILE.selectors.items()
            if not name.endswith(("_words", "_attrs"))
            for css in entries
        }
    )


@pytest.mark.parametrize("css", _profile_selectors() + EXTRA)
def test_selects_what_soupsieve_selects(css: str) -> None:
    root = lxml.html.document_fromstring(PAGE)
    soup = BeautifulSoup(PAGE, "lxml")
    ours = [(el.tag, el.get("class"), el.text_content()) for el in select(root, css)]
    theirs = [
        (el.name, " ".join(el["class"]) if el.get("class") else None, el.get_text())
        for el in soup.select(css)
        if el.name != "html"  # our context is the <html> element itself
    ]
    assert ours == theirs


def test_results_are_in_document_order_and_unique() -> None:
    root = lxml.html.document_fromstring(PAGE)
    found = select(root, "figcaption, td.caption, .picture .caption")
    assert [el.text for el in found] == ["c", "f"]


def test_closest_finds_the_element_or_its_nearest_matching_ancestor() -> None:
    root = lxml.html.document_fromstring(PAGE)
    img = select(root, "img.cms-photo")[0]
    assert closest(img, "figure, table.picture").tag == "figure"
    assert closest(img, "img").tag == "img"
    assert closest(img, ".cms-body").get("id") == "body"
    assert closest(img, "article > div.cms-body").get("id") == "body"
    assert closest(img, ".e-magazine") is None


@pytest.mark.parametrize(
    "css",
    ["", "  ", "a >", "> a", "a,,b", "p.", "[x=a b]", "a::before", "p::first-line",
     "a:nth-child(x)"],
)
def test_unsupported_or_malformed_selectors_raise_selector_error(css: str) -> None:
    with pytest.raises(SelectorError) as caught:
        compile_selector(css)
    assert repr(css) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_quotes_inside_attribute_values_are_matched() -> None:
    root = lxml.html.document_fromstring("""<p title="it's &quot;x&quot;">q</p>""")
    assert [el.text for el in select(root, '[title^="it\'s"]')] == ["q"]
    assert [el.text for el in select(root, "[title$='\"x\"']")] == ["q"]
