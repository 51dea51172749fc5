"""What the archive keeps and how: compressed raw pages, stats, backups, full disks."""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from scraper.errors import OutputError, StoreError
from storage import Store, rawcodec
from storage.backup import backup_sqlite
from storage.models import FetchLogRow, RawPageRow
from storage.stats import archive_stats
from tests.fixtures_db import make_article, make_raw

PARAGRAPH = "<p>Xây dựng Đảng trong sạch, vững mạnh.</p>"
HTML = ("<html><body>" + PARAGRAPH * 400 + "</body></html>").encode()


# --- raw page codecs ---------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["zstd", "zlib", "none"])
def test_every_codec_gives_back_the_exact_bytes(codec: str) -> None:
    assert rawcodec.decompress(rawcodec.compress(HTML, codec), codec) == HTML


def test_zstd_is_the_default_and_beats_zlib_on_html() -> None:
    assert rawcodec.DEFAULT_CODEC == "zstd"
    assert len(rawcodec.compress(HTML)) < len(zlib.compress(HTML))


def test_unknown_codec_and_corrupt_body_are_named() -> None:
    with pytest.raises(StoreError, match="codec 'brotli' is unknown"):
        rawcodec.decompress(b"...", "brotli")
    with pytest.raises(StoreError, match="not valid zstd data"):
        rawcodec.decompress(b"not zstd at all", "zstd")


def test_new_raw_pages_are_zstd_and_old_zlib_rows_still_read(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article, body=HTML))
    with store.engine.begin() as conn:  # a row as revision 0001 wrote it
        old_id = conn.execute(
            insert(RawPageRow).values(
                url="https://baohatinh.vn/old.htm", final_url="https://baohatinh.vn/old.htm",
                status=200, headers={}, body=zlib.compress(b"<html>old</html>"),
                compression="zlib", sha256="0" * 64, size=16,
                fetched_at=make_raw().fetched_at,
            ).returning(RawPageRow.id)
        ).scalar_one()
        rows = conn.execute(select(RawPageRow.id, RawPageRow.body, RawPageRow.compression))
        bodies = {row_id: rawcodec.decompress(body, codec) for row_id, body, codec in rows}
    assert bodies[old_id] == b"<html>old</html>"
    assert HTML in bodies.values()
    assert archive_stats(store)["raw_pages_by_codec"] == {"zlib": 1, "zstd": 1}


# --- stats -------------------------------------------------------------------------------


def test_stats_report_raw_bytes_stored_and_original_per_article(store: Store) -> None:
    for article_id in ("1", "2"):
        article = make_article(article_id)
        store.save_article(article, make_raw(article, body=HTML + article_id.encode()))
    figures = archive_stats(store)
    assert figures["articles"] == 2 and figures["revisions"] == 2
    assert figures["raw_bytes"] == 2 * len(HTML) + 2
    assert figures["raw_bytes_per_article"] == len(HTML) + 1
    assert 0 < figures["raw_stored_bytes_per_article"] < len(HTML) / 10
    assert figures["compression_ratio"] > 10
    assert figures["database_bytes_per_article"] > figures["raw_stored_bytes_per_article"]


def test_stats_of_an_empty_archive_divide_by_nothing(store: Store) -> None:
    figures = archive_stats(store)
    assert figures["articles"] == 0
    assert figures["raw_bytes_per_article"] == 0 and figures["compression_ratio"] == 0.0


# --- bad input ---------------------------------------------------------------------------


def test_a_full_disk_is_one_line_and_the_write_is_rolled_back_whole(sqlite_store: Store) -> None:
    store = sqlite_store
    first = make_article("1")
    store.save_article(first, make_raw(first))
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def _small_disk(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    second = make_article("2")
    with pytest.raises(StoreError) as caught:  # incompressible bytes overflow the limit
        store.save_article(second, make_raw(second, body=os.urandom(200_000)))
    message = str(caught.value)
    assert "\n" not in message
    assert "saving article 2" in message and "full" in message and "nothing" in message
    counts = store.counts()
    assert (counts["articles"], counts["raw_pages"], counts["fetches"]) == (1, 1, 1)


def test_a_text_file_given_as_the_archive_is_named(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_text("id,title\n1,Xây dựng Đảng\n" * 100, encoding="utf-8")
    with pytest.raises(StoreError, match=r"archive\.db: not an SQLite database"):
        Store.open(f"sqlite:///{path}")


# --- backup ------------------------------------------------------------------------------


def test_backup_is_a_consistent_archive_while_a_crawl_writes(
    sqlite_url: str, tmp_path: Path
) -> None:
    started, errors = threading.Event(), []

    def crawl_like_writer() -> None:
        try:
            with Store.open(sqlite_url) as writer:
                for number in range(1, 301):
                    article = make_article(str(number))
                    writer.save_article(article, make_raw(article, body=HTML + bytes(number)))
                    if number == 20:
                        started.set()
        except Exception as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
            started.set()

    with Store.open(sqlite_url) as store:
        thread = threading.Thread(target=crawl_like_writer)
        thread.start()
        started.wait(30)
        result = backup_sqlite(store, tmp_path / "copy.db")
        thread.join(60)
        final = store.counts()["articles"]
    assert errors == []
    assert final == 300
    assert 20 <= result.articles <= 300
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    with Store.open(f"sqlite:///{tmp_path / 'copy.db'}", upgrade=False) as restored:
        counts = restored.counts()
        # Whole transactions only: every article has its revision, raw page and fetch.
        assert counts["articles"] == counts["revisions"] == counts["raw_pages"] == result.articles
        assert counts["fetches"] == result.articles
    assert not list(tmp_path.glob(".*partial"))


def test_backup_refuses_to_overwrite(sqlite_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="exists.db: it already exists"):
        backup_sqlite(sqlite_store, target)
    assert target.read_bytes() == b"keep me"


def test_backup_of_postgresql_points_to_pg_dump(postgres_store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="pg_dump"):
        backup_sqlite(postgres_store, tmp_path / "copy.db")


def test_fetch_log_keeps_every_fetch_of_deduplicated_bytes(store: Store) -> None:
    article = make_article()
    for _ in range(3):
        store.save_article(article, make_raw(article, body=HTML))
    with store.engine.connect() as conn:
        assert conn.execute(select(text("count(*)")).select_from(FetchLogRow)).scalar() == 3
    assert store.counts()["raw_pages"] == 1


def test_a_postgresql_server_that_never_answers_is_given_up_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It takes the connection and says nothing, as behind a firewall dropping its packets:
    # libpq's own default is to wait for ever, and a cron crawl with it.
    import socket

    from storage import engine

    monkeypatch.setattr(engine, "POSTGRES_CONNECT_TIMEOUT_SECONDS", 1)
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    outcome: list[BaseException | None] = []

    def open_it() -> None:
        try:
            Store.open(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test").close()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    try:
        opener.start()
        opener.join(timeout=30)
        assert not opener.is_alive(), "still waiting for the server after 30 s"
    finally:
        silent.close()
    [error] = outcome
    assert isinstance(error, StoreError) and f"127.0.0.1:{port}" in str(error)
