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

Inside ``indexed(root)`` (the parser opens it for each page), ``select`` answers the
simple selectors, which are most of the profile's (``.cls``, ``tag``, ``tag.cls1.cls2``,
descendant chains of them such as ``.breadcrumb a``, and comma lists of those), from an
index of the page built on first use: the position in document order of every node, and
the elements by class token; a bare tag is found by lxml's ``iter(tag)``, in C. A
whole-subtree XPath costs tens of microseconds a call, the index one to a few (building
it costs what three to five XPath calls cost; a page makes forty). Class tokens are split as
cssselect's XPath splits them (``normalize-space``: on space, tab, CR and LF only) and
compared case-sensitively, tags in lower case, so both paths give the same elements in
the same order (``tests/test_css_index.py``); every other selector (attributes,
pseudo-classes, ``>``, ``+``, ``~``, ``*`` alone) takes the XPath path, and so does an
element the index does not hold (another tree's). The index describes the tree as it was
when built: the only change it follows is a subtree removed after ``forget(element)``
(``body.drop_elements`` calls it); nothing else may change the tree inside the block
(inserting or moving elements, changing a ``class``). It holds a proxy per node, so it
lives only as long as the block: about 200 bytes a node, +11 MiB on a 5 MiB page.

Why not BeautifulSoup + soupsieve: building a bs4 tree of a page costs more than the
whole parse with lxml (``benchmarks/parse.py`` prints both), and soupsieve walks the tree
in Python for every query. Why cssselect and no home-made parser: it reads more of CSS
(pseudo-classes such as ``:not()``, ``:first-child``, ``:nth-child()``) and the whole parse
runs as fast with it (measured on the fixture pages: 115.3 against 114.8 pages/s, the
same records).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import compress, count, repeat

from cssselect import HTMLTranslator
from cssselect import SelectorError as CssselectError
from cssselect import parse as parse_css
from cssselect.parser import Class, CombinedSelector, Tree
from cssselect.parser import Element as TypeSelector
from cssselect.xpath import ExpressionError, is_safe_name
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
    index = getattr(_LOCAL, "index", None)
    if index is not None:
        plan = _plan(css)
        if plan is not None:
            found = index.select(element, plan)
            if found is not None:
                return found
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
            raise SelectorError(
                f"{css!r}: pseudo-element ::{selector.pseudo_element} selects no element"
            )
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


# --- the index of one page ---------------------------------------------------------------

_LOCAL = threading.local()

# A compound cssselect translates to a name test and class tests only: (tag or None,
# classes); a plan is the comma-separated parts, each a descendant chain of compounds.
Compound = tuple[str | None, tuple[str, ...]]
Plan = tuple[tuple[Compound, ...], ...]

# What cssselect's ``[class~=x]`` test needs of ``x`` to be satisfiable (``is_non_whitespace``).
_PLAIN_CLASS = re.compile(r"[^ \t\r\n\f]+")
# XPath's normalize-space() (libxml2's IS_BLANK_CH) splits on these four, and no others.
_XML_SPACE = str.maketrans("\t\r\n", "   ")


@contextmanager
def indexed(root: etree._Element) -> Iterator[None]:
    """Within the block, let ``select`` answer simple selectors below ``root`` (the page
    tree's root) from an index of its tree, built on first use and dropped at the end.

    The index belongs to the calling thread; inside the block the tree may change only
    by removing subtrees announced with ``forget`` (see the module docstring).
    """
    saved = getattr(_LOCAL, "index", None)
    _LOCAL.index = _Index(root)
    try:
        yield
    finally:
        _LOCAL.index = saved


def forget(element: etree._Element) -> None:
    """Tell the active index, if any, that ``element`` and its subtree are about to be
    removed from the tree; call it before removing them."""
    index = getattr(_LOCAL, "index", None)
    if index is not None:
        index.forget(element)


def class_tokens(value: str | None) -> list[str]:
    """The class names in a ``class`` attribute, as cssselect's XPath reads them (split on
    XML whitespace; repeated tokens kept)."""
    if not value:
        return []
    return [token for token in value.translate(_XML_SPACE).split(" ") if token]


@lru_cache(maxsize=1024)
def _plan(css: str) -> Plan | None:
    """``css`` as a plan for the index, or ``None`` when it is not simple (or not valid:
    the XPath path then raises the error)."""
    try:
        selectors = parse_css(css)
    except CssselectError:
        return None
    chains = []
    for selector in selectors:
        chain = None if selector.pseudo_element is not None else _chain(selector.parsed_tree)
        if chain is None:
            return None
        chains.append(chain)
    return tuple(chains)


def _chain(tree: Tree) -> tuple[Compound, ...] | None:
    if isinstance(tree, CombinedSelector):
        if tree.combinator != " ":
            return None
        left, right = _chain(tree.selector), _simple(tree.subselector)
        return None if left is None or right is None else (*left, right)
    compound = _simple(tree)
    return None if compound is None else (compound,)


def _simple(tree: Tree) -> Compound | None:
    """``div.a.b`` → ``("div", ("a", "b"))``; ``None`` for anything else."""
    classes: list[str] = []
    while isinstance(tree, Class):
        if not _PLAIN_CLASS.fullmatch(tree.class_name):
            return None
        classes.append(tree.class_name)
        tree = tree.selector
    if type(tree) is not TypeSelector or tree.namespace is not None:
        return None
    tag = tree.element
    if tag is not None:
        if not is_safe_name(tag):
            return None
        tag = tag.lower()  # HTMLTranslator lower-cases names; lxml's HTML parser too
    elif not classes:
        return None  # "*": every element, no index helps
    return tag, tuple(reversed(classes))


class _Index:
    """The elements of one tree by class token, in document order, and the position in
    document order of every node. Built on first use."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.order: dict[etree._Element, int] = {}
        # class token -> [elements, their positions, how many of the removed ranges have
        # been taken out of both]; tags are found by lxml's iter(tag), in C
        self.lists: dict[str, list] = {}
        # The end of an element's subtree does not move when subtrees are removed.
        self.ends: dict[etree._Element, int] = {}
        # Position ranges [start, end) of the removed subtrees.
        self.removed: list[tuple[int, int]] = []

    def _build(self) -> dict[etree._Element, int]:
        nodes = list(self.root.iter())
        order = dict(zip(nodes, count()))
        lists: dict[str, list] = {}
        values = list(map(etree._Element.get, nodes, repeat("class")))
        for position, node, value in compress(zip(count(), nodes, values), values):
            # str.split() would also split on U+00A0 and other spaces XPath does not
            # know; a printable value holds no whitespace but " ".
            if value.isprintable():
                tokens = value.split()
            else:
                tokens = [token for token in value.translate(_XML_SPACE).split(" ") if token]
            for token in tokens:
                entry = lists.get(token)
                if entry is None:
                    lists[token] = [[node], [position], 0]
                elif entry[1][-1] != position:  # a token repeated in one attribute
                    entry[0].append(node)
                    entry[1].append(position)
        self.order, self.lists = order, lists
        return order

    def _end(self, element: etree._Element) -> int | None:
        """The position just past ``element``'s subtree (``None``: not indexed)."""
        end = self.ends.get(element)
        if end is not None:
            return end
        node: etree._Element | None = element
        while node is not None:
            following = node.getnext()
            if following is not None:
                end = self.order.get(following)
                break
            node = node.getparent()
        else:
            end = len(self.order)
        if end is not None:
            self.ends[element] = end
        return end

    def _removed(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.removed)

    def forget(self, element: etree._Element) -> None:
        if not self.order:
            return  # not built yet: it will not see the removed subtree
        start = self.order.get(element)
        if start is not None and self._removed(start):
            return  # inside a subtree removed already
        end = self._end(element) if start is not None else None
        if start is None or end is None:
            # Not a subtree of the indexed tree: start again from the tree as it is.
            self.order, self.lists, self.ends, self.removed = {}, {}, {}, []
            return
        self.removed.append((start, end))

    def _entry(self, token: str) -> list:
        """The elements and positions of a class token, less the removed subtrees."""
        entry = self.lists.get(token)
        if entry is None:
            return [[], [], 0]
        if entry[2] < len(self.removed):
            elements, positions, done = entry
            for start, end in self.removed[done:]:
                low, high = bisect_left(positions, start), bisect_left(positions, end)
                del elements[low:high], positions[low:high]
            entry[2] = len(self.removed)
        return entry

    def select(self, element: etree._Element, plan: Plan) -> list[etree._Element] | None:
        """What ``plan`` selects below ``element``, in document order; ``None`` when the
        index cannot tell (``element`` is not in the indexed tree, or was removed)."""
        order = self.order or self._build()
        start = order.get(element)
        if start is None or (self.removed and self._removed(start)):
            return None
        if len(plan) == 1:
            return self._chain(element, start, plan[0])
        found: dict[etree._Element, None] = {}
        for chain in plan:
            part = self._chain(element, start, chain)
            if part is None:
                return None
            found.update(dict.fromkeys(part))
        return sorted(found, key=order.__getitem__)

    def _chain(
        self, element: etree._Element, start: int, chain: tuple[Compound, ...]
    ) -> list[etree._Element] | None:
        found = self._below(element, start, chain[0])
        for compound in chain[1:]:
            if not found:
                break
            scopes, found = found, []
            outer_end = -1
            for scope in scopes:
                position = self.order[scope]
                # A scope inside the previous one adds nothing: its matches are found.
                if position < outer_end:
                    continue
                part = self._below(scope, position, compound)
                if part is None:
                    return None
                outer_end = self.ends[scope]
                found += part
        return found

    def _below(
        self, element: etree._Element, start: int, compound: Compound
    ) -> list[etree._Element] | None:
        end = self._end(element)
        if end is None:
            return None
        tag, classes = compound
        if not classes:
            # lxml walks the subtree in C, as it is now (removed subtrees are gone).
            hits = list(element.iter(tag))
            if hits and hits[0] is element:
                del hits[0]
            return hits
        elements, positions, _ = self._entry(classes[0])
        hits = elements[bisect_right(positions, start) : bisect_left(positions, end)]
        if tag is not None or len(classes) > 1:
            hits = [
                hit
                for hit in hits
                if (tag is None or hit.tag == tag)
                and (len(classes) == 1 or _has_classes(hit, classes))
            ]
        return hits


def _has_classes(element: etree._Element, classes: tuple[str, ...]) -> bool:
    tokens = class_tokens(element.get("class"))
    return all(name in tokens for name in classes)
