"""What the search page shows before any search: the filters' choices, the newest articles.

The searching and filtering itself is ``storage.search`` (``SearchFilters``); this fills
the section list and the author and tag suggestions of the form, sorted as a reader
expects, and pages through the whole archive, newest first, when nothing is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, text

from storage import Store, fold
from storage.engine import database_errors
from storage.models import ArticleRow
from storage.store import published_order

__all__ = ["Choices", "choices", "listed_ids"]


@dataclass(frozen=True, slots=True)
class Choices:
    """The distinct sections, authors and tags of the archive, sorted (for the filters)."""

    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


_DISTINCT_TAGS = {
    "sqlite": "SELECT DISTINCT t.value FROM articles, json_each(articles.tags) AS t",
    "postgresql": "SELECT DISTINCT json_array_elements_text(tags) FROM articles",
}


def choices(store: Store) -> Choices:
    """Return the distinct sections, authors and tags the archive holds.

    Raises ``StoreError`` if the database refuses.
    """
    a = ArticleRow.__table__
    with database_errors(store.engine.url, "listing filters"), store.engine.connect() as conn:
        sections = conn.execute(select(a.c.section).distinct()).scalars().all()
        authors = conn.execute(select(a.c.author).distinct()).scalars().all()
        tags = conn.execute(text(_DISTINCT_TAGS[store.dialect])).scalars().all()
    return Choices(sections=_sorted(sections), authors=_sorted(authors), tags=_sorted(tags))


def _sorted(values: Sequence[str | None]) -> list[str]:
    return sorted({value for value in values if value}, key=lambda value: (fold(value), value))


def listed_ids(store: Store, *, limit: int, offset: int, oldest: bool = False) -> list[str]:
    """Return the site ids of ``limit`` articles from ``offset``, newest published first
    (``oldest``: oldest first; undated last), the order of ``Store.iter_articles``.
    Raises ``StoreError``."""
    a = ArticleRow.__table__
    query = select(a.c.article_id).order_by(*published_order(a, oldest)).limit(limit).offset(offset)
    with database_errors(store.engine.url, "listing articles"), store.engine.connect() as conn:
        return list(conn.execute(query).scalars())
