"""Search index with exact and folded words, filter keys, and Datasette-visible FTS.

SQLite: ``article_search`` becomes an FTS5 table over eight columns (title, lead, body, tags,
folded and exact) declared with ``content="articles"`` so Datasette offers full-text search
on ``articles``; the indexed words live in ``article_search_doc`` with the filter keys.
PostgreSQL: ``article_search`` gains an ``exact`` tsvector (GIN) and the filter keys.
Articles are re-indexed by revision 0007 (the layout today's indexer writes).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KEYS = ("author_key", "section_key", "tag_keys")
_FTS_COLUMNS = "title, lead, body, tags, title_exact, lead_exact, body_exact, tags_exact"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()
    # No re-indexing here: the indexer of today writes the layout of the newest revision,
    # and revision 0007, which every upgrade from here goes through, re-indexes.


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER article_search_article_deleted")
        op.drop_table("article_search")
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "title, lead, body, tags, tokenize = 'ascii')"
        )
        # Revision 0001 indexed the folded words only: they are still at hand.
        op.execute(
            "INSERT INTO article_search (rowid, title, lead, body, tags) "
            "SELECT article_pk, title, lead, body, tags FROM article_search_doc"
        )
        op.drop_table("article_search_doc")
    else:
        op.drop_index("ix_article_search_exact", "article_search")
        op.drop_column("article_search", "exact")
        for key in _KEYS:
            op.drop_column("article_search", key)


def _upgrade_sqlite() -> None:
    op.drop_table("article_search")
    op.create_table(
        "article_search_doc",
        sa.Column(
            "article_pk",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *(sa.Column(name, sa.Text(), nullable=False) for name in _FTS_COLUMNS.split(", ")),
        *(sa.Column(name, sa.Text(), nullable=False) for name in _KEYS),
        sa.PrimaryKeyConstraint("article_pk", name="pk_article_search_doc"),
    )
    # Words pre-split by storage.fold, so the tokenizer only splits on our spaces; it is
    # unicode61 without removing diacritics because Datasette hands it what users type:
    # it lower-cases "Đảng" to the "đảng" of the exact columns (ascii would not).
    # content="articles" (double quotes: Datasette's detection looks for exactly that)
    # with rowid = articles.id; FTS5 never reads articles because we never ask it for a
    # column value, only rowids and bm25.
    op.execute(
        f"CREATE VIRTUAL TABLE article_search USING fts5({_FTS_COLUMNS}, "
        'tokenize = \'unicode61 remove_diacritics 0\', content="articles", content_rowid="id")'
    )
    # An article deleted by hand (sqlite3, Datasette) leaves the index with it.
    op.execute(
        "CREATE TRIGGER article_search_article_deleted BEFORE DELETE ON articles BEGIN "
        f"INSERT INTO article_search (article_search, rowid, {_FTS_COLUMNS}) "
        f"SELECT 'delete', article_pk, {_FTS_COLUMNS} FROM article_search_doc "
        "WHERE article_pk = old.id; "
        "END"
    )


def _upgrade_postgresql() -> None:
    op.add_column(
        "article_search",
        sa.Column("exact", postgresql.TSVECTOR(), nullable=False, server_default=""),
    )
    for key in _KEYS:
        op.add_column(
            "article_search", sa.Column(key, sa.Text(), nullable=False, server_default="")
        )
    op.create_index("ix_article_search_exact", "article_search", ["exact"], postgresql_using="gin")
