"""Writing the search index: folded words of title, lead, body and tags, per article.

Both databases receive the words that ``storage.fold.tokens`` produced, never raw text,
so that SQLite and PostgreSQL match exactly the same articles:

* SQLite: the FTS5 table ``article_search(title, lead, body, tags)`` with
  ``rowid = articles.id``; its ``ascii`` tokenizer splits on the spaces we put in.
* PostgreSQL: ``article_search(article_pk, document tsvector)``; the ``tsvector`` is
  written as a literal (``'word':1A,7A ...``) built here, with weights title A, lead B,
  tags C, body D, and one unused position between fields so a phrase cannot span two.
  (``to_tsvector`` would re-split the words with PostgreSQL's own parser, which reads
  ``2019-2024`` differently, and ``||`` leaves no gap between fields.)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from scraper.records import Article

from .fold import tokens

__all__ = ["FIELDS", "GAP", "PG_WEIGHTS", "index_article", "field_words", "tsvector_literal"]

# Field order is the FTS5 column order (bm25 weights in storage.search follow it).
FIELDS = ("title", "lead", "body", "tags")
PG_WEIGHTS = {"title": "A", "lead": "B", "body": "D", "tags": "C"}
# PostgreSQL clamps positions to this; we do the same, so the literal is what it stores.
PG_MAX_POSITION = 16383
# Stands between two tags so that a phrase cannot run from one tag into the next. FTS5's
# ascii tokenizer reads it as a word (non-ASCII is word material there) that no query can
# contain (queries hold letters and digits only); on PostgreSQL it is an unused position.
GAP = "\u00b7"


def field_words(article: Article) -> dict[str, list[str]]:
    """Return the folded words of each indexed field of ``article``."""
    return {
        "title": tokens(article.title),
        "lead": tokens(article.lead or ""),
        "body": tokens(article.body_text),
        "tags": _with_gaps([tokens(tag) for tag in article.tags]),
    }


def _with_gaps(groups: list[list[str]]) -> list[str]:
    words: list[str] = []
    for group in groups:
        if words and group:
            words.append(GAP)
        words += group
    return words


def tsvector_literal(words: dict[str, list[str]]) -> str:
    """Return a PostgreSQL ``tsvector`` literal holding ``words`` with weights and positions."""
    positions: dict[str, list[str]] = {}
    position = 1
    for field in FIELDS:
        weight = PG_WEIGHTS[field]
        for word in words[field]:
            if word != GAP:
                mark = f"{min(position, PG_MAX_POSITION)}{weight}"
                positions.setdefault(word, []).append(mark)
            position += 1
        position += 1  # the gap between fields
    return " ".join(f"{_quote(word)}:{','.join(marks)}" for word, marks in positions.items())


def _quote(word: str) -> str:
    # Words are letters and digits only, but quote as the tsvector syntax requires anyway.
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def index_article(connection: Connection, article_pk: int, article: Article) -> None:
    """Write (or replace) the search row of one article, in the caller's transaction."""
    words = field_words(article)
    if connection.dialect.name == "sqlite":
        _index_sqlite(connection, article_pk, words)
    else:
        _index_postgresql(connection, article_pk, words)


def _index_sqlite(connection: Connection, article_pk: int, words: dict[str, list[str]]) -> None:
    connection.execute(text("DELETE FROM article_search WHERE rowid = :pk"), {"pk": article_pk})
    values = {field: _joined(words[field]) for field in FIELDS}
    connection.execute(
        text(
            "INSERT INTO article_search (rowid, title, lead, body, tags) "
            "VALUES (:pk, :title, :lead, :body, :tags)"
        ),
        {"pk": article_pk, **values},
    )


def _joined(words: Sequence[str]) -> str:
    return " ".join(words)


def _index_postgresql(connection: Connection, article_pk: int, words: dict[str, list[str]]) -> None:
    connection.execute(
        text(
            "INSERT INTO article_search (article_pk, document) "
            "VALUES (:pk, CAST(:document AS tsvector)) "
            "ON CONFLICT (article_pk) DO UPDATE SET document = EXCLUDED.document"
        ),
        {"pk": article_pk, "document": tsvector_literal(words)},
    )
