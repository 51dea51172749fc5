"""Full-text search over the archive, identical on SQLite (FTS5) and PostgreSQL (tsvector).

The query language and filters are in ``storage.query``. Each term is looked up folded (so
``dân vận khéo``, ``dan van kheo`` and ``DÂN VẬN KHÉO`` find the same articles, as do
``Huyện uỷ`` and ``Huyện ủy``, and ``dang`` finds ``Đảng``), and the order by relevance is:

1. articles that match the query with its exact diacritics (``Đảng`` before ``đang``);
2. then those where the query matches inside the title;
3. then bm25 (SQLite) or ts_rank (PostgreSQL), title weighing most, then lead, tags, body;
4. ties to the newest article.

Sorting by date (``newest``/``oldest``) skips 1–3. User text reaches SQL only as bound
parameters, and only as words this module quoted itself; the SQL text is assembled from
fixed pieces chosen by which filters are set.
"""

from __future__ import annotations

import html
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, bindparam, text

from scraper.errors import QueryError

from .convert import SITE_TZ
from .engine import database_errors
from .fold import fold, token_spans
from .index import EXACT_FIELDS, FIELDS
from .models import UTCDateTime
from .query import (
    MAX_QUERY_LENGTH,
    SORTS,
    ParsedQuery,
    SearchFilters,
    SearchQuery,
    Sort,
    Term,
    parse_day,
    parse_query,
)
from .store import Store

__all__ = [
    "MAX_QUERY_LENGTH",
    "SORTS",
    "ParsedQuery",
    "SearchFilters",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "Sort",
    "Term",
    "mark_html",
    "mark_text",
    "matching_ids",
    "parse_day",
    "parse_query",
    "search",
    "snippet",
]

SNIPPET_WORDS = 30
# Words shown before the first match, so the reader sees it in context.
SNIPPET_WORDS_BEFORE = 8
# bm25 weights per FTS5 column: folded title, lead, body, tags, then the exact columns
# (which the main match never names, so their weight does not count). Lead and tags say
# what an article is about nearly as well as the title: an article whose title, lead,
# tags and body all name "Dân vận khéo" beats one with a shorter title that names it once.
_BM25_WEIGHTS = "10.0, 5.0, 2.0, 5.0, 0, 0, 0, 0"
# The same weights for ts_rank, in its order {D body, C tags, B lead, A title}.
_TS_WEIGHTS = "{0.2, 0.5, 0.5, 1.0}"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching article; ``highlights`` are ``(start, end)`` spans inside ``snippet``,
    ``title_highlights`` inside ``title``."""

    article_id: str
    url: str
    title: str
    section: str | None
    published_at: datetime | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    title_highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of hits, best first, and how many articles match in all."""

    total: int
    hits: list[SearchHit]


