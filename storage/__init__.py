"""Everything that knows SQL: the archive store, search and export.

The same code serves an SQLite file and a PostgreSQL server; the database URL decides::

    from storage import Store, search, export_jsonl

    with Store.open("sqlite:///archive.db") as store:
        store.save_article(article, raw_page)
        results = search(store, "dân vận khéo")
"""

from .engine import make_engine
from .export import EXPORT_KEYS, export_csv, export_jsonl
from .fold import fold
from .migrate import current_revision, head_revision, upgrade
from .search import (
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
    mark_html,
    matching_ids,
    search,
)
from .store import ArchivedArticle, ArticleToSave, SaveOutcome, Store

__all__ = [
    "EXPORT_KEYS",
    "ArchivedArticle",
    "ArticleToSave",
    "SaveOutcome",
    "SearchFilters",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "Store",
    "current_revision",
    "export_csv",
    "export_jsonl",
    "fold",
    "head_revision",
    "make_engine",
    "mark_html",
    "matching_ids",
    "search",
    "upgrade",
]
