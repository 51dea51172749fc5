"""CSS selectors of the site profile, compiled to XPath for lxml (pure functions, no I/O).

Why not BeautifulSoup + soupsieve: building a bs4 tree of a 100 KB page alone costs about
twice what trafilatura needs to extract the whole page, and soupsieve walks the tree in
Python for every query. lxml parses in C and evaluates XPath in C; this module gives the
profile's CSS selectors to it without adding a dependency.

Supported (the subset site profiles use; anything else raises ``SelectorError``, so a
config override that cannot work is rejected when it is compiled, naming itself)::

    *  type  .class  #id  [attr]  [attr=v]  [attr~=v]  [attr^=v]  [attr$=v]  [attr*=v]
    [attr|=v]  (v an identifier or a quoted string), compounds of these, the combinators
    descendant (space), child ``>``, adjacent ``+``, sibling ``~``, and ``,`` lists.

``select`` matches descendants of the element it is given, as ``Element.select`` does in
soupsieve; results are in document order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree


class SelectorError(ValueError):
    """A CSS selector that this module cannot compile; the message quotes it."""


_IDENT = r"-?[_a-zA-Z\u00a0-\U0010ffff][-_a-zA-Z0-9\u00a0-\U0010ffff]*"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comb>[>+~])
  | (?P<comma>,)
  | (?P<star>\*)
  | \#(?P<id>{_IDENT})
  | \.(?P<cls>{_IDENT})
  | \[\s*(?P<attr>{_IDENT})\s*
      (?:(?P<op>[~^$*|]?=)\s*(?:(?P<v_ident>{_IDENT})|"(?P<v_dq>[^"]*)"|'(?P<v_sq>[^']*)')\s*)?
    \]
  | (?P<type>{_IDENT})
    """,
    re.VERBOSE,
)
_SIMPLE_KINDS = frozenset({"star", "id", "cls", "attr", "type"})
# A token: its kind ("ws", "comb", "comma" or a simple selector kind) and its match.
_Token = tuple[str, re.Match[str]]


# One compound selector of a chain: the combinator joining it to the previous compound
# (None for the first), its element name ("*" for any) and its XPath predicates.
_Step = tuple[str | None, str, str]


def css_to_xpath(css: str) -> str:
    """Return an XPath 1.0 expression selecting what ``css`` selects below a context node.

    The elements a selector names left of a combinator must lie below the context node
    too (``select(story, "figure a")`` ignores a ``figure`` around the story); the site
    profile's selectors never need more. Raises ``SelectorError`` for empty, malformed or
    unsupported selectors.
    """
    return " | ".join("descendant::" + _forward(chain) for chain in _parse(css))


def css_to_closest_xpath(css: str) -> str:
    """Return an XPath 1.0 expression selecting the context node and those of its
    ancestors that ``css`` matches (a chain's left part is checked upwards, anywhere)."""
    return " | ".join("ancestor-or-self::" + _backward(chain) for chain in _parse(css))


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


def _parse(css: str) -> list[list[_Step]]:
    tokens = _tokenize(css)
    return [_chain(css, part) for part in _split_on_commas(css, tokens)]


def _forward(chain: list[_Step]) -> str:
    """``a > b c`` → ``a/b/descendant::c``: the path down to the subject."""
    path = ""
    for combinator, tag, predicates in chain:
        path += _DOWN[combinator].format(tag=tag) + predicates
    return path


def _backward(chain: list[_Step]) -> str:
    """``a > b c`` → ``c[ancestor::b[parent::a]]``: the subject, with its context as
    predicates."""
    expression = ""
    for combinator, tag, predicates in chain:
        context = f"[{_UP[combinator]}{expression}]" if combinator else ""
        expression = f"{tag}{predicates}{context}"
    return expression


# How a compound joins the path, going down (forward) and up (backward) the tree.
_DOWN = {
    None: "{tag}",
    " ": "/descendant::{tag}",
    ">": "/{tag}",
    "~": "/following-sibling::{tag}",
    # "+": only the very next element sibling may match.
    "+": "/following-sibling::*[1]/self::{tag}",
}
_UP = {
    " ": "ancestor::",
    ">": "parent::",
    "~": "preceding-sibling::",
    "+": "preceding-sibling::*[1]/self::",
}


