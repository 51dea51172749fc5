"""Full-text search over the archive, identical on SQLite (FTS5) and PostgreSQL (tsvector).

The query language and filters are in ``storage.query``. Each term is looked up folded (so
``dân vận khéo``, ``dan van kheo`` and ``DÂN VẬN KHÉO`` find the same articles, as do
``Huyện uỷ`` and ``Huyện ủy``, and ``dang`` finds ``Đảng``), and the order by relevance is:

1. articles that match the query with its exact diacritics (``Đảng`` before ``đang``);
2. then those where the query matches inside the title;
3. among title matches, first those where it matches in the lead or the tags too (what
   the article is about);
4. then the newest first (undated articles last).

There is no relevance score: within a tier, a score (bm25, ts_rank) has to be computed for
every match before the first page can be shown, which for a word in most articles of the
archive costs seconds; the newest match of a tier is read directly (see
``storage.index.search_rowid``). Both databases order alike, so they give the same pages.

Sorting by date (``newest``/``oldest``) skips 1–3. User text reaches SQL only as bound
parameters, and only as words this module quoted itself; the SQL text is assembled from
fixed pieces chosen by which filters are set.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, RowMapping, bindparam, text

from scraper.errors import QueryError

from .convert import SITE_TZ
from .engine import database_errors, sqlite_path
from .fold import fold, word_spans
from .index import (
    ABOUT_MARK,
    EXACT_FIELDS,
    IMAGES_TOKEN,
    TITLE_MARK,
    author_words,
    rowid_at,
    section_token,
    sqlite_exact_word,
    tag_token,
)
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
    shown,
)
from .store import Store

__all__ = [
    "MAX_OFFSET",
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
# The farthest a page may start (and the most hits it may hold): far past any archive, and
# ``limit + offset`` stays well inside a 64-bit SQL integer.
MAX_OFFSET = 10**9
# Words shown before the first match, so the reader sees it in context.
SNIPPET_WORDS_BEFORE = 8


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
    operator, too long, bad filters, a negative limit or offset or one over ``MAX_OFFSET``;
    ``StoreError`` if the database refuses.
    """
    request = _request(query, filters, sort)
    if limit < 0 or offset < 0:
        raise QueryError(f"limit and offset must not be negative (query {shown(request.text)})")
    for name, value in (("limit", limit), ("offset", offset)):
        if value > MAX_OFFSET:
            raise QueryError(
                f"{name} {value} is too large (at most {MAX_OFFSET:,}; query {shown(request.text)})"
            )
    parsed = request.parsed()
    plan = _plan(store.dialect, request, parsed)
    with database_errors(store.engine.url, f"searching {shown(request.text)}"):
        # The total walks every match; the page reads only its rows. They run at once, on
        # two connections (the database works without holding Python's lock), unless the
        # archive lives in memory, where another connection would see another database.
        if sqlite_path(store.engine.url) is None and store.dialect == "sqlite":
            total = _count(store.engine, plan)
            return _page(store.engine, plan, parsed, total, limit, offset)
        counting = _COUNTING.submit(_count, store.engine, plan)
        try:
            results = _page(store.engine, plan, parsed, None, limit, offset)
        except BaseException:
            wait([counting])  # its connection is back in the pool before the error leaves
            raise
        return SearchResults(total=counting.result(), hits=results.hits)


# Counting threads, shared by every search (a web server runs several at once).
_COUNTING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-count")


def _count(engine: Engine, plan: _Plan) -> int:
    with engine.connect() as conn:
        return int(conn.execute(plan.count(), plan.params).scalar_one())


def _page(
    engine: Engine, plan: _Plan, parsed: ParsedQuery, total: int | None, limit: int, offset: int
) -> SearchResults:
    """Read one page of hits; ``total`` is passed through (None: counted elsewhere)."""
    with engine.connect() as conn:
        keys = _page_keys(conn, plan, limit, offset) if limit and total != 0 else []
        rows = _hydrate(conn, plan.key, keys, _HIT_COLUMNS)
    return SearchResults(total=total or 0, hits=[_hit(row, parsed.terms) for row in rows])


