"""The archive's tables as SQLAlchemy 2 typed declarative models.

The migrations in ``storage/migrations`` create these tables (never ``create_all``);
``tests/test_migrations.py`` checks that models and migrations agree. The search table
differs per database (an FTS5 virtual table on SQLite, a ``tsvector`` table on PostgreSQL)
and is therefore not a model: ``storage.index`` writes it, ``storage.search`` reads it.

Every timestamp is a ``UTCDateTime``: stored in UTC, returned timezone-aware on both
databases (SQLite keeps no offset, so one is attached on read).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base",
    "UTCDateTime",
    "ArticleRow",
    "RevisionRow",
    "ImageRow",
    "RelatedLinkRow",
    "RawPageRow",
    "FetchLogRow",
    "ParseFailureRow",
    "CrawlRunRow",
    "CrawlLockRow",
    "ScheduledJobRow",
    "FrontierRow",
    "SEARCH_TABLE",
]

SEARCH_TABLE = "article_search"

# Named constraints, so that migrations on SQLite (batch mode) and PostgreSQL agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-numbers an INTEGER PRIMARY KEY; BIGINT there would stay NULL.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    Binding a naive datetime raises ``ValueError``: the archive never guesses a zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} (the archive stores UTC)")
        value = value.astimezone(UTC)
        # SQLite stores text without an offset: strip it so every row is plain UTC and
        # text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the archive's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class ArticleRow(Base):
    """The current version of one article (``article_id`` is the site's id)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_raw: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None]
    updated_raw: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    section_slug: Mapped[str | None] = mapped_column(String(200), index=True)
    tags: Mapped[list[Any]]
    # body_text is what export and SQL users read; body_paragraphs keeps the exact
    # paragraph split (a paragraph may itself hold a blank line).
    body_text: Mapped[str] = mapped_column(Text)
    body_paragraphs: Mapped[list[Any]]
    body_html: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(40))
    sources: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]]
    parser_version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_fetched_at: Mapped[datetime]
    last_changed_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    # The article's rowid in the search index (storage.index.search_rowid: publication
    # time, then primary key), written by the indexer; Datasette searches through it.
    search_rowid: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)

    images: Mapped[list[ImageRow]] = relationship(
        order_by="(ImageRow.position, ImageRow.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    related_links: Mapped[list[RelatedLinkRow]] = relationship(
        order_by="RelatedLinkRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class RevisionRow(Base):
    """One distinct content version of an article, numbered from 1, with a snapshot."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_pk", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime]
    parser_version: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]]


class ImageRow(Base):
    """An image of the current version of an article, in reading order."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_pk: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text, index=True)
    caption: Mapped[str | None] = mapped_column(Text)
    alt: Mapped[str | None] = mapped_column(Text)
    # The downloaded file (``archive_images = true``): its path under the images folder,
    # named by its sha256; what is unknown or failed stays NULL, with the reason.
    local_path: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    downloaded_at: Mapped[datetime | None]
    download_error: Mapped[str | None] = mapped_column(Text)
    # Failed downloads so far, and from when a crawl may try again: NULL when it never
    # failed, or failed for good (gone, not an image, too large). Revision 0010.
    download_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    retry_at: Mapped[datetime | None]


class RelatedLinkRow(Base):
    """A related link of the current version of an article ("Đọc thêm" or inline box)."""

    __tablename__ = "related_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_pk: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    # The linked article's site id, so "what links here" is one indexed query.
    target_article_id: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))


class RawPageRow(Base):
    """One distinct HTTP body as fetched, stored once per sha256.

    ``compression`` names the codec of ``body``: ``zstd`` for new rows, ``zlib`` for rows
    written before revision 0003 (see ``storage.rawcodec``); ``size`` is the original length.
    """

    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    compression: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime]


class CrawlRunRow(Base):
    """One crawl run: when it started and finished, its exit code and report."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    exit_code: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any] | None]


class FetchLogRow(Base):
    """Every fetch, even of bytes already stored: the archive's "when did we look".

    ``final_url`` is NULL when the fetch was not redirected; ``headers`` is NULL when the
    fetch's raw page row holds them (it stored those bytes first) or no body was kept.
    Rows older than revision 0011 have neither: their raw page row is all there is."""

    __tablename__ = "fetch_log"
    __table_args__ = (Index(None, "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    raw_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_pages.id", ondelete="SET NULL"), index=True
    )
    fetched_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    )
    # Where the fetch ended when redirects led elsewhere (NULL: at ``url``), and its own
    # response headers when the raw page row holds another fetch's (same bytes fetched
    # again: the body is stored once, each fetch's Date, ETag, … are its own).
    final_url: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ParseFailureRow(Base):
    """A URL that could not be fetched or parsed, with the reason and the raw page kept."""

    __tablename__ = "parse_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    raw_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_pages.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    )


class CrawlLockRow(Base):
    """The lease of the crawl running on this archive (``storage.lock``): one row per lock.

    A holder renews ``expires_at`` by its heartbeat; once that time has passed, the holder
    is taken for dead and another crawl may take the lock over.
    """

    __tablename__ = "crawl_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(36))
    host: Mapped[str] = mapped_column(Text)
    pid: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(Text)
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ScheduledJobRow(Base):
    """A job of ``baohatinh schedule``, as APScheduler 3's ``SQLAlchemyJobStore`` keeps it.

    The columns are the ones that class declares; ``next_run_time`` is a UTC POSIX
    timestamp and ``job_state`` APScheduler's pickled job (read by ``storage.jobs``).
    """

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class FrontierRow(Base):
    """One URL the crawler must visit (a listing page or an article), surviving a kill.

    ``key`` is ``a:<article id>`` for an article (one row whichever URL led to it) and
    ``l:<url>`` for a listing, feed or sitemap. ``state`` is ``pending``, ``done``,
    ``failed`` (retried from ``next_attempt_at`` on), ``skipped`` (out of section, not an
    article, disallowed) or ``removed``. ``depth`` is the "Đọc thêm" link depth of an
    article and the page number of a load-more page. ``section_slug`` is the configured
    section whose listing named it, or None when membership must be read from the page.
    """

    __tablename__ = "frontier"
    # (state, priority, id): what is due, read in the order it is visited (revision 0009).
    __table_args__ = (
        Index(None, "state", "next_attempt_at"),
        Index(None, "state", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    section_slug: Mapped[str | None] = mapped_column(String(200))
    depth: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]
