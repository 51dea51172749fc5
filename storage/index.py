"""Writing the search index: folded and exact words of title, lead, body and tags, per article.

Both databases receive the words that ``storage.fold.word_pairs`` produced, never raw text,
so that SQLite and PostgreSQL match exactly the same articles. Every word is indexed twice:
folded (``dang``, what any spelling finds) and exact (``đảng``, lower case with its
diacritics, tone marks placed one way), at the same positions, so a query can match either
and exact matches can be ranked first.

* SQLite: ``article_search_doc`` holds, per article, the words as indexed (one text
  column per field and form); the FTS5 table ``article_search`` indexes
  those columns (``content="article_search_doc"``), and a row is removed from the index
  with FTS5's ``'delete'`` command, which needs the words that were indexed.

  The FTS rowid is not the article's primary key but its *search rowid*
  (``search_rowid``): the publication time in seconds, shifted left, with the primary key
  in the low bits. FTS5 keeps every word's documents in rowid order and can walk them
  backwards and stop, so "the newest 20 articles that match" costs 20 rows, not a sort of
  every match; a date range is a rowid range. ``articles.search_rowid`` holds the same
  number (Datasette searches ``articles`` through it, see the README).

  The title words are indexed a second time in ``title_key``, each marked with
  ``TITLE_MARK``, and the lead and tag words in ``about_key``, marked with ``ABOUT_MARK``:
  a marked word has a short list of documents of its own (titles, or leads and tags,
  only), so "does the query match the title" never walks every body that holds the word,
  as a column filter on ``title`` would. Relevance tiers read them (``storage.search``).

  In the exact columns, a word without diacritics (``chi``, ``minh``: its exact form is
  its folded form) is written marked with ``EXACT_MARK`` (``sqlite_exact_word``): unmarked,
  it would share one list of documents with the folded word, so "is ``minh`` written
  exactly so" would walk every article with ``mình`` or ``minh`` and check columns. Words
  with diacritics (``đảng``) are written as they are: no folded word equals them. So
  neither the folded query nor the exact one needs a column filter, and Datasette,
  searching every column, still finds ``đảng`` in the exact columns and ``chi`` in the
  folded ones.

  The filters are tokens too, in ``facet_key`` (see ``facet_words``): one token for the
  section, the author's words, one token per tag, one for "has images". A filter is then
  one more term of the FTS5 query, answered from a list of documents, instead of a lookup
  of every match's keys.
* PostgreSQL: ``article_search(article_pk, document, exact, …keys)``; each ``tsvector`` is
  written as a literal (``'word':1A,7A ...``) built here, with weights title A, lead B,
  tags C, body D, and one unused position between fields so a phrase cannot span two.
  (``to_tsvector`` would re-split the words with PostgreSQL's own parser, which reads
  ``2019-2024`` differently, and ``||`` leaves no gap between fields.)

Filter keys (both databases): ``author_key`` and ``section_key`` are the folded words of the
author and section joined by spaces; ``tag_keys`` is ``|tag one|tag two|``, each tag folded
the same way, so filters compare ``Dân vận khéo`` and ``dan van kheo`` alike.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, text

from scraper.records import Article

from .fold import tokens, word_pairs
from .models import UTCDateTime

__all__ = [
    "FIELDS",
    "GAP",
    "PG_WEIGHTS",
    "SearchDocument",
    "ABOUT_MARK",
    "EXACT_MARK",
    "IMAGES_TOKEN",
    "TITLE_MARK",
    "author_words",
    "delete_sqlite_index",
    "document_sqlite_texts",
    "facet_words",
    "section_token",
    "tag_token",
    "field_words",
    "index_article",
    "index_documents",
    "key_of",
    "optimize_index",
    "rebuild_index",
    "rowid_at",
    "search_rowid",
    "sqlite_exact_word",
    "sqlite_texts",
    "tsvector_literal",
]

# Field order is the FTS5 column order (folded columns, then the exact ones).
FIELDS = ("title", "lead", "body", "tags")
EXACT_FIELDS = tuple(f"{field}_exact" for field in FIELDS)
TITLE_KEY = "title_key"
ABOUT_KEY = "about_key"
FACET_KEY = "facet_key"
FTS_COLUMNS = FIELDS + EXACT_FIELDS + (TITLE_KEY, ABOUT_KEY, FACET_KEY)
KEY_COLUMNS = ("author_key", "section_key", "tag_keys")
PG_WEIGHTS = {"title": "A", "lead": "B", "body": "D", "tags": "C"}
# PostgreSQL clamps positions to this; we do the same, so the literal is what it stores.
PG_MAX_POSITION = 16383
# Stands between two tags so that a phrase cannot run from one tag into the next: a
# private-use character, which FTS5's unicode61 tokenizer reads as a word ("Co" is word
# material there) and which no query can contain (queries hold letters and digits only);
# on PostgreSQL it is an unused position.
GAP = "\ue000"
# Marks the title words of ``title_key``: a private-use character too, so word material
# for the tokenizer, and never in a query (see GAP).
TITLE_MARK = "\ue001"
ABOUT_MARK = "\ue002"
# Facet tokens: a section or a tag is one token (its words joined by FACET_JOIN, so that
# the filter compares the whole key); the author's words are marked one by one (the filter
# looks for them as a phrase, as "contains these words" did).
SECTION_MARK = "\ue003"
AUTHOR_MARK = "\ue004"
TAG_MARK = "\ue005"
FACET_JOIN = "\ue006"
IMAGES_TOKEN = "\ue007"
# Marks a word of the SQLite exact columns that has no diacritics (see the module notes).
EXACT_MARK = "\ue008"
# Rows indexed per statement when (re)building many at once.
BATCH = 1000

# Search rowids: seconds since SEARCH_EPOCH above PK_BITS bits of primary key. A year the
# site mistyped (3024, 224) counts as the nearest edge of [1900, 2900): a thousand years
# of seconds fit in 35 bits, so a rowid stays below 2**63 on both databases.
SEARCH_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
SEARCH_END = datetime(2900, 1, 1, tzinfo=UTC)
PK_BITS = 28
_SECOND = timedelta(seconds=1)
_LAST_SECOND = (SEARCH_END - SEARCH_EPOCH) // _SECOND - 1


def search_rowid(published_at: datetime | None, article_pk: int) -> int:
    """Return the search rowid of an article: newer articles have larger ones.

    Articles published at the same second are ordered by primary key; articles without a
    publication time get negative rowids (by primary key), below every dated one. A time
    before 1900 or from 2900 on counts as the nearest edge of that range.
    """
    if not 0 < article_pk < 1 << PK_BITS:
        raise ValueError(f"article primary key {article_pk} out of the search rowid range")
    if published_at is None:
        return article_pk - (1 << PK_BITS)
    return rowid_at(published_at) | article_pk


def rowid_at(moment: datetime) -> int:
    """Return the smallest search rowid of an article published at or after ``moment``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - SEARCH_EPOCH) // _SECOND
    return min(max(0, seconds), _LAST_SECOND) << PK_BITS


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What the index holds of one article: its searchable text and filterable facts."""

    title: str
    lead: str | None
    body: str
    tags: Sequence[str]
    author: str | None
    section: str | None
    published_at: datetime | None = None
    has_images: bool = False

    @classmethod
    def of(cls, article: Article) -> SearchDocument:
        """Return the search document of a parsed article."""
        return cls(
            article.title,
            article.lead,
            article.body_text,
            article.tags,
            article.author,
            article.section,
            article.published_at,
            bool(article.images),
        )


Words = dict[str, list[str]]  # field (folded or exact column name) -> words


def field_words(document: SearchDocument) -> Words:
    """Return the folded words (``title`` …) and exact words (``title_exact`` …) per field."""
    pairs = _field_pairs(document)
    words: Words = {}
    for field, found in pairs.items():
        words[field] = list(map(_FOLDED, found))
        words[f"{field}_exact"] = list(map(_EXACT, found))
    words.update(_key_words(words, document))
    return words


_FOLDED = itemgetter(0)
_EXACT = itemgetter(1)


def _field_pairs(document: SearchDocument) -> dict[str, list[tuple[str, str]]]:
    """The ``(folded, exact)`` word pairs of each field (``FIELDS`` order)."""
    return {
        "title": word_pairs(document.title),
        "lead": word_pairs(document.lead or ""),
        "body": word_pairs(document.body),
        "tags": _with_gaps([word_pairs(tag) for tag in document.tags]),
    }


def _key_words(folded: Words, document: SearchDocument) -> Words:
    """The words of ``title_key``, ``about_key`` and ``facet_key``, from the folded words
    of the fields."""
    words: Words = {TITLE_KEY: [TITLE_MARK + word for word in folded["title"]]}
    # GAP (unmarked) between the lead and the tags, as between two tags.
    lead, tags = folded["lead"], folded["tags"]
    about = [*lead, GAP, *tags] if lead and tags else [*lead, *tags]
    words[ABOUT_KEY] = [word if word == GAP else ABOUT_MARK + word for word in about]
    words[FACET_KEY] = facet_words(document)
    return words


def section_token(key: str) -> str:
    """Return the facet token of a section key (``key_of`` of its name or slug)."""
    return SECTION_MARK + FACET_JOIN.join(key.split())


def author_words(key: str) -> list[str]:
    """Return the facet words of an author key (``key_of`` of the name)."""
    return [AUTHOR_MARK + word for word in key.split()]


def tag_token(key: str) -> str:
    """Return the facet token of a tag key (``key_of`` of the tag)."""
    return TAG_MARK + FACET_JOIN.join(key.split())


def facet_words(document: SearchDocument) -> list[str]:
    """Return the facet tokens of a document: section, author words, tags, images."""
    section, author = key_of(document.section), key_of(document.author)
    words = [section_token(section)] if section else []
    if author:
        words += [GAP, *author_words(author)]  # GAP: no phrase from the section
    words += [tag_token(key) for key in map(key_of, document.tags) if key]
    if document.has_images:
        words.append(IMAGES_TOKEN)
    return words


def _with_gaps(groups: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    words: list[tuple[str, str]] = []
    for group in groups:
        if words and group:
            words.append((GAP, GAP))
        words += group
    return words


def key_of(value: str | None) -> str:
    """Return the filter key of an author, section or tag: its folded words, space-joined."""
    return _key(value or "")


@lru_cache(maxsize=1 << 14)  # authors, sections and tags recur from article to article
def _key(value: str) -> str:
    return " ".join(tokens(value))


def _keys(document: SearchDocument) -> dict[str, str]:
    tag_keys = [key_of(tag) for tag in document.tags]
    return {
        "author_key": key_of(document.author),
        "section_key": key_of(document.section),
        "tag_keys": "|" + "".join(f"{key}|" for key in tag_keys if key),
    }


def tsvector_literal(words: Words, fields: Sequence[str] = FIELDS) -> str:
    """Return a PostgreSQL ``tsvector`` literal holding ``words`` with weights and positions.

    ``fields`` names the columns of ``words`` to take, in the order of ``FIELDS`` (the
    folded ones by default, or ``EXACT_FIELDS``).
    """
    # word -> its position marks ("12A"), words in order of first appearance; the marks
    # are cut from a table rather than formatted word by word.
    positions: defaultdict[str, list[str]] = defaultdict(list)
    position = 1
    for field, name in zip(FIELDS, fields, strict=True):
        found = words[name]
        marks = _position_marks(PG_WEIGHTS[field], position, len(found))
        for word, mark in zip(found, marks, strict=True):
            if word != GAP:
                positions[word].append(mark)
        position += len(found) + 1  # and the gap between fields
    quoted = map(_quote, positions)
    return " ".join(map(":".join, zip(quoted, map(",".join, positions.values()), strict=True)))


# Position marks ("1A", "2A", …) per weight, index = position, up to PG_MAX_POSITION: built
# as far as a document needs, replaced (never changed in place) when one needs more.
_MARK_TABLES: dict[str, list[str]] = {weight: [""] for weight in PG_WEIGHTS.values()}
_MARK_TABLES_LOCK = threading.Lock()


def _position_marks(weight: str, start: int, count: int) -> list[str]:
    """The marks of ``count`` positions from ``start`` on, clamped to PG_MAX_POSITION."""
    end = min(start + count, PG_MAX_POSITION + 1)  # past the last position that is no clamp
    table = _MARK_TABLES[weight]
    if len(table) < end:
        with _MARK_TABLES_LOCK:
            table = _MARK_TABLES[weight]
            if len(table) < end:
                stop = min(max(end, 2 * len(table)), PG_MAX_POSITION + 1)
                table = table + [f"{p}{weight}" for p in range(len(table), stop)]
                _MARK_TABLES[weight] = table
    marks = table[start:end]
    if len(marks) < count:  # positions past PG_MAX_POSITION: PostgreSQL clamps them
        marks += [f"{PG_MAX_POSITION}{weight}"] * (count - len(marks))
    return marks


@lru_cache(maxsize=1 << 16)
def _quote(word: str) -> str:
    # Words are letters and digits only, but quote as the tsvector syntax requires anyway.
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


# --- writing -----------------------------------------------------------------------------


def index_article(connection: Connection, article_pk: int, article: Article) -> None:
    """Write (or replace) the search row of one article, in the caller's transaction."""
    index_documents(connection, [(article_pk, SearchDocument.of(article))])


