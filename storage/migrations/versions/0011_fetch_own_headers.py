"""Each fetch keeps where it ended and its own headers, not only its raw page's.

Raw pages are stored once per body, with the URL and headers of the fetch that stored
them; a later fetch of the same bytes (a re-check answered in full, a page reached by
another URL) took those as its own, and the WARC export replayed the first fetch's
``Date`` and ``ETag`` under a later ``WARC-Date``. Two nullable columns on ``fetch_log``:
``final_url`` (set when redirects led elsewhere) and ``headers`` (set when the raw page
row holds another fetch's). Rows written before: a fetch at the URL its raw page row was
stored from takes that row's final URL; the rest stay NULL (nothing else was kept).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fetch_log") as batch:
        batch.add_column(sa.Column("final_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE fetch_log SET final_url = ("
        "SELECT raw_pages.final_url FROM raw_pages WHERE raw_pages.id = fetch_log.raw_page_id)"
        " WHERE EXISTS (SELECT 1 FROM raw_pages WHERE raw_pages.id = fetch_log.raw_page_id"
        " AND raw_pages.url = fetch_log.url AND raw_pages.final_url <> raw_pages.url)"
    )


def downgrade() -> None:
    with op.batch_alter_table("fetch_log") as batch:
        batch.drop_column("headers")
        batch.drop_column("final_url")
