"""The search query language and filters, as plain values (no SQL here).

A query is read the way researchers type it:

* words: every one must match (``dân vận khéo``); ``AND`` between words changes nothing;
* ``"quoted phrases"`` (curly quotes “…” too): the words in this order; a hyphenated chunk
  such as ``2019-2024`` is the phrase "2019 2024";
* ``OR`` (upper case) between two words or phrases: either will do (``dân OR vận``);
* ``-word`` or ``-"a phrase"`` (or ``NOT word``): articles mentioning it are left out;
* ``word*``: any word starting so (``kheo*`` finds ``khéo``, ``khéo léo``);
* ``title:word`` or ``title:"a phrase"``: that term must be in the title
  (``SearchQuery.title_only`` does so for every term).

Every term is kept twice: folded (``storage.fold``: what every spelling finds) and exact
(lower case with its diacritics), so exact matches can rank first. ``SearchFilters`` and
``SearchQuery`` are frozen values meant to be passed around: the CLI builds one, exports
and the web UI can pass the same one to ``storage.search``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from scraper.errors import QueryError

from .convert import SITE_TZ
from .fold import MAX_TOKEN_LENGTH, fold, word_pairs
from .index import key_of

__all__ = [
    "MAX_QUERY_LENGTH",
    "SORTS",
    "ParsedQuery",
    "SearchFilters",
    "SearchQuery",
    "Sort",
    "Term",
    "parse_day",
    "parse_query",
    "shown",
]

MAX_QUERY_LENGTH = 1000
# How much of a value typed by the user an error message quotes.
MAX_SHOWN = 80
Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
# A chunk: an optional "-"/"title:" then a quoted phrase (maybe with "*"), or a run
# without spaces or quotes.
_CHUNK = re.compile(r'(?:-?(?:title:)?)"[^"]*"\*?|[^\s"]+', re.IGNORECASE)
_TITLE = "title:"
# A word as ``storage.fold`` reads one: a run of letters and digits.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase of a query: its folded and exact words, at the same positions."""

    folded: tuple[str, ...]
    exact: tuple[str, ...]
    prefix: bool = False  # the last word is a prefix ("kheo*")
    title_only: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query's terms: every group must match (a group matches if any of its terms
    does), and no excluded term may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def terms(self) -> list[Term]:
        """Every term that must (or may) match, in the order typed."""
        return [term for group in self.groups for term in group]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Facts an article must have, besides matching the words.

    Dates are days in Hà Tĩnh time, both ends included. ``section``, ``author`` and
    ``tag`` compare folded (``xay-dung-dang`` and ``Xây dựng Đảng`` are one section);
    ``author`` matches whole words of the byline (``Thu Hà`` finds ``Thu Hà - Minh Anh``),
    ``tag`` a whole tag.
    """

    date_from: date | None = None
    date_to: date | None = None
    section: str | None = None
    author: str | None = None
    tag: str | None = None
    with_images: bool = False

    def is_empty(self) -> bool:
        """Tell whether no filter is set."""
        return self == SearchFilters()

    def keys(self) -> dict[str, str]:
        """Return the folded key of each text filter set. Raises ``QueryError`` for a
        filter value without a single letter or digit, or with a word longer than the
        index keeps (``MAX_TOKEN_LENGTH``: it could match nothing)."""
        found: dict[str, str] = {}
        for name in ("section", "author", "tag"):
            value = getattr(self, name)
            if value is None:
                continue
            longest = _longest_word(value)
            if longest > MAX_TOKEN_LENGTH:
                raise QueryError(
                    f"--{name} {shown(value)} has a word of {longest} letters or digits: "
                    f"too long to compare (the index keeps words of at most {MAX_TOKEN_LENGTH})"
                )
            key = key_of(value)
            if not key:
                raise QueryError(f"--{name} {shown(value)} has no letter or digit to compare")
            found[name] = key
        return found

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """Return ``[start, stop)`` in Hà Tĩnh time for the date filters.

        Raises ``QueryError`` if the range ends before it starts.
        """
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise QueryError(
                f"--to {self.date_to.isoformat()} is before --from {self.date_from.isoformat()}"
            )
        start = datetime.combine(self.date_from, time(), SITE_TZ) if self.date_from else None
        stop = (
            datetime.combine(self.date_to + timedelta(days=1), time(), SITE_TZ)
            if self.date_to and self.date_to < date.max
            else None
        )
        return start, stop


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Everything a search needs except paging: text, filters, order, title-only."""

    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Sort = "relevance"
    title_only: bool = False

    def parsed(self) -> ParsedQuery:
        """Return the parsed text; ``QueryError`` as ``parse_query`` says, or if there
        is nothing to search by (no word to find and no filter)."""
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {shown(self.sort)} (use one of {', '.join(SORTS)})")
        parsed = parse_query(self.text, title_only=self.title_only, allow_empty=True)
        if not parsed.groups and self.filters.is_empty():
            if parsed.excluded:
                raise QueryError(
                    f"query {shown(self.text)} only excludes: add a word to search for, or a filter"
                )
            raise QueryError(_no_words(self.text))
        return parsed


