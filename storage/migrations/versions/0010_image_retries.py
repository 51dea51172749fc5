"""Failed image downloads are tried again by later crawls, after a growing delay.

Two columns on ``images``: ``download_attempts`` (failed downloads so far) and
``retry_at`` (from when a crawl may try again; NULL when the image never failed, or
failed for good: gone, not an image, too large). Failures recorded before this revision
cannot be told transient from final: each is due once now, and its next failure says.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.add_column(
            sa.Column("download_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as plain UTC text, as storage.models does
    op.execute(
        sa.text(
            "UPDATE images SET download_attempts = 1, retry_at = :now"
            " WHERE download_error IS NOT NULL AND local_path IS NULL"
        ).bindparams(sa.bindparam("now", now, type_=sa.DateTime(timezone=True)))
    )


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("download_attempts")