def index_documents(connection: Connection, documents: Iterable[tuple[int, SearchDocument]]) -> int:
    """Write (or replace) the search rows of ``(article_pk, document)`` pairs, in batches.

    Returns how many were written. Runs in the caller's transaction.
    """
    write = _write_sqlite if connection.dialect.name == "sqlite" else _write_postgresql
    count = 0
    batch: list[tuple[int, SearchDocument]] = []
    for item in documents:
        batch.append(item)
        if len(batch) >= BATCH:
            count += write(connection, batch)
            batch = []
    if batch:
        count += write(connection, batch)
    return count


def sqlite_exact_word(folded: str, exact: str) -> str:
    """Return how the SQLite index writes an exact word: marked when it is its own folded
    form (no diacritics), so that it never shares a list of documents with a folded word."""
    return EXACT_MARK + exact if exact == folded and exact != GAP else exact


def sqlite_texts(words: Words) -> dict[str, str]:
    """Return the text of each FTS5 column for ``words`` (see ``field_words``), the exact
    columns written with ``sqlite_exact_word``."""
    texts = {}
    for column in FTS_COLUMNS:
        if column in EXACT_FIELDS:
            folded = words[column.removesuffix("_exact")]
            texts[column] = " ".join(map(sqlite_exact_word, folded, words[column]))
        else:
            texts[column] = " ".join(words[column])
    return texts


