"""Image files: downloaded into a sha256-named folder, capped, checked, never fatal.

Downloads go to the sample site's image host (``localhost``) over real HTTP.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scraper import images as images_module
from scraper.crawl import fetch_policy, run_crawl
from scraper.demo import demo_settings
from scraper.errors import (
    ConfigError,
    FetchError,
    HostNotAllowed,
    HTTPStatusError,
    RobotsDisallowed,
)
from scraper.fetch import Fetcher, FetchPolicy
from scraper.imageinfo import sniff_image
from scraper.images import ImageArchiver, ImageCounts, download_image
from scraper.sample_site import SampleSiteServer
from scraper.sample_site.site import GIF_BYTES, JPEG_BYTES
from scraper.settings import ArchiveSettings, Settings, settings_from_dict
from storage import Store
from storage.models import ImageRow
from storage.stats import archive_stats
from tests.fixtures_db import make_article, make_raw
from tests.fixtures_http import FaultServer, Reply

SECTION = "xay-dung-dang"


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(
        ">I", zlib.crc32(b"IHDR" + ihdr)
    )


def webp_vp8x(width: int, height: int) -> bytes:
    chunk = b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(chunk)) + b"WEBPVP8X" + struct.pack(
        "<I", len(chunk)
    ) + chunk


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (JPEG_BYTES, "jpeg", (1, 1)),
        (GIF_BYTES, "gif", (1, 1)),
        (png(640, 427), "png", (640, 427)),
        (webp_vp8x(1200, 800), "webp", (1200, 800)),
    ],
)
def test_format_and_pixel_size_come_from_the_first_bytes(
    data: bytes, kind: str, size: tuple[int, int]
) -> None:
    info = sniff_image(data)
    assert info is not None and (info.kind, (info.width, info.height)) == (kind, size)


@pytest.mark.parametrize("data", [b"<html>404</html>", b"", b"\xff\xd8"])
def test_what_is_not_an_image_is_told_apart(data: bytes) -> None:
    info = sniff_image(data)
    assert info is None or (info.width, info.height) == (None, None)


IMAGE = "https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg"


def settings_for(server: SampleSiteServer, database_url: str, **archive: object) -> Settings:
    base = replace(Settings(), archive=ArchiveSettings(**archive))  # type: ignore[arg-type]
    return demo_settings(base, server.base_url, database_url)


def image_url(server: SampleSiteServer) -> str:
    seed = server.site.seed
    return seed.images[0].url


def test_an_image_is_stored_once_under_its_sha256(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    settings = settings_for(sample_server, "sqlite://")
    with Fetcher(fetch_policy(settings)) as fetcher:
        url = image_url(sample_server)
        assert url.startswith(sample_server.cdn_url + "/images/")
        file = download_image(url, fetcher, tmp_path, 1_000_000)
        again = download_image(url, fetcher, tmp_path, 1_000_000)
    digest = hashlib.sha256(JPEG_BYTES).hexdigest()
    assert file.local_path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg" == again.local_path
    assert (tmp_path / file.local_path).read_bytes() == JPEG_BYTES
    assert (file.size, file.width, file.height) == (len(JPEG_BYTES), 1, 1)
    assert file.content_type == "image/jpeg" and file.sha256 == digest
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{digest}.jpg"]


def test_an_image_past_the_cap_is_refused_and_not_written(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    settings = settings_for(sample_server, "sqlite://")
    with Fetcher(fetch_policy(settings)) as fetcher, pytest.raises(FetchError) as caught:
        download_image(image_url(sample_server), fetcher, tmp_path, 100)
    assert caught.value.reason == "image-too-large" and "max_image_bytes (100)" in str(caught.value)
    assert not any(tmp_path.iterdir())


def test_max_image_bytes_holds_above_and_below_the_page_cap(tmp_path: Path) -> None:
    picture = png(4000, 3000) + b"\0" * 6000  # larger than the pages' cap below
    policy = FetchPolicy(
        user_agent="baohatinh-archive-test/1.0 (+mailto:archivist@example.org)",
        allowed_hosts=frozenset({"127.0.0.1"}),
        delay_seconds=0.0,
        max_body_bytes=4096,
    )
    with FaultServer() as server, Fetcher(policy) as fetcher:
        server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow:\n"))
        server.route("/big.png", Reply(200, picture, {"Content-Type": "image/png"}))
        file = download_image(server.url("/big.png"), fetcher, tmp_path, 2 * len(picture))
        with pytest.raises(FetchError) as caught:
            download_image(server.url("/big.png"), fetcher, tmp_path, 5000)
    assert file.size == len(picture) and (tmp_path / file.local_path).read_bytes() == picture
    assert caught.value.reason == "image-too-large"
    assert "max_image_bytes (5000)" in str(caught.value)


def test_a_page_served_instead_of_an_image_is_refused(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    settings = settings_for(sample_server, "sqlite://")
    with Fetcher(fetch_policy(settings)) as fetcher, pytest.raises(FetchError) as caught:
        download_image(sample_server.cdn_url + "/xay-dung-dang/", fetcher, tmp_path, 10**6)
    assert caught.value.reason == "not-an-image" and "text/html" in str(caught.value)
    assert not any(tmp_path.iterdir())


def test_a_crawl_with_archive_images_keeps_every_image_file(
    clean_sample_server: SampleSiteServer, db_url: str, tmp_path: Path
) -> None:
    server = clean_sample_server
    images = tmp_path / "images"
    broken = image_url(server)
    server.faults.error(broken_path(broken), 404)  # one image is gone from the CDN
    settings = settings_for(server, db_url, archive_images=True, images_dir=str(images))
    with Store.open(db_url) as store:
        report = run_crawl(settings, store)
        assert report.failed_total == 0 and report.exit_code == 0  # images never fail it
        assert "274411" in store.archived_ids()
        with store.engine.connect() as conn:
            rows = list(conn.execute(select(ImageRow)))
        stats = archive_stats(store)
    assert rows
    failed = [row for row in rows if row.url == broken]
    assert failed and all(row.local_path is None for row in failed)
    assert all("HTTP 404" in (row.download_error or "") for row in failed)
    kept = [row for row in rows if row.url != broken]
    assert all(row.local_path and (images / row.local_path).is_file() for row in kept)
    assert all((row.width, row.height) == (1, 1) and row.sha256 for row in kept)
    assert stats["images_downloaded"] == len(kept)
    # The report says what became of them, the one gone included.
    gone = len(failed)
    assert any(
        note.startswith("images of this run's articles: ") and f", {gone} failed (tried again"
        in note for note in report.notes
    ), report.notes
    image_requests = [r for r in server.requests if r.path.startswith("/images/")]
    assert {r.host for r in image_requests} == {"localhost"}
    # Each URL is fetched once; the same bytes are stored once.
    distinct = {row.url for row in kept}
    assert len([r for r in image_requests if r.path != broken_path(broken)]) == len(distinct)
    assert len({row.local_path for row in kept}) <= 2  # the sample site has 2 image files


def test_a_crawl_whose_image_folder_cannot_be_written_says_so_in_its_report(
    clean_sample_server: SampleSiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = settings_for(clean_sample_server, sqlite_url, archive_images=True,
                            images_dir=str(blocker / "images"))
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings, store)
        with store.engine.connect() as conn:
            images = len(list(conn.execute(select(ImageRow))))
    assert report.exit_code == 0 and images
    [note] = [n for n in report.notes if n.startswith("images of this run's articles")]
    assert note.startswith("images of this run's articles: 0 downloaded, 0 already on disk, ")
    assert "failed (tried again by later runs; see the log)" in note
    assert note in report.summary()


def broken_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_without_archive_images_no_image_is_fetched(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(clean_sample_server, sqlite_url), store)
    assert not [r for r in clean_sample_server.requests if r.path.startswith("/images/")]


def test_images_no_run_tried_are_downloaded_by_the_next_crawl_with_archive_images_on(
    clean_sample_server: SampleSiteServer, db_url: str, tmp_path: Path
) -> None:
    # Archived while archive_images was off (or left by a run that stopped): no article is
    # saved again, yet the next crawl with it on fetches their files.
    server = clean_sample_server
    images = tmp_path / "images"
    with Store.open(db_url) as store:
        run_crawl(settings_for(server, db_url, images_dir=str(images)), store)
        on = settings_for(server, db_url, archive_images=True, images_dir=str(images))
        report = run_crawl(on, store)
        assert report.new == report.updated == 0
        with store.engine.connect() as conn:
            rows = list(conn.execute(select(ImageRow)))
        assert rows and all(row.local_path and (images / row.local_path).is_file() for row in rows)
        assert store.articles_with_images_due() == []
        assert any(note.startswith("images of earlier runs:") for note in report.notes)
        server.clear_log()
        run_crawl(on, store)
    assert not [r for r in server.requests if r.path.startswith("/images/")]  # done once


def image_rows(store: Store) -> dict[str, ImageRow]:
    with Session(store.engine) as session:
        return {row.url: row for row in session.scalars(select(ImageRow))}


def test_a_failed_image_is_tried_again_by_a_later_crawl_unless_it_is_gone(
    clean_sample_server: SampleSiteServer, db_url: str, tmp_path: Path
) -> None:
    server = clean_sample_server
    images = tmp_path / "images"
    busy, gone = (image.url for image in server.site.seed.images[:2])
    server.faults.error(broken_path(busy), 503)  # the CDN is busy for the whole run
    server.faults.error(broken_path(gone), 404)
    settings = settings_for(server, db_url, archive_images=True, images_dir=str(images))
    crawl = replace(settings.crawl, retry_base_seconds=0.0, max_attempts=1)  # due at once
    settings = replace(settings, crawl=crawl)
    with Store.open(db_url) as store:
        run_crawl(settings, store)
        first = image_rows(store)
        assert (first[busy].download_attempts, first[gone].download_attempts) == (1, 1)
        assert first[busy].retry_at is not None  # transient: a later crawl tries again
        assert first[gone].retry_at is None  # gone for good
        server.faults.clear()
        server.clear_log()
        run_crawl(settings, store)
        again = image_rows(store)
    assert again[busy].local_path and (images / again[busy].local_path).is_file()
    assert again[busy].download_error is None and again[busy].retry_at is None
    assert again[gone].local_path is None and "HTTP 404" in (again[gone].download_error or "")
    assert len(server.requests_to(broken_path(busy))) == 1
    assert not server.requests_to(broken_path(gone))


def test_an_image_redirected_off_the_allowed_hosts_is_not_asked_again(
    clean_sample_server: SampleSiteServer, db_url: str, tmp_path: Path
) -> None:
    server = clean_sample_server
    moved = server.site.seed.images[0].url
    server.faults.redirect(broken_path(moved), "http://203.0.113.9/x.png", status=302)
    settings = settings_for(server, db_url, archive_images=True, images_dir=str(tmp_path))
    crawl = replace(settings.crawl, retry_base_seconds=0.0, max_attempts=1)  # due at once
    settings = replace(settings, crawl=crawl)
    with Store.open(db_url) as store:
        run_crawl(settings, store)
        first = image_rows(store)[moved]
        assert "not an allowed host" in (first.download_error or "")
        assert first.retry_at is None
        server.clear_log()
        run_crawl(settings, store)
    assert not server.requests_to(broken_path(moved))


def test_an_image_that_failed_waits_for_its_retry_time(store: Store) -> None:
    store.save_article(make_article(), make_raw())
    image = store.pending_images("123456")[0]
    soon = datetime.now(UTC) + timedelta(minutes=10)
    store.record_image(image.image_id, None, "HTTP 503", retry_at=soon)
    assert image.image_id not in {p.image_id for p in store.pending_images("123456")}
    assert store.articles_with_images_due() == ["123456"]  # its other images are untried
    later = [p for p in store.pending_images("123456", soon) if p.image_id == image.image_id]
    assert [p.attempts for p in later] == [1]
    store.record_image(image.image_id, None, "HTTP 404")  # no retry time: for good
    far = soon + timedelta(days=365)
    assert image.image_id not in {p.image_id for p in store.pending_images("123456", far)}


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (HTTPStatusError(IMAGE, 404), False),
        (HTTPStatusError(IMAGE, 410), False),
        (FetchError(IMAGE, "not an image", reason="not-an-image"), False),
        (FetchError(IMAGE, "too big", reason="image-too-large"), False),
        # Refused by the crawler's own rules: asking again gets the same refusal.
        (RobotsDisallowed(IMAGE, "robots.txt disallows it"), False),
        (HostNotAllowed(IMAGE, "redirect to a host that is not allowed"), False),
        (FetchError("data:image/gif;base64,R0lG", "not an http(s) URL", reason="bad-url"), False),
        (HTTPStatusError(IMAGE, 503), True),
        (HTTPStatusError(IMAGE, 403), True),
        (FetchError(IMAGE, "timed out", reason="timeout"), True),
        (RobotsDisallowed(IMAGE, "robots.txt unreachable", reason="robots-unreachable"), True),
        (FetchError(IMAGE, "Retry-After of 600s", reason="retry-after-too-long"), True),
        (OSError(28, "No space left on device"), True),
    ],
)
def test_only_what_the_image_itself_says_is_final_keeps_it_from_being_asked_again(
    error: Exception, again: bool
) -> None:
    # A robots.txt or a CDN down for an hour must not write off every image of the archive.
    assert images_module._transient(error) is again


def test_images_a_stopping_crawl_cannot_fetch_are_left_untried_not_failed(
    clean_sample_server: SampleSiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    server = clean_sample_server
    settings = settings_for(server, sqlite_url, images_dir=str(tmp_path / "images"))
    with Store.open(sqlite_url) as store:
        run_crawl(settings, store)  # archive_images off: every image waits for its file
        with Fetcher(fetch_policy(settings)) as fetcher:
            fetcher.request_stop()  # a stop, or the run's time limit
            counts = ImageArchiver(settings.archive, fetcher, store).archive("274411")
        assert counts == ImageCounts()
        with store.engine.connect() as conn:
            rows = list(conn.execute(select(ImageRow)))
    assert rows and all(row.local_path is None and row.download_error is None for row in rows)
    assert not [r for r in server.requests if r.path.startswith("/images/")]


def test_archive_settings_are_checked_by_name() -> None:
    loaded = settings_from_dict({"archive": {"archive_images": True, "images_dir": "/srv/img"}})
    assert loaded.archive.archive_images and loaded.archive.images_dir == "/srv/img"
    assert loaded.archive.max_image_bytes == 5 * 1024 * 1024
    refused = "archive.max_image_bytes: must be from 1 to 2147483648"
    with pytest.raises(ConfigError, match=refused):
        settings_from_dict({"archive": {"max_image_bytes": 0}})
    with pytest.raises(ConfigError, match="archive.archive_image"):
        settings_from_dict({"archive": {"archive_image": True}})