def _page_keys(conn: Connection, plan: _Plan, limit: int, offset: int) -> list[int]:
    """Return the keys of one page, in result order, reading segments only as needed."""
    need = limit + offset
    keys: list[int] = []

    def short() -> bool:
        return len(keys) < need

    last = len(plan.segments) - 1
    for number, segment in _live_segments(conn, plan, short):
        if number == last and plan.every_match is not None:
            # Each earlier tier was read whole (or matched nothing): its rows are in keys.
            # The newest ``need`` matches hold at least ``need - len(keys)`` others.
            seen = set(keys)
            rows = conn.execute(text(f"{plan.every_match} LIMIT :n"), {**plan.params, "n": need})
            keys.extend([key for (key,) in rows if key not in seen][: need - len(keys)])
            break
        params = {**plan.params, "n": need - len(keys)}
        keys.extend(key for (key,) in conn.execute(text(f"{segment} LIMIT :n"), params))
    return keys[offset:need]


def _live_segments(
    conn: Connection, plan: _Plan, wanted: Callable[[], bool] = lambda: True
) -> Iterator[tuple[int, str]]:
    """Yield the plan's segments (numbered) while ``wanted()`` says more rows are needed,
    skipping a tier when a probe it waits on (``_probe_keys``: the title, the exact words,
    the title with the about words, the exact words in the title) matches nothing.

    A probe of ``LIMIT 1`` is cheap where it has matches, and where it has none it saves
    every tier that waits on it (reading an empty tier newest first walks all its words).
    So a probe runs only when a tier waits on it and a later tier does too (the last tier
    that needs it might as well be read), the short lists first (title, about: marked
    words), so that a query matching no title never probes its exact words for it. Probes
    of the exact words, which may be long lists (or a prefix whose words FTS5 merges
    before the first row), wait until a tier has come back short: until then the first
    tier usually fills the page by itself.
    """
    found: dict[str, bool] = {}
    needs = plan.needs or tuple(() for _ in plan.segments)
    read = False

    def may_match(part: str, number: int) -> bool:
        if part not in found:
            if not any(part in later for later in needs[number + 1 :]):
                return True  # reading this tier tells as much as a probe would
            if part in _COSTLY_PROBES and not read:
                return True
            probe = text(plan.probes[part])
            found[part] = conn.execute(probe, plan.params).first() is not None
        return found[part]

    for number, segment in enumerate(plan.segments):
        if not wanted():
            return
        if all(may_match(part, number) for part in needs[number]):
            yield number, segment
            read = True


def _hydrate(conn: Connection, key: str, keys: list[int], columns: str) -> list[RowMapping]:
    """Return the ``columns`` of the articles with these keys, in the keys' order.

    Ranking picks the keys first and only then reads the wide columns (lead, body).
    """
    if not keys:
        return []
    statement = text(
        f"SELECT a.{key} AS search_key, {columns} FROM articles a WHERE a.{key} IN :keys"
    )
    statement = statement.bindparams(bindparam("keys", expanding=True))
    rows = conn.execute(statement.columns(published_at=UTCDateTime()), {"keys": keys})
    by_key = {row["search_key"]: row for row in rows.mappings()}
    return [by_key[key] for key in keys]


def matching_ids(
    store: Store, query: str | SearchQuery, *, batch_size: int = 1000
) -> Iterator[str]:
    """Yield the site ids of every article matching ``query``, in result order.

    For exports of a search: keys are streamed ``batch_size`` at a time. Raises
    ``QueryError`` and ``StoreError`` as ``search`` does.
    """
    request = _request(query, None, None)
    plan = _plan(store.dialect, request, request.parsed())
    with (
        database_errors(store.engine.url, f"searching {shown(request.text)}"),
        store.engine.connect() as conn,
    ):
        for _, segment in list(_live_segments(conn, plan)):
            result = conn.execution_options(yield_per=batch_size).execute(
                text(segment), plan.params
            )
            for batch in result.partitions():
                keys = [key for (key,) in batch]
                for row in _hydrate(conn, plan.key, keys, "a.article_id"):
                    yield row["article_id"]


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

Form = Literal["folded", "exact", "title", "about"]