class _SqliteExactWords(dict[tuple[str, str], str]):
    """``sqlite_exact_word`` of ``(folded, exact)`` pairs, remembered (at most
    ``_SQLITE_EXACT_SIZE``: emptied when full): looking a pair up is a step in C, where
    calling the function is one in Python for every word of every article."""

    def __missing__(self, pair: tuple[str, str]) -> str:
        if len(self) >= _SQLITE_EXACT_SIZE:
            self.clear()
        word = self[pair] = sqlite_exact_word(*pair)
        return word


_SQLITE_EXACT_SIZE = 1 << 15
_sqlite_exact = _SqliteExactWords()


def document_sqlite_texts(document: SearchDocument) -> dict[str, str]:
    """Return ``sqlite_texts(field_words(document))``, without lists of words per field
    on the way (a body has hundreds)."""
    pairs = _field_pairs(document)
    folded = {field: list(map(_FOLDED, found)) for field, found in pairs.items()}
    words = _key_words(folded, document)
    exact = _sqlite_exact.__getitem__
    texts = {}
    for column in FTS_COLUMNS:
        if column in EXACT_FIELDS:
            texts[column] = " ".join(map(exact, pairs[column.removesuffix("_exact")]))
        else:
            texts[column] = " ".join(folded[column] if column in folded else words[column])
    return texts


