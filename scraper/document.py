"""An HTML page parsed once with lxml, and the lookups the article parser makes on it.

Pure functions, no I/O. The tree is built by libxml2's HTML parser with comments and
processing instructions dropped at parse time: a comment can never leak into text, and the
text around it stays joined as the browser shows it.

Elements may go in sets and dict keys: lxml hands out the same proxy object for a node as
long as one is alive. Never keep ``id(element)`` instead: once the proxy is freed, the next
lookup builds a new one and the id means nothing.
"""

from __future__ import annotations

import codecs
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import lxml.html
from lxml import etree

from .css import select
from .text import clean_text

Element = lxml.html.HtmlElement

# Elements that start a new line when rendered: text on either side of them never joins.
BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "center", "dd", "details", "dialog"),
        *("dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu"),
        *("nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot"),
        *("th", "thead", "tr", "ul"),
    }
)
# Elements whose content is never read as text.
NO_TEXT_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "math", "head"})

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_LOCAL = threading.local()


class EmptyDocument(ValueError):
    """The input holds no markup at all."""


def decode_html(data: bytes) -> str:
    """Decode a page body: BOM first, then UTF-8 (the site's encoding), then a declared
    ``charset``, then UTF-8 with replacement characters. Never raises."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[str, bool]:
    """``decode_html``, and whether ``data`` is the text's UTF-8 encoding itself."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace"), False
        except LookupError:
            pass
    return data.decode("utf-8", errors="replace"), False


def parse_document(html: str | bytes) -> Element:
    """Return the ``<html>`` root of ``html``; raises ``EmptyDocument`` for blank input."""
    if isinstance(html, bytes | bytearray):
        text, utf8 = _decode(html)
    else:
        text, utf8 = str(html), False
    decoded = len(text)
    # lxml refuses a str that carries an XML encoding declaration; the text is decoded now.
    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    if not text.strip():
        raise EmptyDocument("empty page")
    # libxml2 reads UTF-8 bytes faster than a str, which lxml hands over as Latin-1,
    # UTF-16 or UCS-4 for libxml2 to convert: the same text, the same tree. A fetched
    # body is those bytes when it is UTF-8 and nothing (BOM, declaration) was taken off;
    # a str is parsed as it is (encoding it costs what the conversion saves, and a copy).
    source: str | bytes = text
    if utf8 and len(text) == decoded and not text.startswith("<?xml"):
        source = bytes(html)  # (lxml refuses a second declaration in a str: kept so)
    try:
        return lxml.html.document_fromstring(source, parser=_parser(isinstance(source, bytes)))
    except etree.ParserError as exc:  # "Document is empty": markup-free input
        raise EmptyDocument("empty page") from exc


def _parser(utf8: bool = False) -> lxml.html.HTMLParser:
    """This thread's parser for text, or for UTF-8 bytes (a ``<meta charset>`` does not
    change how they are read, as it does not for text)."""
    # One parser per thread: lxml parser objects must not be shared between threads.
    name = "utf8_parser" if utf8 else "parser"
    parser = getattr(_LOCAL, name, None)
    if parser is None:
        parser = lxml.html.HTMLParser(
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            no_network=True,
            encoding="utf-8" if utf8 else None,
        )
        parser.set_element_class_lookup(_element_classes())
        setattr(_LOCAL, name, parser)
    return parser


def _element_classes() -> etree.ElementNamespaceClassLookup:
    """The element classes lxml.html's own lookup hands out (``FormElement`` for
    ``<form>`` …, ``HtmlElement`` for the rest), chosen in C.

    lxml.html's ``HtmlElementClassLookup`` calls a Python method for every element proxy
    it creates; a parse creates hundreds of them (measured: about 4% of a parse).
    """
    lookup = etree.ElementNamespaceClassLookup(
        etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    by_tag = lookup.get_namespace(None)
    by_tag.update(lxml.html.HtmlElementClassLookup._default_element_classes)
    return lookup


# --- selecting ---------------------------------------------------------------------------


def first_match(scope: Element, selectors: Sequence[str]) -> Element | None:
    """Return the first element matched by the first selector that matches anything."""
    for css in selectors:
        found = select(scope, css)
        if found:
            return found[0]
    return None


def all_matches(scope: Element, selectors: Sequence[str]) -> list[Element]:
    """Return every element matched by the first selector that matches anything."""
    for css in selectors:
        found = select(scope, css)
        if found:
            return found
    return []


def union_matches(scope: Element, selectors: Sequence[str]) -> list[Element]:
    """Return every element matched by any of the selectors, each once (not in order)."""
    seen: dict[Element, None] = {}
    for css in selectors:
        seen.update(dict.fromkeys(select(scope, css)))
    return list(seen)


def is_inside(element: Element, ancestor: Element) -> bool:
    """Tell whether ``element`` is ``ancestor`` or lies below it."""
    return any(node is ancestor for node in element.iterancestors()) or element is ancestor


# --- text --------------------------------------------------------------------------------


def element_text(element: Element) -> str:
    """Return the text a reader sees in ``element``, cleaned (see ``clean_text``).

    ``<br>`` and block children separate words; scripts and styles are not text.
    """
    parts: list[str] = []
    _gather(element, parts)
    return clean_text("".join(parts))


def _gather(element: Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in NO_TEXT_TAGS:
            if tag == "br" or tag in BLOCK_TAGS:
                parts.append(" ")
            _gather(child, parts)
            if tag in BLOCK_TAGS:
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)


# --- head: meta, links, JSON-LD ----------------------------------------------------------


def read_meta(root: Element) -> dict[str, list[str]]:
    """Map each ``<meta>`` key (``property``, ``name`` or ``itemprop``, lower-cased) to its
    non-empty ``content`` values, in document order."""
    table: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            table.setdefault(key.strip().lower(), []).append(content.strip())
    return table


def link_href(root: Element, rel: str) -> str | None:
    """Return the ``href`` of the first ``<link>`` whose ``rel`` holds ``rel``."""
    for link in root.iter("link"):
        if rel in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return link.get("href").strip()
    return None


def base_href(root: Element) -> str | None:
    """Return the page's ``<base href>``, if any."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return href
    return None


def read_jsonld(root: Element) -> tuple[list[dict[str, Any]], int]:
    """Return the JSON-LD objects of the page (``@graph`` and lists flattened, and a nested
    ``breadcrumb`` lifted up) and the number of ``<script>`` blocks that were not JSON."""
    objects: list[dict[str, Any]] = []
    unreadable = 0
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            unreadable += 1
            continue
        objects.extend(_flatten_jsonld(data))
    return objects, unreadable


def _flatten_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[0:0] = item
        elif isinstance(item, dict):
            if "@graph" in item:
                stack[0:0] = _as_list(item["@graph"])
            if "@type" in item:
                yield item
            if isinstance(item.get("breadcrumb"), dict):
                stack.append(item["breadcrumb"])


def jsonld_of_type(objects: Iterable[dict[str, Any]], types: frozenset[str]) -> dict | None:
    """Return the first JSON-LD object whose ``@type`` (a string or a list) is in ``types``."""
    for item in objects:
        declared = item.get("@type")
        names = declared if isinstance(declared, list) else [declared]
        if any(isinstance(name, str) and name in types for name in names):
            return item
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