def _fts5_term(term: Term, form: Form) -> str:
    # One FTS5 string per term ("a b" is a phrase; a trailing * makes its last word a
    # prefix). Words hold only letters, digits and marks, so they cannot close the quotes
    # early. No column filter where the words alone say where they are (a filter makes
    # FTS5 read every position to check columns): folded words are in the folded columns
    # only, exact words are written as the index writes them (``sqlite_exact_word``), and
    # the title and about words are marked, in their columns only. A title-only exact
    # term reads the title's exact column.
    star = " *" if term.prefix else ""
    if form == "exact":
        title = [EXACT_FIELDS[0]] if term.title_only else []
        words = list(map(sqlite_exact_word, term.folded, term.exact))
        found = _fts5_string(title, words, star)
        if term.prefix and words[-1] != term.exact[-1]:
            # A prefix without diacritics also begins words that have some ("ngh*" and
            # "nghị"), written unmarked: look there too, in the exact columns only.
            unmarked = _fts5_string(title or EXACT_FIELDS, [*words[:-1], term.exact[-1]], star)
            found = f"({found} OR {unmarked})"
        return found
    if form == "title" or term.title_only:
        return _fts5_string([], [TITLE_MARK + word for word in term.folded], star)
    if form == "about":
        return _fts5_string([], [ABOUT_MARK + word for word in term.folded], star)
    return _fts5_string([], term.folded, star)


def _fts5_string(columns: Sequence[str], words: Sequence[str], star: str) -> str:
    phrase = '"' + " ".join(words) + '"' + star
    return "{" + " ".join(columns) + "} : " + phrase if columns else phrase


def _fts5(groups: Sequence[Sequence[Term]], form: Form = "folded") -> str:
    return " AND ".join(
        "(" + " OR ".join(_fts5_term(term, form) for term in group) + ")" for group in groups
    )


def _ts_term(term: Term, form: Form) -> str:
    # Quoted lexemes go in as they are (no parser, no dictionary): the same words the
    # index holds. A phrase is its words joined by <-> (followed by); ":A" keeps a
    # lexeme to the title, ":*" makes it a prefix.
    words = term.exact if form == "exact" else term.folded
    weight = "A" if form == "title" or term.title_only else "BC" if form == "about" else ""
    lexemes = []
    for number, word in enumerate(words, start=1):
        star = "*" if term.prefix and number == len(words) else ""
        label = f":{star}{weight}" if star or weight else ""
        lexemes.append(_lexeme(word) + label)
    return "(" + " <-> ".join(lexemes) + ")"


def _tsquery(groups: Sequence[Sequence[Term]], form: Form = "folded") -> str:
    return " & ".join(
        "(" + " | ".join(_ts_term(term, form) for term in group) + ")" for group in groups
    )


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


# --- the SQL -----------------------------------------------------------------------------

_HIT_COLUMNS = "a.article_id, a.url, a.title, a.section, a.published_at, a.lead, a.body_text"


@dataclass(frozen=True, slots=True)
class _Plan:
    """One search as SQL: the count, and the result order as segments read one after
    another (each a SELECT of one key column of ``articles``, ordered, without LIMIT).

    Relevance on SQLite is six segments, one per tier (see ``_tiers``), each newest
    first; the page reads a segment only while the page is not full, and FTS5 reads a
    segment's rows newest first and stops at the LIMIT, so the cost follows the page,
    not the number of matches.
    """

    count_sql: str
    segments: tuple[str, ...]
    key: str  # the column of ``articles`` the segments select: search_rowid or id
    params: dict[str, Any]
    # For tiers: the parts each segment needs to match something, and the SQL that
    # tells whether a part matches anything (see ``_live_segments``).
    needs: tuple[tuple[str, ...], ...] = ()
    probes: dict[str, str] | None = None
    # Every match, newest first: the last tier is every match not in an earlier tier, and
    # a page reaches it only after reading each earlier tier whole, so it can read this
    # (cheap) instead and leave out the rows it already has (see ``_page_keys``).
    every_match: str | None = None

    def count(self) -> Any:
        return text(self.count_sql)


def _select(columns: str, source: str, where: Sequence[str]) -> str:
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {columns} FROM {source}{condition}"


