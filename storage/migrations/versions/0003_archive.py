"""Archive: downloaded image files (local path, checksum, size, dimensions, content type).

Raw pages need no change: their ``compression`` column already names the codec of each
row, so zstandard rows and the zlib rows of revision 0001 live side by side.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Copied here on purpose: a migration must not change when storage.models does.
_IMAGE_COLUMNS = (
    ("local_path", sa.Text()),
    ("sha256", sa.String(64)),
    ("size", sa.Integer()),
    ("width", sa.Integer()),
    ("height", sa.Integer()),
    ("content_type", sa.String(100)),
    ("downloaded_at", sa.DateTime(timezone=True)),
    ("download_error", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:
        for name, type_ in _IMAGE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_index("ix_images_url", "images", ["url"])


def downgrade() -> None:
    op.drop_index("ix_images_url", table_name="images")
    with op.batch_alter_table("images") as batch:
        for name, _ in reversed(_IMAGE_COLUMNS):
            batch.drop_column(name)
