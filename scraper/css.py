"""CSS selectors of the site profile, run on lxml through XPath (pure functions, no I/O).

The selectors are read and translated by ``cssselect``, the maintained CSS-to-XPath library
that ``lxml.cssselect`` and parsel use. This module adds the two things it does not give:

- ``select`` matches only *below* the element it is given, as soupsieve's
  ``Element.select`` does (cssselect's own prefix, ``descendant-or-self::``, would let the
  element match itself);
- ``closest`` finds the element or its nearest ancestor matching a selector (the DOM's
  ``Element.closest``), which the parser needs for image boxes and the e-magazine marker.
  Its XPath runs upwards from the element: a whole-document search costs more than the
  rest of a parse.

Both compose cssselect's translation of each compound selector (``div.cms-body``,
``a:not(.x)``) with their own axes for the combinators (descendant, ``>``, ``+``, ``~``).
Anything cssselect cannot read or translate, and pseudo-elements (``::before``), raise
``SelectorError`` quoting the selector, so a config override that cannot work is rejected
when it is compiled, naming itself.

Why not BeautifulSoup + soupsieve: building a bs4 tree of a page costs more than the
whole parse with lxml (``benchmarks/parse.py`` prints both), and soupsieve walks the tree
in Python for every query. Why cssselect and no home-made parser: it reads more of CSS
(pseudo-classes such as ``:not()``, ``:first-child``, ``:nth-child()``) and the whole parse
runs as fast with it (measured on the fixture pages: 115.3 against 114.8 pages/s, the
same records).
"""

from __future__ import annotations

from functools import lru_cache

from cssselect import HTMLTranslator
from cssselect import SelectorError as CssselectError
from cssselect import parse as parse_css
from cssselect.parser import CombinedSelector, Tree
from cssselect.xpath import ExpressionError
from lxml import etree


class SelectorError(ValueError):
    """A CSS selector that cannot be compiled; the message quotes it."""


# HTML: element and attribute names match case-insensitively (lxml lower-cases them).
_TRANSLATOR = HTMLTranslator()

# How a compound joins the path, going down (forward) and up (backward) the tree.
_DOWN = {
    " ": "/descendant::",
    ">": "/",
    "~": "/following-sibling::",
    # "+": only the very next element sibling may match.
    "+": "/following-sibling::*[1]/self::",
}
_UP = {
    " ": "ancestor::",
    ">": "parent::",
    "~": "preceding-sibling::",
    "+": "preceding-sibling::*[1]/self::",
}


def css_to_xpath(css: str) -> str:
    """Return an XPath 1.0 expression selecting what ``css`` selects below a context node.

    The elements a selector names left of a combinator must lie below the context node
    too (``select(story, "figure a")`` ignores a ``figure`` around the story); the site
    profile's selectors never need more. Raises ``SelectorError`` for empty, malformed or
    unsupported selectors.
    """
    return " | ".join("descendant::" + _forward(css, tree) for tree in _parse(css))


def css_to_closest_xpath(css: str) -> str:
    """Return an XPath 1.0 expression selecting the context node and those of its
    ancestors that ``css`` matches (a chain's left part is checked upwards, anywhere)."""
    return " | ".join("ancestor-or-self::" + _backward(css, tree) for tree in _parse(css))


@lru_cache(maxsize=1024)
def compile_selector(css: str) -> etree.XPath:
    """Return the compiled XPath for ``css`` (cached); raises ``SelectorError``."""
    return _compile(css, css_to_xpath(css))


@lru_cache(maxsize=256)
def _compile_closest(css: str) -> etree.XPath:
    return _compile(css, css_to_closest_xpath(css))


def _compile(css: str, xpath: str) -> etree.XPath:
    try:
        return etree.XPath(xpath)
    except etree.XPathSyntaxError as exc:  # pragma: no cover - a bug here, not in the input
        raise SelectorError(f"{css!r}: compiles to invalid XPath ({exc})") from exc


def select(element: etree._Element, css: str) -> list[etree._Element]:
    """Return the descendants of ``element`` matching ``css``, in document order."""
    return compile_selector(css)(element)


def closest(element: etree._Element, css: str) -> etree._Element | None:
    """Return ``element`` or its nearest ancestor matching ``css`` (as the DOM's
    ``Element.closest``), or ``None``."""
    found = _compile_closest(css)(element)
    # XPath hands node-sets back in document order: the nearest ancestor comes last.
    return found[-1] if found else None


def _parse(css: str) -> list[Tree]:
    """The parsed trees of the comma-separated parts of ``css``."""
    try:
        selectors = parse_css(css)
    except CssselectError as exc:
        raise SelectorError(f"{css!r}: {exc}") from None
    for selector in selectors:
        if selector.pseudo_element is not None:
            raise SelectorError(f"{css!r}: pseudo-element ::{selector.pseudo_element} selects "
                                "no element")
    return [selector.parsed_tree for selector in selectors]


def _compound(css: str, tree: Tree) -> str:
    """``div.cms-body`` → ``div[…class test…]``: one compound, as cssselect writes it."""
    try:
        return str(_TRANSLATOR.xpath(tree))
    except ExpressionError as exc:
        raise SelectorError(f"{css!r}: {exc}") from None


def _forward(css: str, tree: Tree) -> str:
    """``a > b c`` → ``a/b/descendant::c``: the path down to the subject."""
    if isinstance(tree, CombinedSelector):
        step = _DOWN.get(tree.combinator)
        if step is None:
            raise SelectorError(f"{css!r}: unsupported combinator {tree.combinator!r}")
        return _forward(css, tree.selector) + step + _compound(css, tree.subselector)
    return _compound(css, tree)


def _backward(css: str, tree: Tree) -> str:
    """``a > b c`` → ``c[ancestor::b[parent::a]]``: the subject, with its context as
    predicates."""
    if isinstance(tree, CombinedSelector):
        step = _UP.get(tree.combinator)
        if step is None:
            raise SelectorError(f"{css!r}: unsupported combinator {tree.combinator!r}")
        return f"{_compound(css, tree.subselector)}[{step}{_backward(css, tree.selector)}]"
    return _compound(css, tree)