def search(
    store: Store,
    query: str | SearchQuery,
    *,
    filters: SearchFilters | None = None,
    sort: Sort | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Return the articles matching ``query``, ``limit`` of them from ``offset``, and the total.

    ``query`` is query text or a whole ``SearchQuery``; ``filters`` and ``sort``, when
    given, replace the ones it holds. Raises ``QueryError`` (one line, quoting the query)
    for a query that cannot be run: nothing to search for, unbalanced quotes, a dangling
    operator, too long, bad filters, a negative limit or offset; ``StoreError`` if the
    database refuses.
    """
    request = _request(query, filters, sort)
    if limit < 0 or offset < 0:
        raise QueryError(f"limit and offset must not be negative (query {request.text!r})")
    parsed = request.parsed()
    plan = _plan(store.dialect, request, parsed)
    params = {**plan.params, "limit": limit, "offset": offset}
    action = f"searching {request.text!r}"
    with database_errors(store.engine.url, action), store.engine.connect() as conn:
        total = int(conn.execute(plan.count(), params).scalar_one())
        rows = _page(conn, plan, params) if limit and total else []
    return SearchResults(total=total, hits=[_hit(row, parsed.terms) for row in rows])


def _page(conn: Connection, plan: _Plan, params: dict[str, Any]) -> list[RowMapping]:
    """Return the hit rows of one page, in result order.

    Ranking picks the ids first and only then reads the page's wide columns (lead, body):
    sorting every match with its body text attached is what made common words slow.
    """
    ids = [pk for (pk,) in conn.execute(plan.page_ids(), params)]
    if not ids:
        return []
    statement = text(f"SELECT a.id, {_HIT_COLUMNS} FROM articles a WHERE a.id IN :ids")
    statement = statement.bindparams(bindparam("ids", expanding=True))
    rows = conn.execute(statement.columns(published_at=UTCDateTime()), {"ids": ids})
    by_id = {row["id"]: row for row in rows.mappings()}
    return [by_id[pk] for pk in ids]


def matching_ids(
    store: Store, query: str | SearchQuery, *, batch_size: int = 1000
) -> Iterator[str]:
    """Yield the site ids of every article matching ``query``, in result order.

    For exports of a search: rows are streamed ``batch_size`` at a time. Raises
    ``QueryError`` and ``StoreError`` as ``search`` does.
    """
    request = _request(query, None, None)
    plan = _plan(store.dialect, request, request.parsed())
    with (
        database_errors(store.engine.url, f"searching {request.text!r}"),
        store.engine.connect() as conn,
    ):
        result = conn.execution_options(yield_per=batch_size).execute(plan.ids(), plan.params)
        for (article_id,) in result:
            yield article_id


def _request(
    query: str | SearchQuery, filters: SearchFilters | None, sort: Sort | None
) -> SearchQuery:
    request = query if isinstance(query, SearchQuery) else SearchQuery(text=query)
    if filters is not None or sort is not None:
        request = SearchQuery(
            request.text, filters or request.filters, sort or request.sort, request.title_only
        )
    return request


# --- writing terms for each database -----------------------------------------------------


def _fts5_term(term: Term, columns: Sequence[str], exact: bool) -> str:
    # One FTS5 string per term ("a b" is a phrase; a trailing * makes its last word a
    # prefix) under a column filter. Words hold only letters, digits and marks, so they
    # cannot close the quotes early.
    names = [columns[0]] if term.title_only else list(columns)
    words = term.exact if exact else term.folded
    star = " *" if term.prefix else ""
    return "{" + " ".join(names) + '} : "' + " ".join(words) + '"' + star


def _fts5(groups: Sequence[Sequence[Term]], *, exact: bool = False, title: bool = False) -> str:
    columns = EXACT_FIELDS if exact else FIELDS
    if title:
        columns = columns[:1]
    return " AND ".join(
        "(" + " OR ".join(_fts5_term(term, columns, exact) for term in group) + ")"
        for group in groups
    )


def _ts_term(term: Term, exact: bool, title: bool) -> str:
    # Quoted lexemes go in as they are (no parser, no dictionary): the same words the
    # index holds. A phrase is its words joined by <-> (followed by); ":A" keeps a
    # lexeme to the title, ":*" makes it a prefix.
    words = term.exact if exact else term.folded
    weight = "A" if title or term.title_only else ""
    lexemes = []
    for number, word in enumerate(words, start=1):
        star = "*" if term.prefix and number == len(words) else ""
        label = f":{star}{weight}" if star or weight else ""
        lexemes.append(_lexeme(word) + label)
    return "(" + " <-> ".join(lexemes) + ")"


def _tsquery(groups: Sequence[Sequence[Term]], *, exact: bool = False, title: bool = False) -> str:
    return " & ".join(
        "(" + " | ".join(_ts_term(term, exact, title) for term in group) + ")" for group in groups
    )


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


# --- the SQL -----------------------------------------------------------------------------

_HIT_COLUMNS = "a.article_id, a.url, a.title, a.section, a.published_at, a.lead, a.body_text"
_NEWEST = "a.published_at DESC NULLS LAST, a.id DESC"
_OLDEST = "a.published_at ASC NULLS LAST, a.id ASC"


@dataclass(frozen=True, slots=True)
class _Plan:
    """One search as SQL pieces: FROM, WHERE, ORDER BY, and the bound parameters.

    ``count_source``/``count_where`` count the same articles without what only ordering
    needs (scores, joins no filter uses).
    """

    source: str
    where: tuple[str, ...]
    order: str
    params: dict[str, Any]
    count_source: str
    count_where: tuple[str, ...]

    def _typed(self, sql: str) -> Any:
        # Dates are bound through UTCDateTime, so SQLite compares its own text format.
        statement = text(sql)
        typed = [bindparam(n, type_=UTCDateTime()) for n in ("start", "stop") if n in self.params]
        return statement.bindparams(*typed) if typed else statement

    def count(self) -> Any:
        return self._typed(_select("count(*)", self.count_source, self.count_where))

    def page_ids(self) -> Any:
        select = _select("a.id", self.source, self.where)
        return self._typed(f"{select} ORDER BY {self.order} LIMIT :limit OFFSET :offset")

    def ids(self) -> Any:
        select = _select("a.article_id", self.source, self.where)
        return self._typed(f"{select} ORDER BY {self.order}")


def _select(columns: str, source: str, where: Sequence[str]) -> str:
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {columns} FROM {source}{condition}"


@dataclass(frozen=True, slots=True)
class _Dialect:
    """How one database writes the parts of a search."""

    render: Callable[..., str]
    keys_join: str  # joins the table holding the filter keys as k (to articles a)
    index: str  # the bare index table, for counting matches without the articles
    keyed: str  # the matches with their filter keys as k, without the articles
    keyed_id: str  # the article's primary key in ``keyed``
    matched: str  # the articles matching :q, as a (binds :q in source or where)
    scored: str  # the same, with what relevance needs (m.score on SQLite)
    matches: str  # WHERE condition of ``matched``/``scored`` (binds :q), or ""
    index_matches: str  # WHERE condition on ``index`` (binds :q)
    exact_first: str  # ORDER BY pieces for relevance (may bind :qx, :qt)
    excluded: str  # binds :neg; {id} is the article's primary key


_SQLITE_MATCH = (
    "FROM article_search WHERE article_search MATCH :q) m JOIN articles a ON a.id = m.pk"
)
_SQLITE_SCORE = f"bm25(article_search, {_BM25_WEIGHTS}) AS score"
_DIALECTS = {
    "sqlite": _Dialect(
        render=_fts5,
        # The named covering index (revision 0006) holds the keys: the planner would
        # rather fetch each wide row by its primary key.
        keys_join=" JOIN article_search_doc k INDEXED BY ix_article_search_doc_keys"
        " ON k.article_pk = a.id",
        index="article_search",
        keyed=(
            "(SELECT rowid AS pk FROM article_search WHERE article_search MATCH :q) m "
            "JOIN article_search_doc k INDEXED BY ix_article_search_doc_keys ON k.article_pk = m.pk"
        ),
        keyed_id="m.pk",
        matched=f"(SELECT rowid AS pk {_SQLITE_MATCH}",
        scored=f"(SELECT rowid AS pk, {_SQLITE_SCORE} {_SQLITE_MATCH}",
        matches="",
        index_matches="article_search MATCH :q",
        exact_first=(
            "m.pk IN (SELECT rowid FROM article_search WHERE article_search MATCH :qx) DESC, "
            "m.pk IN (SELECT rowid FROM article_search WHERE article_search MATCH :qt) DESC, "
            "m.score"
        ),
        excluded="{id} NOT IN (SELECT rowid FROM article_search WHERE article_search MATCH :neg)",
    ),
    "postgresql": _Dialect(
        render=_tsquery,
        keys_join="",  # the keys sit in article_search k, which every search joins
        index="article_search k",
        keyed="article_search k",
        keyed_id="k.article_pk",
        matched="article_search k JOIN articles a ON a.id = k.article_pk",
        scored="article_search k JOIN articles a ON a.id = k.article_pk",
        matches="k.document @@ CAST(:q AS tsquery)",
        index_matches="k.document @@ CAST(:q AS tsquery)",
        exact_first=(
            "k.exact @@ CAST(:qx AS tsquery) DESC, k.document @@ CAST(:qt AS tsquery) DESC, "
            f"ts_rank('{_TS_WEIGHTS}', k.document, CAST(:q AS tsquery)) DESC"
        ),
        excluded="NOT (k.document @@ CAST(:neg AS tsquery))",
    ),
}


def _plan(dialect: str, request: SearchQuery, parsed: ParsedQuery) -> _Plan:
    if not parsed.groups:
        return _filters_only_plan(dialect, request, parsed)
    sql = _DIALECTS[dialect]
    filters: list[str] = []
    params: dict[str, Any] = {"q": sql.render(parsed.groups)}
    _filter(request.filters, filters, params)
    order = _NEWEST if request.sort == "newest" else _OLDEST
    source = sql.matched
    if request.sort == "relevance":
        source = sql.scored
        params["qx"] = sql.render(parsed.groups, exact=True)
        params["qt"] = sql.render(parsed.groups, title=True)
        order = f"{sql.exact_first}, {_NEWEST}"
    if request.filters.keys():
        source += sql.keys_join
    excluded = _excluded(sql, parsed, params)
    where = [c for c in (sql.matches, excluded.format(id="a.id")) if c] + filters
    if request.filters.is_empty():
        # Counting needs neither the articles nor a score: the index alone answers.
        count_where = [c for c in (sql.index_matches, excluded.format(id="rowid")) if c]
        return _Plan(source, tuple(where), order, params, sql.index, tuple(count_where))
    if not _needs_articles(request.filters):
        # Only the keys are filtered: count the matches with their keys, not the articles.
        count_where = [sql.matches, excluded.format(id=sql.keyed_id), *filters]
        count = tuple(c for c in count_where if c)
        return _Plan(source, tuple(where), order, params, sql.keyed, count)
    count_source = sql.matched + (sql.keys_join if request.filters.keys() else "")
    return _Plan(source, tuple(where), order, params, count_source, tuple(where))


def _needs_articles(filters: SearchFilters) -> bool:
    """Tell whether a filter reads the articles table (dates) or joins on it (images)."""
    return filters.date_from is not None or filters.date_to is not None or filters.with_images


def _filters_only_plan(dialect: str, request: SearchQuery, parsed: ParsedQuery) -> _Plan:
    sql = _DIALECTS[dialect]
    source = "articles a" + (sql.keys_join or " JOIN article_search k ON k.article_pk = a.id")
    where: list[str] = []
    params: dict[str, Any] = {}
    excluded = _excluded(sql, parsed, params)
    if excluded:
        where.append(excluded.format(id="a.id"))
    _filter(request.filters, where, params)
    order = _OLDEST if request.sort == "oldest" else _NEWEST
    return _Plan(source, tuple(where), order, params, source, tuple(where))


def _excluded(sql: _Dialect, parsed: ParsedQuery, params: dict[str, Any]) -> str:
    if not parsed.excluded:
        return ""
    params["neg"] = sql.render([parsed.excluded])
    return sql.excluded


def _filter(filters: SearchFilters, where: list[str], params: dict[str, Any]) -> None:
    """Add the filters' conditions (fixed SQL, values bound) to ``where`` and ``params``."""
    start, stop = filters.time_range()
    if start is not None:
        where.append("a.published_at >= :start")
        params["start"] = start
    if stop is not None:
        where.append("a.published_at < :stop")
        params["stop"] = stop
    keys = filters.keys()
    if "section" in keys:
        where.append("k.section_key = :section")
        params["section"] = keys["section"]
    if "author" in keys:
        # Keys hold letters, digits and single spaces only: no LIKE wildcard among them.
        where.append("(' ' || k.author_key || ' ') LIKE :author")
        params["author"] = f"% {keys['author']} %"
    if "tag" in keys:
        where.append("k.tag_keys LIKE :tag")
        params["tag"] = f"%|{keys['tag']}|%"
    if filters.with_images:
        where.append("EXISTS (SELECT 1 FROM images i WHERE i.article_pk = a.id)")


def _hit(row: RowMapping, terms: Sequence[Term]) -> SearchHit:
    text_snippet, highlights = snippet([row["lead"], row["body_text"]], terms)
    published: datetime | None = row["published_at"]
    return SearchHit(
        article_id=row["article_id"],
        url=row["url"],
        title=row["title"],
        section=row["section"],
        published_at=published.astimezone(SITE_TZ) if published else None,
        snippet=text_snippet,
        highlights=highlights,
        title_highlights=_title_highlights(row["title"], terms),
    )


def _title_highlights(title: str, terms: Sequence[Term]) -> tuple[tuple[int, int], ...]:
    words = _Words.of(title)
    spans = [
        (words.spans[start][0], words.spans[last][1]) for start, last, _ in words.matches(terms)
    ]
    return _merged(spans)


# --- marking matches ---------------------------------------------------------------------


def mark_text(text_: str, spans: Sequence[tuple[int, int]], before: str, after: str) -> str:
    """Return ``text_`` with each ``(start, end)`` span wrapped in ``before``/``after``."""
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text_[last:start], before, text_[start:end], after]
        last = end
    out.append(text_[last:])
    return "".join(out)


