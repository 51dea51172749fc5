"""Scheduled crawls: the crawl lock (a lease) and APScheduler's persistent job store.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28

``crawl_lock`` holds at most one row per lock name: who holds the lease (host, pid, what
command), since when, and until when it stays valid unless its heartbeat renews it.
``apscheduler_jobs`` is the table APScheduler 3's ``SQLAlchemyJobStore`` reads and writes,
created here with exactly the columns that class declares, so that the migrations own
every table of the archive.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_lock",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("token", sa.String(36), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_crawl_lock"),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("crawl_lock")