def _sqlite_row(article_pk: int, document: SearchDocument) -> dict[str, Any]:
    return {
        "pk": article_pk,
        "rowid": search_rowid(document.published_at, article_pk),
        **document_sqlite_texts(document),
    }


_FTS_LIST = ", ".join(FTS_COLUMNS)
_VALUES = ", ".join(":" + c for c in FTS_COLUMNS)


# The SQLite statements of an indexed batch go to the driver as they are (sqlite3 binds
# ":name" from each row's dict): their values are plain text and integers, which
# SQLAlchemy would hand over unchanged, after a step in Python per row and column.
_SQLITE_INSERT_DOC = (
    f"INSERT INTO article_search_doc (search_rowid, article_pk, {_FTS_LIST}) "
    f"VALUES (:rowid, :pk, {_VALUES})"
)
_SQLITE_INSERT_FTS = f"INSERT INTO article_search (rowid, {_FTS_LIST}) VALUES (:rowid, {_VALUES})"
_SET_SEARCH_ROWID = "UPDATE articles SET search_rowid = :rowid WHERE id = :pk"


def _write_sqlite(connection: Connection, batch: list[tuple[int, SearchDocument]]) -> int:
    rows = [_sqlite_row(pk, document) for pk, document in batch]
    delete_sqlite_index(connection, [row["pk"] for row in rows])
    connection.exec_driver_sql(_SQLITE_INSERT_DOC, rows)
    connection.exec_driver_sql(_SQLITE_INSERT_FTS, rows)
    _set_search_rowids(connection, rows)
    return len(rows)


