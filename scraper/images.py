"""Downloading the image files of archived articles (``[archive] archive_images = true``).

Each file is fetched with the crawl's ``Fetcher`` (allowed hosts, robots.txt, politeness),
refused past ``max_image_bytes`` or when it is not an image (Content-Type and the file's
own first bytes must agree), and stored once under ``images_dir`` by its sha256
(``ab/cd/<sha256>.jpg``), written to a temporary name and renamed, so a crash never
leaves half a file under a final name. An image already downloaded (same URL) is not
fetched again. A failed download is recorded with its reason and never fails the article;
a transient failure (timeout, dropped connection, 429, 5xx, a disk error) is tried again
by a later crawl after a delay that doubles each time (``crawl.retry_base_seconds``), a
final one (gone, not an image, too large, refused by robots.txt or the allowed hosts)
is not.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from storage.frontier import retry_delay

from .errors import BaohatinhError, FetchError, HTTPStatusError, ResponseTooLarge
from .fetch import STOP_REASONS, Fetcher
from .imageinfo import IMAGE_TYPES, sniff_image
from .records import Article, ImageFile, RawPage
from .settings import ArchiveSettings, Settings

log = logging.getLogger("baohatinh.images")

S = TypeVar("S")

# Articles whose due images one crawl downloads at most, besides those it saves: turning
# archive_images on for a large archive spreads the backlog over runs (at the default
# politeness, some 200 articles' images take a quarter of an hour) instead of holding the
# lock, and the scheduled crawls, for hours.
CATCH_UP_ARTICLES = 200
# Answers by which an image is gone for good, and failures that will not change: the
# file itself (not an image, too large), or a refusal by the crawler's own rules (robots.txt
# forbids it, a redirect off the allowed hosts, a URL that is not http(s) such as data:),
# which asking again meets the same way. "robots-unreachable" is not one: it may pass.
GONE_STATUSES = frozenset({404, 410})
FINAL_REASONS = frozenset(
    {"not-an-image", "image-too-large", "too-large", "robots", "host-not-allowed", "bad-url"}
)

__all__ = ["ImageArchiver", "ImageCounts", "ImageStore", "download_image", "with_image_archiving"]


class ImageStore(Protocol):
    """What image archiving needs of the store (``storage.Store`` provides it)."""

    def pending_images(self, article_id: str, now: datetime | None = None) -> list[Any]: ...

    def articles_with_images_due(
        self, now: datetime | None = None, limit: int | None = None
    ) -> list[str]: ...

    def known_image_file(self, url: str) -> ImageFile | None: ...

    def record_image(
        self,
        image_id: int,
        file: ImageFile | None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None: ...


@dataclass(slots=True)
class ImageCounts:
    """What happened to one article's images."""

    downloaded: int = 0
    reused: int = 0
    failed: int = 0

    def add(self, other: ImageCounts) -> None:
        """Count ``other``'s images too."""
        self.downloaded += other.downloaded
        self.reused += other.reused
        self.failed += other.failed


def download_image(url: str, fetcher: Fetcher, folder: Path, max_bytes: int) -> ImageFile:
    """Fetch image ``url`` and store it under ``folder`` by its sha256; return its record.

    Raises ``FetchError`` (reasons ``image-too-large``, ``not-an-image`` or the fetch's
    own) and ``OSError`` if the file cannot be written.
    """
    # The image's own cap, not the pages' (crawl.max_body_bytes): either may be larger.
    try:
        raw = fetcher.fetch(url, max_bytes=max_bytes)
    except ResponseTooLarge as exc:
        raise FetchError(
            url, f"image larger than max_image_bytes ({max_bytes})", reason="image-too-large"
        ) from exc
    content_type = _content_type(raw)
    info = sniff_image(raw.body)
    if content_type not in IMAGE_TYPES or info is None or IMAGE_TYPES[content_type] != info.kind:
        found = info.kind if info else "no known image format"
        raise FetchError(
            url, f"not an image (Content-Type {content_type or 'missing'!r}, bytes: {found})",
            reason="not-an-image",
        )
    digest = hashlib.sha256(raw.body).hexdigest()
    relative = Path(digest[:2], digest[2:4], digest + info.extension)
    _write_once(folder / relative, raw.body)
    return ImageFile(
        url=url,
        sha256=digest,
        local_path=relative.as_posix(),
        size=len(raw.body),
        content_type=content_type,
        width=info.width,
        height=info.height,
        downloaded_at=datetime.now(UTC),
    )


