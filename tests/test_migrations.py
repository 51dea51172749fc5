"""Migrations: every table comes from Alembic, and a database from the future is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from scraper.errors import SchemaMismatch, StoreError
from storage import Store, current_revision, head_revision, make_engine, upgrade
from storage.migrate import alembic_config
from storage.models import Base

TABLES = {
    "articles",
    "article_revisions",
    "images",
    "related_links",
    "raw_pages",
    "fetch_log",
    "parse_failures",
    "crawl_runs",
    "article_search",
    "alembic_version",
}


def test_head_is_the_search_revision() -> None:
    assert head_revision() == "0004"


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
