"""Initial archive schema: articles and their parts, raw pages, crawl runs, search index.

Revision ID: 0001
Revises:
Create Date: 2024-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Copied here on purpose: a migration must not change when storage.models does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _article_fk() -> sa.Column[Any]:
    return sa.Column(
        "article_pk",
        sa.Integer(),
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    _create_articles()
    _create_article_parts()
    _create_raw_pages_and_runs()
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_search()
    else:
        _create_postgresql_search()


def downgrade() -> None:
    op.drop_table("article_search")
    for table in ("parse_failures", "fetch_log", "crawl_runs", "raw_pages"):
        op.drop_table(table)
    for table in ("related_links", "images", "article_revisions", "articles"):
        op.drop_table(table)


def _create_articles() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text()),
        _ts("published_at", nullable=True),
        sa.Column("published_raw", sa.Text()),
        _ts("updated_at", nullable=True),
        sa.Column("updated_raw", sa.Text()),
        sa.Column("author", sa.Text()),
        sa.Column("section", sa.Text()),
        sa.Column("section_slug", sa.String(200)),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_paragraphs", sa.JSON(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _ts("first_seen_at"),
        _ts("last_fetched_at"),
        _ts("last_changed_at"),
        _ts("removed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("article_id", name="uq_articles_article_id"),
    )
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_index("ix_articles_section_slug", "articles", ["section_slug"])


def _create_article_parts() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk(),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _ts("seen_at"),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_revisions"),
        sa.UniqueConstraint(
            "article_pk", "revision", name="uq_article_revisions_article_pk_revision"
        ),
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("caption", sa.Text()),
        sa.Column("alt", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
    )
    op.create_index("ix_images_article_pk", "images", ["article_pk"])
    op.create_table(
        "related_links",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("target_article_id", sa.String(32)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text()),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_related_links"),
    )
    op.create_index("ix_related_links_article_pk", "related_links", ["article_pk"])
    op.create_index("ix_related_links_target_article_id", "related_links", ["target_article_id"])


def _raw_page_fk() -> sa.Column[Any]:
    return sa.Column(
        "raw_page_id", sa.Integer(), sa.ForeignKey("raw_pages.id", ondelete="SET NULL")
    )


def _run_fk() -> sa.Column[Any]:
    return sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"))


def _create_raw_pages_and_runs() -> None:
    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("compression", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _ts("fetched_at"),
        sa.PrimaryKeyConstraint("id", name="pk_raw_pages"),
        sa.UniqueConstraint("sha256", name="uq_raw_pages_sha256"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("exit_code", sa.Integer()),
        sa.Column("report", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_table(
        "fetch_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        _raw_page_fk(),
        _ts("fetched_at"),
        _run_fk(),
        sa.PrimaryKeyConstraint("id", name="pk_fetch_log"),
    )
    op.create_index("ix_fetch_log_url_fetched_at", "fetch_log", ["url", "fetched_at"])
    op.create_index("ix_fetch_log_raw_page_id", "fetch_log", ["raw_page_id"])
    op.create_index("ix_fetch_log_run_id", "fetch_log", ["run_id"])
    op.create_table(
        "parse_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        _raw_page_fk(),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("seen_at"),
        _run_fk(),
        sa.PrimaryKeyConstraint("id", name="pk_parse_failures"),
    )
    op.create_index("ix_parse_failures_url", "parse_failures", ["url"])
    op.create_index("ix_parse_failures_raw_page_id", "parse_failures", ["raw_page_id"])
    op.create_index("ix_parse_failures_run_id", "parse_failures", ["run_id"])


def _create_sqlite_search() -> None:
    # A normal (not contentless) FTS5 table keyed by rowid = articles.id, holding words
    # already folded and split by storage.fold; the 'ascii' tokenizer then splits on the
    # spaces only, exactly as the PostgreSQL side does.
    op.execute(
        "CREATE VIRTUAL TABLE article_search USING fts5("
        "title, lead, body, tags, tokenize = 'ascii')"
    )


def _create_postgresql_search() -> None:
    # One tsvector per article, built by storage.index from the same folded words as on
    # SQLite (weights: title A, lead B, tags C, body D; a gap between fields, so a phrase
    # never spans two of them).
    op.create_table(
        "article_search",
        sa.Column(
            "article_pk",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("article_pk", name="pk_article_search"),
    )
    op.create_index(
        "ix_article_search_document", "article_search", ["document"], postgresql_using="gin"
    )
