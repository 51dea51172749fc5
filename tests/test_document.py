"""``parse_document`` builds from a page's UTF-8 bytes the tree lxml builds from its text."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from scraper.document import EmptyDocument, decode_html, parse_document

from .parse_quality import all_cases


def _from_text(text: str) -> lxml.html.HtmlElement:
    """The tree as lxml builds it from a str, with the parser options of the archive."""
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, no_network=True
    )
    return lxml.html.document_fromstring(text, parser=parser)


def _outcome(build, source) -> tuple[str, str]:  # noqa: ANN001 - a callable and its input
    try:
        root = build(source)
    except (EmptyDocument, etree.ParserError):
        return ("empty", "")
    except ValueError as exc:
        return ("refused", str(exc))
    shape = [(el.tag, type(el).__name__, sorted(el.attrib.items())) for el in root.iter()]
    return (etree.tostring(root, encoding="unicode"), repr(shape))


def _expected(text: str) -> tuple[str, str]:
    """What parsing the text itself gives, after the declaration and BOM are taken off."""
    from scraper.document import _XML_DECLARATION

    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    if not text.strip():
        return ("empty", "")
    return _outcome(_from_text, text)


_MARKUP = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='a'>",
        "</div>",
        "<br>",
        "<meta charset='windows-1252'>",
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        "<?xml version='1.0' encoding='latin-1'?>",
        "<!-- c -->",
        "&amp;",
        "&nbsp;",
        "&#0;",
        "&#xD800;",
        "<script>x<y</script>",
        "<title>t</title>",
        "<html>",
        "<body>",
        "\ufeff",
        "<![CDATA[x]]>",
        "<table><td>c",
        "<svg:rect/>",
        "<FORM><INPUT>",
        "\r\n",
        "\x00",
        "\x0c",
        "\x85",
        "\u2028",
    ]
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_PAGE = st.lists(st.one_of(_MARKUP, _TEXT), max_size=25).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=_PAGE)
def test_utf8_bytes_and_their_text_give_the_same_tree(page: str) -> None:
    assert _outcome(parse_document, page.encode("utf-8")) == _expected(page)
    assert _outcome(parse_document, page) == _expected(page)


@pytest.mark.parametrize(
    "page",
    [
        b"\xef\xbb\xbf<p>bom</p>",
        "<p>tiếng Việt</p>".encode("utf-16"),
        b"<meta charset='windows-1252'><p>caf\xe9</p>",
        b"\xff\xfe\x00garbage<p>x",
        b"  <?xml version='1.0' encoding='utf-8'?><p>x</p>",
        b"<?xml version='1.0'?><?xml version='1.0' encoding='utf-8'?><p>x</p>",
        "<p>naïve ascii-plus-latin-1</p>".encode(),
        "<p>𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and \U0001f600</p>".encode(),
    ],
)
def test_other_bytes_give_the_tree_of_their_decoded_text(page: bytes) -> None:
    assert _outcome(parse_document, page) == _expected(decode_html(page))


def test_str_with_lone_surrogates_is_still_parsed_as_text() -> None:
    page = "<p>a\udc80b</p>"
    assert _outcome(parse_document, page) == _expected(page)


@pytest.mark.parametrize("case", list(all_cases()), ids=lambda case: case.name)
def test_fixture_pages_give_the_tree_of_their_text(case) -> None:  # noqa: ANN001
    html = case.html if isinstance(case.html, bytes) else case.html.encode("utf-8")
    assert _outcome(parse_document, html) == _expected(decode_html(html))