def mark_html(hit: SearchHit, part: Literal["snippet", "title"] = "snippet") -> str:
    """Return the hit's snippet (or title) as HTML: matches in ``<mark>``, all else escaped."""
    source, spans = (
        (hit.snippet, hit.highlights) if part == "snippet" else (hit.title, hit.title_highlights)
    )
    out, last = [], 0
    for start, end in sorted(spans):
        out += [
            html.escape(source[last:start]),
            "<mark>",
            html.escape(source[start:end]),
            "</mark>",
        ]
        last = end
    out.append(html.escape(source[last:]))
    return "".join(out)


# --- snippets ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Words:
    """A text in NFC with the position of each of its folded words."""

    text: str
    spans: list[tuple[int, int]]
    words: list[str]

    @classmethod
    def of(cls, original: str) -> _Words:
        nfc = unicodedata.normalize("NFC", original)
        found = list(token_spans(fold(nfc)))  # fold keeps lengths: spans fit ``nfc``
        return cls(nfc, [(start, end) for start, end, _ in found], [w for _, _, w in found])

    def matches(self, terms: Sequence[Term]) -> list[tuple[int, int, int]]:
        """Return ``(first word, last word, term number)`` of each occurrence of each term,
        in text order."""
        where: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            where.setdefault(word, []).append(index)
        found = []
        for number, term in enumerate(terms):
            for index in self._starts(term, where):
                if _occurs_at(self.words, index, term):
                    found.append((index, index + len(term.folded) - 1, number))
        return sorted(found)

    def _starts(self, term: Term, where: dict[str, list[int]]) -> list[int]:
        if term.prefix and len(term.folded) == 1:
            return [i for i, word in enumerate(self.words) if word.startswith(term.folded[0])]
        return where.get(term.folded[0], [])


