"""Full-text search over the archive, identical on SQLite (FTS5) and PostgreSQL (tsvector).

Query language (for now): words, all of which must match, and "quoted phrases" (curly
quotes “…” count as quotes too). The query is folded by ``storage.fold`` exactly as the
index was, so ``dân vận khéo``, ``dan van kheo`` and ``DÂN VẬN KHÉO`` are the same query,
as are ``Huyện uỷ`` and ``Huyện ủy``, and ``dang`` finds ``Đảng``. A hyphenated chunk such as
``2019-2024`` is read as the phrase "2019 2024".

User text reaches SQL only as a bound parameter, and only as words this module quoted
itself: FTS5 operators (``OR``, ``NEAR``, ``*``) typed by a user are plain words here.
Ranking is bm25 on SQLite and ts_rank on PostgreSQL (title weighs most, then lead, tags,
body); ties go to the newest article.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, TextClause, text
from sqlalchemy.sql.selectable import TextualSelect

from scraper.errors import QueryError

from .convert import SITE_TZ
from .engine import database_errors
from .fold import fold, token_spans, tokens
from .models import UTCDateTime
from .store import Store

__all__ = ["MAX_QUERY_LENGTH", "SearchHit", "SearchResults", "parse_query", "search", "snippet"]

MAX_QUERY_LENGTH = 1000
SNIPPET_WORDS = 30
# Words shown before the first match, so the reader sees it in context.
SNIPPET_WORDS_BEFORE = 8

Term = tuple[str, ...]  # one folded word, or the folded words of a phrase

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching article; ``highlights`` are ``(start, end)`` spans inside ``snippet``."""

    article_id: str
    url: str
    title: str
    section: str | None
    published_at: datetime | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of hits, best first, and how many articles match in all."""

    total: int
    hits: list[SearchHit]


def search(store: Store, query: str, *, limit: int = 20, offset: int = 0) -> SearchResults:
    """Return the articles matching ``query``, best first, ``limit`` of them from ``offset``.

    Raises ``QueryError`` (quoting the query) for a query with no searchable word,
    unbalanced quotes, more than ``MAX_QUERY_LENGTH`` characters, or a negative limit or
    offset; ``StoreError`` if the database refuses.
    """
    terms = parse_query(query)
    if limit < 0 or offset < 0:
        raise QueryError(f"limit and offset must not be negative (query {query!r})")
    sql = _SQL[store.dialect]
    params = {"q": sql.render(terms), "limit": limit, "offset": offset}
    with database_errors(store.engine.url, f"searching {query!r}"), store.engine.connect() as conn:
        total = int(conn.execute(sql.count, params).scalar_one())
        rows = conn.execute(sql.hits, params).mappings().all() if limit and total else []
    return SearchResults(total=total, hits=[_hit(row, terms) for row in rows])


# --- the query ---------------------------------------------------------------------------


def parse_query(query: str) -> list[Term]:
    """Return the query's terms (words and phrases, folded), without duplicates.

    Raises ``QueryError`` as ``search`` describes.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query too long ({len(query)} characters, at most {MAX_QUERY_LENGTH}): {query[:60]!r}…"
        )
    normalized = query.translate(_QUOTES)
    if normalized.count('"') % 2:
        raise QueryError(f"unbalanced quotes in query {query!r}")
    terms: list[Term] = []
    for index, part in enumerate(normalized.split('"')):
        inside_quotes = index % 2 == 1
        chunks = [part] if inside_quotes else part.split()
        terms += [tuple(words) for words in map(tokens, chunks) if words]
    if not terms:
        raise QueryError(f"no searchable words in query {query!r}")
    return list(dict.fromkeys(terms))


def _fts5_match(terms: Sequence[Term]) -> str:
    # Each term becomes one FTS5 string ("a b" is a phrase); juxtaposed strings are ANDed.
    # Words hold only letters and digits, so they cannot close the quotes early.
    return " ".join('"' + " ".join(term) + '"' for term in terms)


def _tsquery(terms: Sequence[Term]) -> str:
    # Quoted lexemes go in as they are (no parser, no dictionary): the same words the
    # index holds. A phrase is its words joined by <-> (followed by).
    return " & ".join("(" + " <-> ".join(_lexeme(word) for word in term) + ")" for term in terms)


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class _DialectSQL:
    """The two statements of a search on one database, and how it writes the terms."""

    count: TextClause
    hits: TextualSelect
    render_terms: Callable[[Sequence[Term]], str]

    def render(self, terms: Sequence[Term]) -> str:
        return self.render_terms(terms)


_HIT_COLUMNS = "a.article_id, a.url, a.title, a.section, a.published_at, a.lead, a.body_text"
_TIES = "a.published_at DESC NULLS LAST, a.id DESC"


def _hits_query(sql: str) -> TextualSelect:
    # SQLite hands timestamps back as text: typing the column makes them aware datetimes.
    return text(sql).columns(published_at=UTCDateTime())


_SQL = {
    "sqlite": _DialectSQL(
        count=text("SELECT count(*) FROM article_search WHERE article_search MATCH :q"),
        hits=_hits_query(
            f"SELECT {_HIT_COLUMNS} FROM article_search "
            "JOIN articles a ON a.id = article_search.rowid "
            "WHERE article_search MATCH :q "
            # bm25 weights in column order: title, lead, body, tags (lower is better).
            f"ORDER BY bm25(article_search, 10.0, 4.0, 1.0, 2.0), {_TIES} "
            "LIMIT :limit OFFSET :offset"
        ),
        render_terms=_fts5_match,
    ),
    "postgresql": _DialectSQL(
        count=text("SELECT count(*) FROM article_search s WHERE s.document @@ CAST(:q AS tsquery)"),
        hits=_hits_query(
            f"SELECT {_HIT_COLUMNS} FROM article_search s "
            "JOIN articles a ON a.id = s.article_pk "
            "WHERE s.document @@ CAST(:q AS tsquery) "
            # Default weights {D 0.1, C 0.2, B 0.4, A 1.0}: body, tags, lead, title.
            "ORDER BY ts_rank(s.document, CAST(:q AS tsquery)) DESC, "
            f"{_TIES} LIMIT :limit OFFSET :offset"
        ),
        render_terms=_tsquery,
    ),
}


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
    )


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
        """Return ``(first word, last word, term number)`` of each occurrence of each term."""
        found = []
        for index in range(len(self.words)):
            for number, term in enumerate(terms):
                if tuple(self.words[index : index + len(term)]) == term:
                    found.append((index, index + len(term) - 1, number))
        return found


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
    candidates = [_Words.of(original) for original in texts if original and original.strip()]
    best: tuple[int, _Words, int, list[tuple[int, int, int]]] | None = None
    for candidate in candidates:
        found = candidate.matches(terms)
        for anchor, _, _ in found:
            begin = _window_start(anchor, len(candidate.words), words)
            seen = {number for start, _, number in found if begin <= start < begin + words}
            if best is None or len(seen) > best[0]:  # ties keep the earlier window
                best = (len(seen), candidate, begin, found)
        if best is not None and best[0] == len(terms):
            break  # every term in view: no later text can do better
    if best is not None:
        _, source, begin, found = best
        return _cut(source, begin, begin + words, [(start, last) for start, last, _ in found])
    if candidates:
        return _cut(candidates[0], 0, words, [])
    return "", ()


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
