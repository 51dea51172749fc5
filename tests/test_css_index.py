"""Inside ``indexed(root)``, ``select`` answers from an index of the page exactly what the
compiled XPath answers: the same elements, in the same order, for every context element."""

from __future__ import annotations

import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import scraper.css as css_module
from scraper.body import drop_elements
from scraper.css import class_tokens, compile_selector, indexed, select
from scraper.document import parse_document

from .test_css import EXTRA, PAGE, _profile_selectors

# Markup the index must read as cssselect's XPath does: class attributes split on
# tabs, newlines and runs of spaces but not on form feeds or no-break spaces, repeated
# tokens, letter case, nested matches, matches outside the context.
TRICKY = """<!DOCTYPE html><html><body class="a">
<DIV CLASS="  story\tbox\n story  " id="d1"><P class="a">one<SPAN class="A">A</SPAN></P>
<div class="story"><p class="a b">nested<a class="x" href="#">x</a></p></div></DIV>
<div class="a&#12;b" id="ff"><p class="b&#160;a">nbsp</p></div>
<div class="story box" id="d2"><article class="story"><a class="x y">y</a>
<figure class="b"><a>z</a></figure></article></div>
<div class=""><a class="y"></a></div><p class="a" class="z">two attributes</p>
<section class="Story"><b class="story">b</b></section>
</body></html>"""

SIMPLE = [
    ".a",
    ".A",
    ".b",
    ".story",
    ".Story",
    "div.story",
    "DIV.story.box",
    ".box.story",
    "p.a.b",
    "a",
    "A",
    "p",
    "span",
    "section b",
    ".story a",
    ".story .a",
    "div .story",
    ".story .story",
    "div.story p a.x",
    ".story figure a",
    "body .a",
    ".a, .b",
    "p, div.story, a.x",
    ".missing",
    "nosuchtag",
    ".story nosuchtag",
]


def _agrees(root: etree._Element, selectors: list[str]) -> None:
    """Every element of ``root``'s tree as the context: the index gives what XPath gives."""
    contexts = list(root.iter())
    with indexed(root):
        for css in selectors:
            for context in contexts:
                assert select(context, css) == compile_selector(css)(context), (css, context)


@pytest.mark.parametrize("markup", [PAGE, TRICKY], ids=["page", "tricky"])
def test_index_selects_what_xpath_selects(markup: str) -> None:
    _agrees(parse_document(markup), _profile_selectors() + EXTRA + SIMPLE)


def test_the_context_element_itself_is_never_selected() -> None:
    root = parse_document(TRICKY)
    outer = root.get_element_by_id("d1")
    with indexed(root):
        assert outer not in select(outer, ".story")
        assert [el.tag for el in select(outer, ".story")] == ["div"]
        inner = select(outer, ".story")[0]
        assert [el.text for el in select(outer, "div.story p a.x")] == ["x"]
        assert select(inner, "div.story p a.x") == []  # the div.story must lie below
        assert [el.text for el in select(inner, "p a.x")] == ["x"]
        assert select(root.get_element_by_id("ff"), "div, .a, .b") == []


def test_simple_selectors_are_answered_without_xpath(monkeypatch: pytest.MonkeyPatch) -> None:
    root = parse_document(TRICKY)
    expected = {css: select(root, css) for css in SIMPLE}

    def no_xpath(css: str) -> etree.XPath:
        raise AssertionError(f"{css!r} went to XPath")

    monkeypatch.setattr(css_module, "compile_selector", no_xpath)
    with indexed(root):
        assert {css: select(root, css) for css in SIMPLE} == expected


def test_other_selectors_still_raise_selector_errors_inside_the_block() -> None:
    root = parse_document(TRICKY)
    with indexed(root), pytest.raises(css_module.SelectorError, match="'p.'"):
        select(root, "p.")


def test_class_tokens_split_where_xpath_normalize_space_splits() -> None:
    assert class_tokens(" a\tb\r\nc  a ") == ["a", "b", "c", "a"]
    assert class_tokens("a\x0cb c\xa0d") == ["a\x0cb", "c\xa0d"]
    assert class_tokens("") == class_tokens(None) == []


