"""SQLite: the exact words without diacritics are marked in the search index.

In the exact columns of ``article_search``, a word that is its own folded form (``chi``,
``minh``) is written with ``storage.index.EXACT_MARK`` before it, so that the exact and the
folded forms of such a word have lists of documents of their own and no query needs a
column filter (see ``storage.index``). Every archived article is re-indexed with today's
code. PostgreSQL keeps its exact words in a column of their own: nothing changes there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.index import EXACT_FIELDS, EXACT_MARK, rebuild_index

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        rebuild_index(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The 0007 layout holds the same words unmarked; FTS5 then re-reads its content table.
    unmarked = ", ".join(f"{name} = replace({name}, :mark, '')" for name in EXACT_FIELDS)
    op.get_bind().execute(
        sa.text(f"UPDATE article_search_doc SET {unmarked}"), {"mark": EXACT_MARK}
    )
    op.execute("INSERT INTO article_search (article_search) VALUES ('rebuild')")