def _occurs_at(words: list[str], index: int, term: Term) -> bool:
    size = len(term.folded)
    here = words[index : index + size]
    if len(here) != size:
        return False
    if not term.prefix:
        return tuple(here) == term.folded
    return tuple(here[:-1]) == term.folded[:-1] and here[-1].startswith(term.folded[-1])


def snippet(
    texts: Sequence[str | None], terms: Sequence[Term], *, words: int = SNIPPET_WORDS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Return about ``words`` words cut around a match, and the spans of the matches in it.

    The window starts a few words before the first occurrence that brings the most
    distinct query terms into view (for a one-term query: simply the first occurrence),
    looking through ``texts`` in order (lead, then body). The snippet is cut from the
    original text (NFC), diacritics and all; "…" marks a cut. If no text holds a term (the
    match was in the title or tags), the start of the first non-empty text is returned
    without highlights.
    """
    first: _Words | None = None
    best: tuple[int, _Words, int, list[tuple[int, int, int]]] | None = None
    for original in texts:
        if not original or not original.strip():
            continue
        candidate = _Words.of(original)  # lazily: the body is often not needed
        first = first or candidate
        found = candidate.matches(terms)
        seen, begin = _best_window(found, len(candidate.words), words)
        if seen and (best is None or seen > best[0]):  # ties keep the earlier text
            best = (seen, candidate, begin, found)
        if best is not None and best[0] == len(terms):
            break  # every term in view: no later text can do better
    if best is not None:
        _, source, begin, found = best
        return _cut(source, begin, begin + words, [(start, last) for start, last, _ in found])
    if first is not None:
        return _cut(first, 0, words, [])
    return "", ()


# Occurrences tried as window anchors: enough for any real snippet, bounded for long texts.
_MAX_ANCHORS = 200


def _best_window(found: list[tuple[int, int, int]], total: int, words: int) -> tuple[int, int]:
    """Return (distinct terms in view, first word) of the earliest best window."""
    starts = [start for start, _, _ in found]
    best = (0, 0)
    for anchor in starts[:_MAX_ANCHORS]:
        begin = _window_start(anchor, total, words)
        low, high = bisect_left(starts, begin), bisect_left(starts, begin + words)
        seen = len({number for _, _, number in found[low:high]})
        if seen > best[0]:
            best = (seen, begin)
    return best


def _window_start(anchor: int, total_words: int, words: int) -> int:
    # A few words of context before the match; near the end, show a full window anyway.
    return max(0, min(anchor - SNIPPET_WORDS_BEFORE, total_words - words))


def _cut(
    source: _Words, first_word: int, stop_word: int, found: list[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Cut words ``[first_word, stop_word)`` out of ``source`` with highlight spans."""
    stop_word = min(stop_word, len(source.words))
    if stop_word <= first_word:  # a text without a single word: show it as it is
        return source.text.strip(), ()
    # Whole text at either end keeps its punctuation (closing quotes, full stop).
    begin = 0 if first_word == 0 else source.spans[first_word][0]
    end = len(source.text) if stop_word == len(source.words) else source.spans[stop_word - 1][1]
    body, where = _squeezed(source.text[begin:end])
    prefix = "… " if first_word > 0 else ""
    suffix = " …" if stop_word < len(source.words) else ""
    shift = len(prefix)
    spans = [
        (
            where[source.spans[start][0] - begin] + shift,
            where[source.spans[last][1] - begin] + shift,
        )
        for start, last in found
        if start >= first_word and last < stop_word
    ]
    return prefix + body + suffix, _merged(spans)


def _squeezed(piece: str) -> tuple[str, list[int]]:
    """Return ``piece`` with each whitespace run (paragraph breaks) as one space and the
    ends trimmed, and where each offset of ``piece`` (0 … len) lands in the result."""
    out: list[str] = []
    where: list[int] = []
    size = 0
    content_end = len(piece.rstrip())
    for index, char in enumerate(piece):
        where.append(size)
        if not char.isspace():
            out.append(char)
            size += 1
        elif size and not piece[index - 1].isspace() and index < content_end:
            out.append(" ")  # the first space of an inner run
            size += 1
    where.append(size)
    return "".join(out), where


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort spans and merge the overlapping ones (a word inside a matched phrase)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