def test_removed_subtrees_are_not_found_after_drop_elements() -> None:
    root = parse_document(PAGE)
    with indexed(root):
        body = select(root, ".cms-body")[0]
        assert select(body, "figcaption")  # builds the index before the removal
        boxes = select(body, ".cms-relate") + select(body, "figure, .picture")
        inner = select(boxes[0], "h4")[0]
        drop_elements(boxes + [inner])  # an element inside a removed one, too
        _agrees_now(root, body, inner, boxes[0])
    assert not [el for el in root.iter() if el.get("class") == "cms-relate"]


def _agrees_now(root: etree._Element, *contexts: etree._Element) -> None:
    for css in _profile_selectors() + SIMPLE + ["figcaption", ".caption", "a.cms-link"]:
        for context in (root, *contexts):
            assert select(context, css) == compile_selector(css)(context), (css, context)


def test_elements_of_another_tree_are_answered_by_xpath() -> None:
    page, other = parse_document(PAGE), parse_document(TRICKY)
    with indexed(page):
        assert select(page, ".story")  # the index of `page` is built
        assert select(other, ".story") == compile_selector(".story")(other)
        assert len(select(other, ".story")) == 5


def test_the_index_lives_only_inside_the_block_and_its_thread() -> None:
    first, second = parse_document(PAGE), parse_document(TRICKY)
    seen: dict[str, list[str]] = {}
    entered, checked = threading.Event(), threading.Event()

    def other_thread() -> None:
        entered.wait()
        # The main thread's index is not this thread's: nothing of `first` leaks here.
        with indexed(second):
            seen["second"] = [el.tag for el in select(second, ".story")]
            seen["first"] = [el.tag for el in select(first, ".story")]
        checked.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with indexed(first):
        select(first, ".story")
        entered.set()
        checked.wait(10)
        with indexed(second):
            assert select(second, "div.story") == compile_selector("div.story")(second)
        assert css_module._LOCAL.index.root is first
    worker.join(10)
    assert getattr(css_module._LOCAL, "index", None) is None
    assert seen == {
        "second": ["div", "div", "div", "article", "b"],
        "first": ["article", "article"],
    }


# --- random markup -----------------------------------------------------------------------

_TAGS = ("div", "p", "a", "span", "article", "DIV", "Section", "b")
_TOKENS = ("a", "b", "A", "story", "x-y", "x_y", "a\x0cb")
_SPACES = (" ", "  ", "\t", "\n", "\r\n", "\x0c", "\xa0", " \t ")


@st.composite
def _class_attribute(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.sampled_from(_TOKENS), max_size=4))
    spaces = draw(
        st.lists(st.sampled_from(_SPACES), min_size=len(tokens) + 1, max_size=len(tokens) + 1)
    )
    value = spaces[0] + "".join(t + s for t, s in zip(tokens, spaces[1:], strict=True))
    return value.replace("&", "&amp;").replace('"', "&quot;")


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    attribute = draw(st.one_of(st.none(), _class_attribute()))
    children = draw(st.lists(_markup(depth + 1), max_size=3)) if depth < 4 else []
    opening = f"<{tag}" + (f' class="{attribute}"' if attribute is not None else "") + ">"
    return opening + "t" + "".join(children) + f"</{tag}>"


@st.composite
def _compound(draw: st.DrawFn) -> str:
    tag = draw(st.sampled_from(("", "*", *_TAGS[:6])))
    classes = draw(st.lists(st.sampled_from(_TOKENS[:6]), max_size=2))
    return (tag + "".join("." + name for name in classes)) or "p"


_SELECTOR = st.lists(
    st.lists(_compound(), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=2
).map(", ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(_markup(), min_size=1, max_size=3),
    selectors=st.lists(_SELECTOR, min_size=1, max_size=4),
)
def test_index_agrees_with_xpath_on_random_markup(body: list[str], selectors: list[str]) -> None:
    _agrees(parse_document("<html><body>" + "".join(body) + "</body></html>"), selectors)


def test_a_printable_class_value_holds_no_whitespace_but_the_space() -> None:
    # The index splits printable values with str.split(): it must split them as XPath does.
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()] == [
        " "
    ]
