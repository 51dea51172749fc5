"""Search rowids in publication order, and the title words in a column of their own.

SQLite: ``article_search`` (FTS5) and ``article_search_doc`` are rebuilt with the
article's *search rowid* (``storage.index.search_rowid``: publication time, then primary
key) as their rowid, so that the newest matches are read first and a date range is a
rowid range, and with ``title_key`` (the title words, marked) so that a title match reads
titles only; the filters (section, author, tags, images) become tokens of the index too,
so the filter keys leave ``article_search_doc``. ``articles.search_rowid`` holds the same
number on both databases (unique).
Every archived article is re-indexed with today's code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.index import FTS_COLUMNS, KEY_COLUMNS, rebuild_index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEYS_INDEX = "ix_article_search_doc_keys"
ROWID_INDEX = "ix_articles_search_rowid"
_TRIGGER = "article_search_article_deleted"
_OLD_FTS = "title, lead, body, tags, title_exact, lead_exact, body_exact, tags_exact"


def upgrade() -> None:
    op.add_column("articles", sa.Column("search_rowid", sa.BigInteger(), nullable=True))
    op.create_index(ROWID_INDEX, "articles", ["search_rowid"], unique=True)
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_index()
        _create_sqlite_index()
    # Re-indexing uses the code that later queries the index (see revision 0004).
    rebuild_index(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_index()
        _create_0006_index()
    op.drop_index(ROWID_INDEX, "articles")
    op.drop_column("articles", "search_rowid")


def _drop_sqlite_index() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}")
    op.execute("DROP TABLE article_search")
    op.drop_table("article_search_doc")  # and its indexes


def _create_sqlite_index() -> None:
    op.create_table(
        "article_search_doc",
        # INTEGER PRIMARY KEY: the rowid itself, which FTS5 reads content by.
        sa.Column("search_rowid", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "article_pk",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        # No filter keys: the filters are facet tokens of the FTS index now.
        *(sa.Column(name, sa.Text(), nullable=False) for name in FTS_COLUMNS),
    )
    columns = ", ".join(FTS_COLUMNS)
    # Words pre-split by storage.fold; unicode61 without removing diacritics lower-cases
    # what Datasette hands it ("Đảng" → the "đảng" of the exact columns).
    op.execute(
        f"CREATE VIRTUAL TABLE article_search USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 0', "
        'content="article_search_doc", content_rowid="search_rowid")'
    )
    # An article deleted by hand (sqlite3, Datasette) leaves the index with it (its
    # article_search_doc row goes by the foreign key's cascade).
    op.execute(
        f"CREATE TRIGGER {_TRIGGER} BEFORE DELETE ON articles BEGIN "
        f"INSERT INTO article_search (article_search, rowid, {columns}) "
        f"SELECT 'delete', search_rowid, {columns} FROM article_search_doc "
        "WHERE article_pk = old.id; "
        "END"
    )


def _create_0006_index() -> None:
    """The layout of revisions 0004-0006, empty: `db upgrade` fills it again."""
    op.create_table(
        "article_search_doc",
        sa.Column(
            "article_pk",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *(sa.Column(name, sa.Text(), nullable=False) for name in _OLD_FTS.split(", ")),
        *(sa.Column(name, sa.Text(), nullable=False) for name in KEY_COLUMNS),
        sa.PrimaryKeyConstraint("article_pk", name="pk_article_search_doc"),
    )
    op.create_index(
        KEYS_INDEX, "article_search_doc", ["article_pk", "section_key", "author_key", "tag_keys"]
    )
    op.execute(
        f"CREATE VIRTUAL TABLE article_search USING fts5({_OLD_FTS}, "
        'tokenize = \'unicode61 remove_diacritics 0\', content="articles", content_rowid="id")'
    )
    op.execute(
        f"CREATE TRIGGER {_TRIGGER} BEFORE DELETE ON articles BEGIN "
        f"INSERT INTO article_search (article_search, rowid, {_OLD_FTS}) "
        f"SELECT 'delete', article_pk, {_OLD_FTS} FROM article_search_doc "
        "WHERE article_pk = old.id; "
        "END"
    )