def _plan(dialect: str, request: SearchQuery, parsed: ParsedQuery) -> _Plan:
    if dialect == "sqlite":
        return _sqlite_plan(request, parsed)
    return _postgresql_plan(request, parsed)


# SQLite ----------------------------------------------------------------------------------


def _tiers() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The FTS5 expressions of the six relevance tiers, best first: exact (e) or not; then
    title (t) or not; title matches split once more by about (a). ``q`` matches them all.
    Each comes with the parts it needs to match.

    The lead and tags split title matches only: outside titles, a tier that turns out
    nearly empty costs a walk through every match of its words (see ``_Plan``), and the
    lead alone says less than a title does."""
    tiers = []
    for exact in (True, False):
        for place in ({"t": True, "a": True}, {"t": True, "a": False}, {"t": False}):
            flags = {"e": exact, **place}
            parts = [name for name, on in flags.items() if on]
            expression = " AND ".join(f"({{{name}}})" for name in parts) or "({q})"
            for name, on in flags.items():
                if not on:
                    expression = f"({expression}) NOT ({{{name}}})"
            tiers.append((expression, _probe_keys(parts)))
    return tuple(tiers)


def _probe_keys(parts: Sequence[str]) -> tuple[str, ...]:
    """The probes a tier needing ``parts`` waits on: each part, and the pairs that are
    often empty when each part alone is not (the title with the about words; the exact
    words in the title)."""
    keys = [part for part in ("t", "e") if part in parts]
    if "t" in parts and "a" in parts:
        keys.append("ta")
    if "t" in parts and "e" in parts:
        keys.append("et")
    return tuple(sorted(keys, key=_PROBE_ORDER.index))


# Probes, cheapest first: title and about words are marked words with short lists; the
# exact words may be long lists.
_PROBE_ORDER = ("t", "ta", "e", "et")
_COSTLY_PROBES = ("e", "et")
_PROBES = {"t": "({t})", "ta": "({t}) AND ({a})", "e": "({e})", "et": "({e}) AND ({t})"}


_TIERS = _tiers()
_TITLE_TIERS = (("({e})", ("e",)), ("({q}) NOT ({e})", ()))


def _sqlite_plan(request: SearchQuery, parsed: ParsedQuery) -> _Plan:
    """FTS5 on rowids in publication order (``storage.index.search_rowid``), the filters
    as facet terms of the same FTS5 query and the dates as a rowid range."""
    params: dict[str, Any] = {}
    where: list[str] = []
    facets = _fts5_facets(request.filters)
    negative = _fts5([parsed.excluded]) if parsed.excluded else ""
    if not parsed.groups and not facets:
        # Dates alone (and maybe excluded words): the articles' index of search rowids.
        rowid = "a.search_rowid"
        where.append(f"{rowid} IS NOT NULL")
        dated = _date_range(request.filters, rowid, where, params)
        if negative:
            where.append(
                f"{rowid} NOT IN (SELECT rowid FROM article_search WHERE article_search MATCH :neg)"
            )
            params["neg"] = negative
        source = "articles a"
        segments = _sqlite_ordered(request.sort, source, where, rowid, dated)
        return _Plan(_select("count(*)", source, where), segments, "search_rowid", params)
    rowid, source = "rowid", "article_search"
    dated = _date_range(request.filters, rowid, where, params)

    def matching(expression: str | None) -> str:
        parts = [f"({part})" for part in (expression, facets) if part]
        combined = " AND ".join(parts)
        return f"({combined}) NOT ({negative})" if negative else combined

    params["q"] = matching(_fts5(parsed.groups) if parsed.groups else None)
    count_sql = _select("count(*)", source, ["article_search MATCH :q", *where])
    if request.sort != "relevance" or not parsed.groups:
        segments = _sqlite_ordered(
            request.sort, source, ["article_search MATCH :q", *where], rowid, dated
        )
        return _Plan(count_sql, segments, "search_rowid", params)
    forms = {
        "q": _fts5(parsed.groups),
        "e": _fts5(parsed.groups, "exact"),
        "t": _fts5(parsed.groups, "title"),
        "a": _fts5(parsed.groups, "about"),
    }
    # Terms all kept to titles: every match is a title match and its title is what it is
    # about, so only the exact tier and the rest remain (the others would be read empty).
    plan_tiers = _TITLE_TIERS if all(term.title_only for term in parsed.terms) else _TIERS
    tiers = []
    for number, (pattern, _) in enumerate(plan_tiers, start=1):
        params[f"t{number}"] = matching(pattern.format(**forms))
        tier_where = [f"article_search MATCH :t{number}", *where]
        tiers.append(f"{_select(rowid, source, tier_where)} ORDER BY {rowid} DESC")
    probes = {}
    for part, pattern in _PROBES.items():
        params[f"p{part}"] = matching(pattern.format(**forms))
        probe_where = [f"article_search MATCH :p{part}", *where]
        probes[part] = f"{_select(rowid, source, probe_where)} LIMIT 1"
    needs = tuple(needed for _, needed in plan_tiers)
    every_match = (
        f"{_select(rowid, source, ['article_search MATCH :q', *where])} ORDER BY {rowid} DESC"
    )
    return _Plan(count_sql, tuple(tiers), "search_rowid", params, needs, probes, every_match)


def _fts5_facets(filters: SearchFilters) -> str:
    """Return the filters (section, author, tag, with images) as FTS5 terms on the facet
    tokens (``storage.index.facet_words``), or "" when none is set."""
    keys = filters.keys()
    terms = []
    if "section" in keys:
        terms.append(section_token(keys["section"]))
    if "author" in keys:
        terms.append(" ".join(author_words(keys["author"])))
    if "tag" in keys:
        terms.append(tag_token(keys["tag"]))
    if filters.with_images:
        terms.append(IMAGES_TOKEN)
    return " AND ".join(f'"{term}"' for term in terms)  # marked: facet_key alone holds them


def _sqlite_ordered(
    sort: Sort, source: str, where: list[str], rowid: str, dated: bool
) -> tuple[str, ...]:
    """Newest first (undated last), or oldest first (undated still last)."""
    if sort != "oldest":
        return (f"{_select(rowid, source, where)} ORDER BY {rowid} DESC",)
    # Undated articles have negative rowids: read the dated ones first.
    segments = [f"{_select(rowid, source, [*where, f'{rowid} >= 0'])} ORDER BY {rowid}"]
    if not dated:
        segments.append(f"{_select(rowid, source, [*where, f'{rowid} < 0'])} ORDER BY {rowid}")
    return tuple(segments)


def _date_range(
    filters: SearchFilters, rowid: str, where: list[str], params: dict[str, Any]
) -> bool:
    """Add the date range as a search rowid range (``rowid`` names the column, on either
    database); tell whether there is one."""
    start, stop = filters.time_range()  # stop is None for --to 9999-12-31: no end
    if filters.date_from is None and filters.date_to is None:
        return False
    # An undated article is outside every date range, as published_at IS NULL is in SQL.
    where.append(f"{rowid} >= :low")
    params["low"] = rowid_at(start) if start is not None else 0
    if stop is not None:
        where.append(f"{rowid} < :high")
        params["high"] = rowid_at(stop)
    return True


def _key_conditions(filters: SearchFilters, where: list[str], params: dict[str, Any]) -> None:
    """Add the section, author and tag conditions on the keys ``k`` (values bound)."""
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


# PostgreSQL ------------------------------------------------------------------------------

_PG_NEWEST = "a.search_rowid DESC"
# Undated articles (negative search rowids) last, as on SQLite.
_PG_OLDEST = "a.search_rowid < 0, a.search_rowid ASC"


def _postgresql_plan(request: SearchQuery, parsed: ParsedQuery) -> _Plan:
    """tsvector with GIN; the same tiers and order in one ORDER BY."""
    filters = request.filters
    params: dict[str, Any] = {}
    where: list[str] = []
    # Dates as search rowid ranges, as on SQLite: the same edges for mistyped years.
    dated = _date_range(filters, "a.search_rowid", where, params)
    _key_conditions(filters, where, params)
    if filters.with_images:
        where.append("EXISTS (SELECT 1 FROM images i WHERE i.article_pk = a.id)")
    if parsed.excluded:
        where.append("NOT (k.document @@ CAST(:neg AS tsquery))")
        params["neg"] = _tsquery([parsed.excluded])
    source = "article_search k JOIN articles a ON a.id = k.article_pk"
    order = _PG_OLDEST if request.sort == "oldest" else _PG_NEWEST
    if parsed.groups:
        where.insert(0, "k.document @@ CAST(:q AS tsquery)")
        params["q"] = _tsquery(parsed.groups)
        if request.sort == "relevance":
            params["qx"] = _tsquery(parsed.groups, "exact")
            params["qt"] = _tsquery(parsed.groups, "title")
            params["qa"] = _tsquery(parsed.groups, "about")
            order = (
                "k.exact @@ CAST(:qx AS tsquery) DESC, k.document @@ CAST(:qt AS tsquery) DESC, "
                "(k.document @@ CAST(:qt AS tsquery) AND k.document @@ CAST(:qa AS tsquery)) "
                f"DESC, {_PG_NEWEST}"
            )
    segment = f"{_select('a.id', source, where)} ORDER BY {order}"
    # Counting needs the articles only for the filters that read them (dates, images).
    needs_articles = dated or filters.with_images
    count_source = source if needs_articles else "article_search k"
    return _Plan(_select("count(*)", count_source, where), (segment,), "id", params)


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
        spans, words = word_spans(fold(nfc))  # fold keeps lengths: spans fit ``nfc``
        return cls(nfc, spans, words)

    def matches(self, terms: Sequence[Term]) -> list[tuple[int, int, int]]:
        """Return ``(first word, last word, term number)`` of each occurrence of each term,
        in text order."""
        found = []
        for number, term in enumerate(terms):
            for index in self._starts(term):
                if _occurs_at(self.words, index, term):
                    found.append((index, index + len(term.folded) - 1, number))
        return sorted(found)

    def _starts(self, term: Term) -> list[int]:
        first = term.folded[0]
        if term.prefix and len(term.folded) == 1:
            return [i for i, word in enumerate(self.words) if word.startswith(first)]
        # list.index scans in C; most words of a long body are not the one sought.
        found, index = [], -1
        try:
            while True:
                index = self.words.index(first, index + 1)
                found.append(index)
        except ValueError:
            return found


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
    """Return (distinct terms in view, first word) of the earliest best window.

    ``found`` is in text order. Each occurrence (up to ``_MAX_ANCHORS``) anchors a window;
    windows only move forward, so one pass keeps count of the terms inside.
    """
    best = (0, 0)
    everything = len({number for _, _, number in found})
    inside: dict[int, int] = {}  # term number -> occurrences in the window
    low = high = 0
    for start, _, _ in found[:_MAX_ANCHORS]:
        begin = _window_start(start, total, words)
        while high < len(found) and found[high][0] < begin + words:
            inside[found[high][2]] = inside.get(found[high][2], 0) + 1
            high += 1
        while found[low][0] < begin:
            number = found[low][2]
            inside[number] -= 1
            if not inside[number]:
                del inside[number]
            low += 1
        if len(inside) > best[0]:
            best = (len(inside), begin)
            if best[0] == everything:
                break  # no later window shows more, and the earliest wins ties
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
    first, stop = len(piece) - len(piece.lstrip()), len(piece.rstrip())
    if stop <= first:  # nothing but whitespace
        return "", [0] * (len(piece) + 1)
    out: list[str] = []
    where = [0] * first  # leading whitespace goes away
    size, done = 0, first
    # One step per whitespace run, not per character: the words in between are copied.
    for run in _SPACE_RUN.finditer(piece, first, stop):
        begin, end = run.span()
        out += [piece[done:begin], " "]
        where.extend(range(size, size + begin - done + 1))  # the words, then the space
        size += begin - done + 1
        where.extend([size] * (end - begin - 1))  # the rest of the run
        done = end
    out.append(piece[done:stop])
    where.extend(range(size, size + stop - done))
    size += stop - done
    where.extend([size] * (len(piece) - stop + 1))  # trailing whitespace, and the end
    return "".join(out), where


_SPACE_RUN = re.compile(r"\s+")


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort spans and merge the overlapping ones (a word inside a matched phrase)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
