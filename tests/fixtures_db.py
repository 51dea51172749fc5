"""Fixtures for SQLite and PostgreSQL archives, and builders of test records.

``db_url`` (and ``store`` on top of it) runs each test twice: on an SQLite file in
``tmp_path``, and on PostgreSQL when ``BAOHATINH_TEST_POSTGRES_URL`` names a server (CI sets
it; otherwise that half is skipped, saying why). Each PostgreSQL test gets a fresh schema,
selected through the connection's ``search_path`` and dropped afterwards, so tests never
see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from scraper.records import Article, Image, RawPage, RelatedLink
from storage import Store
from storage.engine import normalize_url

POSTGRES_ENV = "BAOHATINH_TEST_POSTGRES_URL"
# CI sets this so that a missing PostgreSQL fails the run instead of skipping half of it.
REQUIRE_ENV = "BAOHATINH_REQUIRE_POSTGRES"
VN = timezone(timedelta(hours=7))


# --- databases ---------------------------------------------------------------------------


def postgres_base_url() -> str | None:
    """Return the PostgreSQL test server's URL, or ``None`` when not configured."""
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Any]:
    """An engine on the PostgreSQL test database, for creating and dropping schemas."""
    base = postgres_base_url()
    if base is None and os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {POSTGRES_ENV} is not: PostgreSQL is required")
    if base is None:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL half of the tests skipped")
    engine = create_engine(normalize_url(base))
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Any) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL schema (dropped after the test)."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(postgres_base_url() or "").update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """URL of a new SQLite file (not yet created)."""
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """URL of an empty archive database: SQLite file, then PostgreSQL schema."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated, empty archive on each database."""
    with Store.open(db_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """An open, migrated, empty SQLite archive."""
    with Store.open(sqlite_url) as opened:
        yield opened


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[Store]:
    """An open, migrated, empty PostgreSQL archive (skipped without a server)."""
    with Store.open(postgres_url) as opened:
        yield opened


# --- records -----------------------------------------------------------------------------

FETCHED_AT = datetime(2024, 10, 16, 1, 0, tzinfo=UTC)


def make_article(article_id: str = "123456", **changes: Any) -> Article:
    """Return a complete article (every field set) with ``changes`` applied."""
    fields: dict[str, Any] = {
        "url": f"https://baohatinh.vn/huong-son-bieu-duong-19-mo-hinh-post{article_id}.html",
        "article_id": article_id,
        "title": 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024',
        "lead": "(Baohatinh.vn) - Đây là những mô hình “Dân vận khéo” điển hình ở huyện Hương Sơn.",
        "published_at": datetime(2024, 10, 15, 10, 12, tzinfo=VN),
        "published_raw": "2024-10-15T10:12:00+0700",
        "updated_at": datetime(2024, 10, 15, 11, 30, tzinfo=VN),
        "updated_raw": "2024-10-15T11:30:00+07:00",
        "author": "Thu Hà",
        "section": "Xây dựng Đảng",
        "section_slug": "xay-dung-dang",
        "tags": ("Dân vận khéo", "Hương Sơn"),
        "body_paragraphs": (
            "Sáng 15/10, Ban Thường vụ Huyện ủy Hương Sơn tổ chức hội nghị biểu dương.",
            "Toàn huyện đã xây dựng và nhân rộng được 839 mô hình.",
        ),
        "body_html": "<p>Sáng 15/10, Ban Thường vụ Huyện ủy Hương Sơn …</p>",
        "images": (
            Image("https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg", "Đại biểu", None, 0),
            Image("https://cdn.baohatinh.vn/images/ab/77d4144024t6461l0.jpg", None, "ảnh", 1),
        ),
        "related": (
            RelatedLink(
                "https://baohatinh.vn/dan-van-kheo-post200.html",
                "Lan tỏa phong trào “Dân vận khéo”",
                "Tóm tắt một đoạn.",
                "doc-them",
            ),
            RelatedLink("https://baohatinh.vn/khac-post201.html", "Bài liên quan", None, "inline"),
        ),
        "template": "cms",
        "sources": {"title": "cms", "published": "meta"},
        "warnings": ("author: from last paragraph",),
        "parser_version": "1",
    }
    fields.update(changes)
    return Article(**fields)


def make_raw(
    article: Article | None = None,
    *,
    body: bytes | None = None,
    fetched_at: datetime = FETCHED_AT,
    status: int = 200,
) -> RawPage:
    """Return a raw page for ``article`` (its URL); the body defaults to HTML of its title."""
    url = article.url if article else "https://baohatinh.vn/xay-dung-dang/"
    if body is None:
        title = article.title if article else "Xây dựng Đảng"
        body = f"<html><head><title>{title}</title></head><body>…</body></html>".encode()
    return RawPage(
        url=url,
        final_url=url,
        status=status,
        headers={"content-type": "text/html; charset=utf-8"},
        body=body,
        fetched_at=fetched_at,
    )