def _content_type(raw: RawPage) -> str:
    return raw.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` unless it is there already (same name, same bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)


class ImageArchiver:
    """Downloads the pending images of archived articles into one folder."""

    def __init__(
        self,
        settings: ArchiveSettings,
        fetcher: Fetcher,
        store: ImageStore,
        retry_base_seconds: float = 600.0,
    ) -> None:
        """Keep files under ``settings.images_dir`` using ``fetcher``; record in ``store``;
        a transient failure is tried again after ``retry_base_seconds``, doubling."""
        self.folder = Path(settings.images_dir).expanduser()
        self.max_bytes = settings.max_image_bytes
        self.retry_base_seconds = retry_base_seconds
        self._fetcher = fetcher
        self._store = store

    def archive(self, article_id: str, now: datetime | None = None) -> ImageCounts:
        """Download the images of ``article_id`` that have no file yet and are due at
        ``now`` (default: the present): never tried, or failed with their retry time come.
        Return the counts.

        Failures are recorded on the image rows and counted, never raised (except a
        ``StoreError`` while recording them). Once the fetcher is stopped, the images left
        are left as they were.
        """
        counts = ImageCounts()
        for pending in self._store.pending_images(article_id, now):
            file = self._store.known_image_file(pending.url)
            if file is not None and (self.folder / file.local_path).is_file():
                self._store.record_image(pending.image_id, file)
                counts.reused += 1
                continue
            try:
                file = download_image(pending.url, self._fetcher, self.folder, self.max_bytes)
            except (FetchError, OSError) as exc:
                if isinstance(exc, FetchError) and exc.reason in STOP_REASONS:
                    # The crawl is ending (a stop, its time limit): not a failure of the
                    # image, so nothing is recorded on its row, nor tried after it.
                    return counts
                log.warning("image %s not archived: %s", pending.url, exc)
                retry_at = None
                if _transient(exc):
                    wait = retry_delay(self.retry_base_seconds, pending.attempts + 1)
                    retry_at = datetime.now(UTC) + wait
                self._store.record_image(pending.image_id, None, str(exc), retry_at)
                counts.failed += 1
                continue
            self._store.record_image(pending.image_id, file)
            counts.downloaded += 1
        return counts


def _transient(error: Exception) -> bool:
    """Tell whether a failed download may succeed later (a later crawl tries again).

    Final: what the image itself says (gone: 404, 410; not an image; too large) and what
    the crawler's rules refuse (robots.txt forbids it, a redirect off the allowed hosts, a
    URL that is not http(s)); the article's next change asks again. Everything else may
    pass (a robots.txt or a CDN briefly down, a long Retry-After, a full disk), and the
    delay doubles up to a week.
    """
    if isinstance(error, HTTPStatusError):
        return error.status not in GONE_STATUSES
    if isinstance(error, FetchError):
        return error.reason not in FINAL_REASONS
    return True  # OSError: the disk (full, unwritable) may be mended


class _ImageArchivingWriter:
    """A store whose ``save_article`` and ``save_articles`` also download the saved
    articles' images afterwards."""

    def __init__(self, store: Any, archiver: ImageArchiver) -> None:
        self._store = store
        self._archiver = archiver
        self._saved = ImageCounts()  # the images of the articles saved through this store

    def save_article(self, article: Article, raw: RawPage, **options: Any) -> Any:
        outcome = self._store.save_article(article, raw, **options)
        self._saved.add(self._archive_images(article.article_id))
        return outcome

    def save_articles(self, items: Sequence[Any], **options: Any) -> Any:
        outcomes = self._store.save_articles(items, **options)
        for item in items:
            self._saved.add(self._archive_images(item.article.article_id))
        return outcomes

    def images_of_saved_articles(self) -> ImageCounts:
        """What happened to the images of the articles saved through this store so far
        (a crawl's report says it: a folder that cannot be written fails them all)."""
        return self._saved

    def archive_images_due(self, since: datetime, stopping: Callable[[], bool]) -> ImageCounts:
        """Download the images of archived articles due at ``since`` (the run's start: an
        image that failed in this run waits for a later one): never tried (stored while
        ``archive_images`` was off, or left by a crawl that stopped), or failed with their
        retry time come; at most ``CATCH_UP_ARTICLES`` articles' worth, until ``stopping``
        says so. Return the counts."""
        total = ImageCounts()
        for article_id in self._store.articles_with_images_due(since, CATCH_UP_ARTICLES):
            if stopping():
                break
            total.add(self._archive_images(article_id, since))
        return total

    def _archive_images(self, article_id: str, now: datetime | None = None) -> ImageCounts:
        try:
            return self._archiver.archive(article_id, now)
        except BaohatinhError as exc:  # the article is saved: images must not undo that
            log.warning("images of article %s not archived: %s", article_id, exc)
            return ImageCounts()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def with_image_archiving(store: S, settings: Settings, fetcher: Fetcher) -> S:
    """Return ``store``, made to download each saved article's images when
    ``settings.archive.archive_images`` is on (else ``store`` itself, unchanged)."""
    if not settings.archive.archive_images:
        return store
    # The wrapper passes every other attribute through, so it stands in for ``store``.
    archiver = ImageArchiver(settings.archive, fetcher, store, settings.crawl.retry_base_seconds)
    return cast(S, _ImageArchivingWriter(store, archiver))
