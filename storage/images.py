"""Image files of archived articles: which still need downloading, and what was saved.

The download itself is ``scraper.images``; this module only reads and writes the
``images`` rows (local path, checksum, size, dimensions, content type, or the reason a
download failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_, select, update

from scraper.records import ImageFile

from .models import ArticleRow, ImageRow
from .store import Store

__all__ = [
    "PendingImage",
    "articles_with_images_due",
    "known_image_file",
    "pending_images",
    "record_image",
]


@dataclass(frozen=True, slots=True)
class PendingImage:
    """An image row of an archived article that has no downloaded file yet, and how many
    times its download failed."""

    image_id: int
    url: str
    attempts: int = 0


def _due(now: datetime | None) -> ColumnElement[bool]:
    """Images to try now: no file, and never tried or failed with their retry time come
    (a failure for good has no retry time)."""
    when = now or datetime.now(UTC)
    return ImageRow.local_path.is_(None) & or_(
        ImageRow.download_error.is_(None), ImageRow.retry_at <= when
    )


def pending_images(
    store: Store, article_id: str, now: datetime | None = None
) -> list[PendingImage]:
    """Return the images of article ``article_id`` to try downloading at ``now`` (default:
    the present), in reading order: no file yet, and never tried, or failed with their
    retry time come.

    Raises ``StoreError`` if the database refuses.
    """
    query = (
        select(ImageRow.id, ImageRow.url, ImageRow.download_attempts)
        .join(ArticleRow, ArticleRow.id == ImageRow.article_pk)
        .where(ArticleRow.article_id == article_id, _due(now))
        .order_by(ImageRow.position, ImageRow.id)
    )
    with store.read_session(f"listing images of article {article_id}") as session:
        return [PendingImage(*row) for row in session.execute(query)]


def articles_with_images_due(
    store: Store, now: datetime | None = None, limit: int | None = None
) -> list[str]:
    """Return the ids of the archived articles (the first ``limit``) with an image to try
    at ``now`` (default: the present), oldest article first: never tried (stored while
    ``archive_images`` was off, or left by a crawl that stopped), or failed with its
    retry time come.

    Raises ``StoreError`` if the database refuses.
    """
    query = (
        select(ArticleRow.article_id)
        .join(ImageRow, ImageRow.article_pk == ArticleRow.id)
        .where(_due(now))
        .group_by(ArticleRow.id, ArticleRow.article_id)
        .order_by(ArticleRow.id)
        .limit(limit)
    )
    with store.read_session("listing articles with images to download") as session:
        return list(session.scalars(query))


def known_image_file(store: Store, url: str) -> ImageFile | None:
    """Return the file already downloaded for image ``url`` (by any article), if any."""
    query = (
        select(ImageRow)
        .where(ImageRow.url == url, ImageRow.local_path.is_not(None))
        .order_by(ImageRow.downloaded_at.desc())
        .limit(1)
    )
    with store.read_session(f"looking up image {url}") as session:
        row = session.scalars(query).first()
        if row is None or row.sha256 is None or row.downloaded_at is None:
            return None
        return ImageFile(
            url=row.url,
            sha256=row.sha256,
            local_path=row.local_path or "",
            size=row.size or 0,
            content_type=row.content_type or "",
            width=row.width,
            height=row.height,
            downloaded_at=row.downloaded_at,
        )


def record_image(
    store: Store,
    image_id: int,
    file: ImageFile | None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the file downloaded for image row ``image_id``, or why it failed and from
    when a crawl may try again (``retry_at``; None: never, the failure is final).

    Raises ``StoreError`` if the database refuses.
    """
    values: dict[str, object]
    if file is None:
        values = {
            "download_error": error,
            "download_attempts": ImageRow.download_attempts + 1,
            "retry_at": retry_at,
        }
    else:
        values = {
            "local_path": file.local_path,
            "sha256": file.sha256,
            "size": file.size,
            "width": file.width,
            "height": file.height,
            "content_type": file.content_type,
            "downloaded_at": file.downloaded_at,
            "download_error": None,
            "retry_at": None,
        }
    with store.write_session(f"recording image {image_id}") as session:
        session.execute(update(ImageRow).where(ImageRow.id == image_id).values(**values))