def parse_day(value: str) -> date:
    """Return the day written ``YYYY-MM-DD`` or ``dd/mm/yyyy``.

    Raises ``QueryError`` naming the value otherwise.
    """
    text = value.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{shown(value)} is not a day (write 2024-10-15 or 15/10/2024)") from None


def shown(value: str) -> str:
    """Return ``value`` quoted for an error message, cut after ``MAX_SHOWN`` characters
    ("…" marks the cut): a message stays one readable line whatever was typed."""
    if len(value) <= MAX_SHOWN:
        return repr(value)
    return f"{value[:MAX_SHOWN]!r}…"


def _longest_word(value: str) -> int:
    """Return the length of the longest word of ``value`` (0 for none)."""
    return max(map(len, _WORD.findall(fold(value))), default=0)


def _no_words(query: str) -> str:
    message = f"no searchable words in query {shown(query)}"
    if _longest_word(query) > MAX_TOKEN_LENGTH:
        message += f" (a word of over {MAX_TOKEN_LENGTH} letters or digits is not indexed)"
    return message


# --- parsing -----------------------------------------------------------------------------


def parse_query(query: str, *, title_only: bool = False, allow_empty: bool = False) -> ParsedQuery:
    """Return the query's terms, folded and exact, without duplicates.

    Raises ``QueryError`` (quoting the query) for more than ``MAX_QUERY_LENGTH``
    characters, unbalanced quotes, a dangling ``OR``/``NOT``/``title:``, or (unless
    ``allow_empty``) no searchable word at all.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query too long ({len(query)} characters, at most {MAX_QUERY_LENGTH}): {shown(query)}"
        )
    normalized = query.translate(_QUOTES)
    if normalized.count('"') % 2:
        raise QueryError(f"unbalanced quotes in query {shown(query)}")
    parsed = _Reader(query, title_only).read(_CHUNK.findall(normalized))
    if not parsed.groups and not parsed.excluded and not allow_empty:
        raise QueryError(_no_words(query))
    return parsed


class _Reader:
    """Reads chunks left to right, keeping the operators that wait for their term."""

    def __init__(self, query: str, title_only: bool) -> None:
        self.query = query
        self.title_only = title_only
        self.groups: list[list[Term]] = []
        self.excluded: list[Term] = []
        self.pending_or = False
        self.pending_not = False
        self.pending_title = False
        self.last_excluded = False

    def read(self, chunks: list[str]) -> ParsedQuery:
        for chunk in chunks:
            self._chunk(chunk)
        for pending, operator in (
            (self.pending_or, "OR"),
            (self.pending_not, "NOT"),
            (self.pending_title, _TITLE),
        ):
            if pending:
                raise QueryError(
                    f"{operator} needs a word or phrase after it in {shown(self.query)}"
                )
        # Terms that find the same articles count once (the first spelling typed wins).
        groups = [tuple(_unique(group)) for group in self.groups]
        unique_groups: dict[tuple[object, ...], tuple[Term, ...]] = {}
        for group in groups:
            unique_groups.setdefault(tuple(map(_key, group)), group)
        return ParsedQuery(tuple(unique_groups.values()), tuple(_unique(self.excluded)))

    def _chunk(self, chunk: str) -> None:
        if chunk in ("OR", "|"):
            if not self.groups or self.pending_or or self.pending_not or self.last_excluded:
                raise QueryError(f"OR needs a word or phrase on each side in {shown(self.query)}")
            self.pending_or = True
        elif chunk == "AND":
            return
        elif chunk == "NOT":
            self.pending_not = True
        else:
            self._term(chunk)

    def _term(self, chunk: str) -> None:
        excluded = chunk.startswith("-") and len(chunk) > 1
        body = chunk[1:] if excluded else chunk
        in_title = body.lower().startswith(_TITLE)
        body = body[len(_TITLE) :] if in_title else body
        if in_title and not body:
            self.pending_title = True
            return
        prefix = body.endswith("*")
        body = body.rstrip("*")
        pairs = word_pairs(body.strip('"'))
        if not pairs:
            return  # punctuation only ("-", "–", "*"): nothing to look for
        term = Term(
            tuple(folded for folded, _ in pairs),
            tuple(exact for _, exact in pairs),
            prefix=prefix,
            title_only=in_title or self.pending_title or (self.title_only and not excluded),
        )
        self.pending_title = False
        self._place(term, excluded or self.pending_not)

    def _place(self, term: Term, excluded: bool) -> None:
        if excluded:
            if self.pending_or:
                raise QueryError(f"OR cannot join an excluded term in {shown(self.query)}")
            self.pending_not = False
            self.last_excluded = True
            self.excluded.append(term)
        elif self.pending_or:
            self.last_excluded = False
            self.groups[-1].append(term)
            self.pending_or = False
        else:
            self.last_excluded = False
            self.groups.append([term])


def _key(term: Term) -> tuple[object, ...]:
    return (term.folded, term.prefix, term.title_only)


def _unique(terms: Iterable[Term]) -> list[Term]:
    seen: dict[tuple[object, ...], Term] = {}
    for term in terms:
        seen.setdefault(_key(term), term)
    return list(seen.values())
