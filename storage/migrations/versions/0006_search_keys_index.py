"""Search filter keys readable without the indexed words (SQLite).

``article_search_doc`` stores each article's filter keys after its indexed words (title,
lead, body and tags, folded and exact), so reading a key meant walking the row's overflow
pages, once per matching article. A covering index on ``(article_pk, section_key,
author_key, tag_keys)`` lets a filtered search read the keys from the index alone;
``storage.search`` names it in its SQLite joins. Creating the index covers every row
already archived. PostgreSQL keeps its keys in ``article_search`` beside small tsvectors
and needs nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "ix_article_search_doc_keys"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            INDEX, "article_search_doc", ["article_pk", "section_key", "author_key", "tag_keys"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, "article_search_doc")