def _set_search_rowids(connection: Connection, rows: list[dict[str, Any]]) -> None:
    values = [{"rowid": row["rowid"], "pk": row["pk"]} for row in rows]
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(_SET_SEARCH_ROWID, values)
    else:
        connection.execute(text(_SET_SEARCH_ROWID), values)


def delete_sqlite_index(connection: Connection, article_pks: Sequence[int]) -> None:
    """Remove these articles from the SQLite index (FTS5 is told the words it indexed)."""
    if not article_pks:
        return
    # One look first: a brand-new article (most of a crawl) has nothing to delete.
    indexed = [
        pk
        for (pk,) in connection.execute(
            text("SELECT article_pk FROM article_search_doc WHERE article_pk IN :pks").bindparams(
                bindparam("pks", expanding=True)
            ),
            {"pks": list(article_pks)},
        )
    ]
    for pk in indexed:
        connection.execute(
            text(
                f"INSERT INTO article_search (article_search, rowid, {_FTS_LIST}) "
                f"SELECT 'delete', search_rowid, {_FTS_LIST} FROM article_search_doc "
                "WHERE article_pk = :pk"
            ),
            {"pk": pk},
        )
        connection.execute(
            text("DELETE FROM article_search_doc WHERE article_pk = :pk"), {"pk": pk}
        )


def _write_postgresql(connection: Connection, batch: list[tuple[int, SearchDocument]]) -> int:
    rows = []
    for pk, document in batch:
        words = field_words(document)
        rows.append(
            {
                "pk": pk,
                "rowid": search_rowid(document.published_at, pk),
                "document": tsvector_literal(words),
                "exact": tsvector_literal(words, EXACT_FIELDS),
                **_keys(document),
            }
        )
    connection.execute(
        text(
            "INSERT INTO article_search "
            "(article_pk, document, exact, author_key, section_key, tag_keys) "
            "VALUES (:pk, CAST(:document AS tsvector), CAST(:exact AS tsvector), "
            ":author_key, :section_key, :tag_keys) "
            "ON CONFLICT (article_pk) DO UPDATE SET document = EXCLUDED.document, "
            "exact = EXCLUDED.exact, author_key = EXCLUDED.author_key, "
            "section_key = EXCLUDED.section_key, tag_keys = EXCLUDED.tag_keys"
        ),
        rows,
    )
    _set_search_rowids(connection, rows)
    return len(rows)


# --- maintenance -------------------------------------------------------------------------


def optimize_index(connection: Connection) -> None:
    """Merge the index for fast queries; runs in the caller's transaction.

    SQLite: FTS5 ``optimize`` merges every segment into one (articles indexed a group at
    a time leave many, and each query term is looked up in every segment); it rewrites the
    whole index, about a minute per few GB. PostgreSQL: fresh planner statistics (the GIN
    index needs no merging).
    """
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO article_search (article_search) VALUES ('optimize')"))
    else:
        connection.execute(text("ANALYZE article_search"))
        connection.execute(text("ANALYZE articles"))


# --- rebuilding --------------------------------------------------------------------------


def rebuild_index(connection: Connection) -> int:
    """Re-index every archived article from the ``articles`` table; return how many.

    Used by the migration that introduced this index layout, and after any change to
    folding. Runs in the caller's transaction.
    """
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("INSERT INTO article_search (article_search) VALUES ('delete-all')")
        )
        connection.execute(text("DELETE FROM article_search_doc"))
    else:
        connection.execute(text("DELETE FROM article_search"))
    return index_documents(connection, _stored_documents(connection))


def _stored_documents(connection: Connection) -> Iterator[tuple[int, SearchDocument]]:
    # Page by id rather than stream: the same connection writes the index meanwhile.
    last = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT id, title, lead, body_text, tags, author, section, published_at, "
                "EXISTS (SELECT 1 FROM images i WHERE i.article_pk = articles.id) "
                "FROM articles WHERE id > :last ORDER BY id LIMIT :batch"
            ).columns(published_at=UTCDateTime()),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        for pk, title, lead, body, tags, author, section, published, images in rows:
            tag_list = _tag_list(tags)
            document = SearchDocument(
                title, lead, body, tag_list, author, section, published, bool(images)
            )
            yield pk, document
        last = rows[-1][0]


def _tag_list(value: Any) -> list[str]:
    if isinstance(value, str):  # a raw query hands SQLite's JSON back as text
        value = json.loads(value)
    return [str(tag) for tag in value or []]
