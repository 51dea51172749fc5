"""Migrations: every table comes from Alembic, and a database from the future is refused."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text, update

from scraper.errors import SchemaMismatch, StoreError
from scraper.records import Article
from storage import Store, current_revision, head_revision, make_engine, search, upgrade
from storage.convert import article_columns, content_hash, related_rows, snapshot
from storage.migrate import alembic_config
from storage.models import (
    ArticleRow,
    Base,
    FetchLogRow,
    ImageRow,
    RawPageRow,
    RelatedLinkRow,
    RevisionRow,
)
from storage.revisions import list_revisions
from storage.stats import archive_stats
from storage.warc import export_warc
from tests.fixtures_db import FETCHED_AT, make_article, make_raw

TABLES = {
    "articles",
    "article_revisions",
    "images",
    "related_links",
    "raw_pages",
    "fetch_log",
    "parse_failures",
    "crawl_runs",
    "frontier",
    "article_search",
    "crawl_lock",
    "apscheduler_jobs",
    "alembic_version",
}


def test_head_is_the_newest_revision() -> None:
    assert head_revision() == "0011"


def test_fresh_database_is_upgraded_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) == head_revision()
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert upgrade(engine) == head_revision()  # a second upgrade changes nothing
    finally:
        engine.dispose()


def test_store_open_upgrades_and_reports_the_revision(store: Store) -> None:
    assert store.schema_revision() == head_revision()


def test_models_and_migrations_agree(store: Store) -> None:
    def ignore_search(obj: object, name: str | None, type_: str, *_: object) -> bool:
        return not (type_ == "table" and name and name.startswith("article_search"))

    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": ignore_search, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(SchemaMismatch, match="0099_future.*newer version"):
        Store.open(db_url)
    with pytest.raises(SchemaMismatch, match="0099_future"):
        Store.open(db_url, upgrade=False)


def test_open_without_upgrade_refuses_an_empty_database(db_url: str) -> None:
    with pytest.raises(SchemaMismatch, match="db upgrade"):
        Store.open(db_url, upgrade=False)


def test_downgrade_removes_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_text_file_is_not_mistaken_for_an_archive(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Đây không phải cơ sở dữ liệu.\n" * 200, encoding="utf-8")
    before = notes.read_bytes()
    with pytest.raises(StoreError, match="notes.txt.*not an SQLite database"):
        Store.open(f"sqlite:///{notes}")
    assert notes.read_bytes() == before


def test_unreachable_server_is_a_store_error_naming_it_without_password() -> None:
    url = "postgresql://archivist:secret@127.0.0.1:1/archive?connect_timeout=2"
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    assert "127.0.0.1:1" in str(caught.value)
    assert "secret" not in str(caught.value)


# --- upgrading an archive that holds data ------------------------------------------------


def _migrate_to(engine: Any, revision: str) -> None:
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _fill_at_0001(engine: Any) -> Article:
    """Write one article with every part as revision 0001 stored it (zlib raw page)."""
    article = make_article()
    body = "<html><p>Hương Sơn biểu dương 19 mô hình</p></html>".encode()
    with engine.begin() as conn:
        raw_id = conn.execute(
            insert(RawPageRow.__table__).values(
                url=article.url, final_url=article.url, status=200,
                headers={"content-type": "text/html"}, body=zlib.compress(body),
                compression="zlib", sha256=hashlib.sha256(body).hexdigest(), size=len(body),
                fetched_at=FETCHED_AT,
            ).returning(RawPageRow.id)
        ).scalar_one()
        conn.execute(insert(FetchLogRow.__table__).values(
            url=article.url, status=200, raw_page_id=raw_id, fetched_at=FETCHED_AT))
        pk = conn.execute(
            insert(ArticleRow.__table__).values(
                **article_columns(article), content_hash=content_hash(article),
                first_seen_at=FETCHED_AT, last_fetched_at=FETCHED_AT, last_changed_at=FETCHED_AT,
            ).returning(ArticleRow.id)
        ).scalar_one()
        conn.execute(insert(RevisionRow.__table__).values(
            article_pk=pk, revision=1, content_hash=content_hash(article), seen_at=FETCHED_AT,
            parser_version="1", snapshot=snapshot(article)))
        for image in article.images:  # only the columns revision 0001 has
            conn.execute(insert(ImageRow.__table__).values(
                article_pk=pk, position=image.position, url=image.url, caption=image.caption,
                alt=image.alt))
        for row in related_rows(article):
            conn.execute(insert(RelatedLinkRow.__table__).values(
                article_pk=pk, position=row.position, url=row.url,
                target_article_id=row.target_article_id, title=row.title,
                summary=row.summary, kind=row.kind))
    # No search row: today's indexer writes today's index, and revision 0004 re-indexes
    # every archived article on upgrade, which the search below relies on.
    return article


def test_an_archive_of_the_first_schema_keeps_everything_when_upgraded(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        _migrate_to(engine, "0001")
        article = _fill_at_0001(engine)
        behind = (
            f"schema at revision 0001, this code needs {head_revision()}: "
            "run `baohatinh db upgrade`"
        )
        with pytest.raises(SchemaMismatch, match=behind):
            Store.open(db_url, upgrade=False)
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # upgrades to head
        assert store.schema_revision() == head_revision()
        archived = store.get_article(article.article_id)
        assert archived.article == article
        assert archived.revisions == 1 and archived.first_seen_at == FETCHED_AT
        assert search(store, "huong son bieu duong").total == 1
        assert [r.parser_version for r in list_revisions(store, article.article_id)] == ["1"]
        assert store.pending_images(article.article_id)[0].url == article.images[0].url
        path = tmp_path / "old.warc.gz"
        with path.open("wb") as handle:
            assert export_warc(store, handle) == 1  # the zlib body is read back
        counts = store.counts()
        assert (counts["articles"], counts["images"], counts["related_links"]) == (1, 2, 2)
        assert (counts["raw_pages"], counts["fetches"]) == (1, 1)
        # New writes go on beside the old rows, in the new codec.
        changed = replace(article, title="Tiêu đề mới")
        store.save_article(changed, make_raw(changed, fetched_at=FETCHED_AT + timedelta(1)))
        assert archive_stats(store)["raw_pages_by_codec"] == {"zlib": 1, "zstd": 1}
        assert store.get_article(article.article_id).revisions == 2


def test_image_failures_recorded_before_retries_existed_are_tried_once_more(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        _migrate_to(engine, "0009")
        article = _fill_at_0001(engine)  # its two images, neither downloaded
        failed, downloaded = article.images[0].url, article.images[1].url
        with engine.begin() as conn:
            conn.execute(
                update(ImageRow.__table__)
                .where(ImageRow.url == failed)
                .values(download_error=f"{failed}: HTTP 503")
            )
            conn.execute(
                update(ImageRow.__table__)
                .where(ImageRow.url == downloaded)
                .values(local_path="ab/cd/x.jpg", sha256="0" * 64, downloaded_at=FETCHED_AT)
            )
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # upgrades to head
        due = store.pending_images(article.article_id)
        assert [(image.url, image.attempts) for image in due] == [(failed, 1)]
        assert store.articles_with_images_due() == [article.article_id]


def test_fetches_logged_before_0011_keep_the_url_their_redirects_led_to(db_url: str) -> None:
    engine = make_engine(db_url)
    moved = "https://baohatinh.vn/xay-dung-dang/huong-son/123456.htm"
    try:
        _migrate_to(engine, "0010")
        article = _fill_at_0001(engine)  # its raw page fetched at article.url
        with engine.begin() as conn:  # the page had been asked for at its old URL
            conn.execute(update(RawPageRow.__table__).values(url=moved))
            conn.execute(update(FetchLogRow.__table__).values(url=moved))
            raw_id = conn.execute(select(RawPageRow.id)).scalar_one()
            conn.execute(insert(FetchLogRow.__table__).values(  # same bytes, another URL
                url="https://baohatinh.vn/khac-post123456.html", status=200, raw_page_id=raw_id,
                fetched_at=FETCHED_AT + timedelta(1)))
    finally:
        engine.dispose()
    with Store.open(db_url) as store, store.engine.connect() as conn:
        rows = conn.execute(
            select(FetchLogRow.url, FetchLogRow.final_url).order_by(FetchLogRow.id)).all()
    assert [tuple(row) for row in rows] == [
        (moved, article.url),  # its raw page row says where it ended
        ("https://baohatinh.vn/khac-post123456.html", None),  # unknown: not claimed
    ]