def _tokenize(css: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(css):
        match = _TOKEN.match(css, pos)
        if not match:
            raise SelectorError(f"{css!r}: unsupported syntax at {css[pos : pos + 12]!r}")
        kind = "attr" if match["attr"] else match.lastgroup or ""
        tokens.append((kind, match))
        pos = match.end()
    return tokens


def _split_on_commas(css: str, tokens: list[_Token]) -> list[list[_Token]]:
    parts: list[list[_Token]] = [[]]
    for token in tokens:
        if token[0] == "comma":
            parts.append([])
        else:
            parts[-1].append(token)
    return [_drop_insignificant_spaces(css, part) for part in parts]


def _drop_insignificant_spaces(css: str, part: list[_Token]) -> list[_Token]:
    """Keep a space only where it is the descendant combinator."""
    kept = []
    for i, (kind, match) in enumerate(part):
        if kind == "ws":
            before = part[i - 1][0] if i > 0 else None
            after = part[i + 1][0] if i + 1 < len(part) else None
            if before not in _SIMPLE_KINDS or after not in _SIMPLE_KINDS:
                continue
        kept.append((kind, match))
    if not kept:
        raise SelectorError(f"{css!r}: empty selector")
    return kept


def _chain(css: str, part: list[_Token]) -> list[_Step]:
    steps: list[_Step] = []
    compound: list[_Token] = []
    combinator: str | None = None
    for kind, match in part:
        if kind in _SIMPLE_KINDS:
            compound.append((kind, match))
            continue
        steps.append(_close(css, combinator, compound))
        compound, combinator = [], " " if kind == "ws" else match[0]
    steps.append(_close(css, combinator, compound))
    return steps


def _close(css: str, combinator: str | None, compound: list[_Token]) -> _Step:
    if not compound:
        raise SelectorError(f"{css!r}: a combinator lacks a selector on one side")
    return (combinator, *_compound(css, compound))


def _compound(css: str, compound: list[_Token]) -> tuple[str, str]:
    tag = "*"
    predicates = []
    for index, (kind, match) in enumerate(compound):
        if kind in ("type", "star"):
            if index:
                raise SelectorError(f"{css!r}: a type selector must come first")
            tag = match["type"].lower() if kind == "type" else "*"
        elif kind == "id":
            predicates.append(f"@id={_literal(match['id'])}")
        elif kind == "cls":
            predicates.append(_word_in("@class", match["cls"]))
        else:
            predicates.append(_attribute(css, match))
    return tag, "".join(f"[{p}]" for p in predicates)


def _attribute(css: str, match: re.Match[str]) -> str:
    name, op = "@" + match["attr"].lower(), match["op"]
    if op is None:
        return name
    value = next(v for v in (match["v_ident"], match["v_dq"], match["v_sq"]) if v is not None)
    literal = _literal(value)
    if op == "=":
        return f"{name}={literal}"
    if not value:
        return "false()"  # CSS: ~=, ^=, $=, *=, |= with an empty value match nothing
    if op == "~=":
        return _word_in(name, value) if not any(c.isspace() for c in value) else "false()"
    if op == "^=":
        return f"starts-with({name}, {literal})"
    if op == "$=":
        return f"substring({name}, string-length({name}) - {len(value) - 1}) = {literal}"
    if op == "*=":
        return f"contains({name}, {literal})"
    return f"({name} = {literal} or starts-with({name}, {_literal(value + '-')}))"


def _word_in(attribute: str, word: str) -> str:
    # The plain contains() first is cheap and rules out almost every element before the
    # costly normalize-space/concat test runs (measured: about 40 % off a class lookup).
    padded = f"concat(' ', normalize-space({attribute}), ' ')"
    exact = f"contains({padded}, {_literal(' ' + word + ' ')})"
    return f"contains({attribute}, {_literal(word)}) and {exact}"


def _literal(value: str) -> str:
    """Quote ``value`` as an XPath 1.0 string literal (which has no escapes)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    pieces = value.split("'")
    return "concat(" + ', "\'", '.join(f"'{piece}'" for piece in pieces) + ")"
