"""The store: what the crawler saves comes back whole, once, with its history."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from sqlalchemy import select, text

from scraper.errors import ArticleNotFound, StoreError
from storage import Store, search
from storage.engine import make_engine, normalize_url, safe_url
from storage.models import ParseFailureRow, RawPageRow, RevisionRow
from tests.fixtures_db import FETCHED_AT, make_article, make_raw


def rows(store: Store, model: type) -> list:
    with store.engine.connect() as conn:
        return list(conn.execute(select(model)))


# --- round trip --------------------------------------------------------------------------


def test_saved_article_comes_back_equal(store: Store) -> None:
    article = make_article()
    assert store.save_article(article, make_raw(article)) == "new"
    archived = store.get_article(article.article_id)
    assert archived.article == article
    assert archived.revisions == 1
    assert archived.first_seen_at == FETCHED_AT
    assert archived.last_fetched_at == FETCHED_AT
    assert archived.removed_at is None


def test_times_come_back_aware_with_the_site_offset(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    archived = store.get_article(article.article_id)
    published = archived.article.published_at
    assert published is not None
    assert published.utcoffset() == timedelta(hours=7)
    assert published.isoformat() == "2024-10-15T10:12:00+07:00"
    assert archived.article.published_raw == "2024-10-15T10:12:00+0700"
    assert archived.first_seen_at.utcoffset() == timedelta(0)


def test_published_in_another_zone_is_shown_in_site_time(store: Store) -> None:
    article = make_article(published_at=datetime(2024, 10, 15, 3, 12, tzinfo=UTC))
    store.save_article(article, make_raw(article))
    published = store.get_article(article.article_id).article.published_at
    assert published is not None and published.isoformat() == "2024-10-15T10:12:00+07:00"


def test_sparse_article_round_trips(store: Store) -> None:
    article = make_article(
        lead=None,
        published_at=None,
        published_raw=None,
        updated_at=None,
        updated_raw=None,
        author=None,
        section=None,
        section_slug=None,
        tags=(),
        images=(),
        related=(),
        sources={},
        warnings=(),
    )
    store.save_article(article, make_raw(article))
    assert store.get_article(article.article_id).article == article


def test_paragraph_split_survives_even_with_blank_lines_inside(store: Store) -> None:
    article = make_article(body_paragraphs=("one\n\ntwo", "", "three"))
    store.save_article(article, make_raw(article))
    assert store.get_article(article.article_id).article.body_paragraphs == (
        "one\n\ntwo",
        "",
        "three",
    )


# --- idempotence and revisions -----------------------------------------------------------


def test_same_article_again_adds_only_a_fetch_log_row(store: Store) -> None:
    article = make_article()
    raw = make_raw(article)
    store.save_article(article, raw)
    before = store.counts()
    assert store.save_article(article, raw) == "unchanged"
    after = store.counts()
    assert after["fetches"] == before["fetches"] + 1
    assert {k: v for k, v in after.items() if k != "fetches"} == {
        k: v for k, v in before.items() if k != "fetches"
    }


def test_refetch_moves_last_fetched_but_not_first_seen(store: Store) -> None:
    article = make_article()
    later = FETCHED_AT + timedelta(days=1)
    store.save_article(article, make_raw(article))
    store.save_article(article, make_raw(article, fetched_at=later))
    store.save_article(article, make_raw(article, fetched_at=FETCHED_AT - timedelta(days=9)))
    archived = store.get_article(article.article_id)
    assert archived.first_seen_at == FETCHED_AT
    assert archived.last_fetched_at == later  # an old page re-parsed does not move it back


def test_changed_body_is_a_new_revision_and_the_old_one_is_kept(store: Store) -> None:
    first = make_article()
    second = replace(first, body_paragraphs=("Nội dung đã được sửa lại.",), images=())
    store.save_article(first, make_raw(first))
    later = FETCHED_AT + timedelta(hours=2)
    assert store.save_article(second, make_raw(second, fetched_at=later)) == "updated"

    archived = store.get_article(first.article_id)
    assert archived.article == second
    assert archived.revisions == 2
    revisions = sorted(rows(store, RevisionRow), key=lambda row: row.revision)
    assert [row.revision for row in revisions] == [1, 2]
    assert revisions[0].snapshot["body_paragraphs"] == list(first.body_paragraphs)
    assert revisions[1].snapshot["body_paragraphs"] == ["Nội dung đã được sửa lại."]
    assert revisions[1].seen_at == later
    assert store.counts()["images"] == 0  # the current version's parts were replaced


def test_parser_only_changes_are_no_new_revision(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    reparsed = replace(article, parser_version="2", warnings=(), body_html="<p>…</p>")
    assert store.save_article(reparsed, make_raw(article)) == "unchanged"
    archived = store.get_article(article.article_id)
    assert archived.revisions == 1
    assert archived.article.parser_version == "2"  # but the row shows the newer parse


def test_search_follows_the_current_revision(store: Store) -> None:
    first = make_article()
    store.save_article(first, make_raw(first))
    second = replace(first, body_paragraphs=("Chuyển đổi số trong công tác tuyên giáo.",))
    store.save_article(second, make_raw(second))
    assert search(store, "tuyên giáo").total == 1
    assert search(store, "839 mô hình").total == 0


# --- raw pages and failures --------------------------------------------------------------


def test_identical_bytes_are_stored_once(store: Store) -> None:
    one, two = make_article("1001"), make_article("1002")
    same_body = b"<html>the same bytes</html>"
    store.save_article(one, make_raw(one, body=same_body))
    store.save_article(two, make_raw(two, body=same_body))
    counts = store.counts()
    assert counts["raw_pages"] == 1
    assert counts["fetches"] == 2
    assert counts["raw_bytes"] == len(same_body)


def test_failure_keeps_the_raw_page_and_reason(store: Store) -> None:
    body = "<html><body>Trang lỗi: không có nội dung</body></html>".encode()
    raw = make_raw(body=body, status=200)
    store.record_failure(raw.url, "not-an-article: empty body", raw)
    failures = rows(store, ParseFailureRow)
    assert [(f.url, f.reason) for f in failures] == [(raw.url, "not-an-article: empty body")]
    [page] = rows(store, RawPageRow)
    assert failures[0].raw_page_id == page.id
    assert page.compression == "zstd"
    assert zstandard.ZstdDecompressor().decompress(page.body) == body
    assert page.size == len(body)


def test_failure_without_a_page_is_recorded_too(store: Store) -> None:
    store.record_failure("https://baohatinh.vn/x-post1.html", "http-503")
    [failure] = rows(store, ParseFailureRow)
    assert failure.raw_page_id is None
    assert store.counts()["raw_pages"] == 0


def test_naive_fetch_time_is_refused(store: Store) -> None:
    article = make_article()
    raw = make_raw(article, fetched_at=datetime(2024, 10, 16, 8, 0))
    with pytest.raises(StoreError, match="no timezone"):
        store.save_article(article, raw)
    assert store.counts()["articles"] == 0


# --- looking articles up -----------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "123456",
        "https://baohatinh.vn/huong-son-bieu-duong-19-mo-hinh-post123456.html",
        "https://baohatinh.vn/huong-son-bieu-duong-19-mo-hinh-post123456.html?utm_source=fb#top",
        "HTTPS://BAOHATINH.VN/huong-son-bieu-duong-19-mo-hinh-post123456.html?fbclid=x",
        "baohatinh.vn/huong-son-bieu-duong-19-mo-hinh-post123456.html",
        "https://baohatinh.vn/xay-dung-dang/huong-son-bieu-duong/123456.htm",  # old site
        " 123456 ",
    ],
)
def test_get_article_by_id_or_any_url_form(store: Store, key: str) -> None:
    article = make_article("123456")
    store.save_article(article, make_raw(article))
    assert store.get_article(key).article.article_id == "123456"


@pytest.mark.parametrize("key", ["999", "https://baohatinh.vn/khong-co-post999.html", "abc"])
def test_unknown_article_raises_not_found_naming_the_key(store: Store, key: str) -> None:
    store.save_article(make_article(), make_raw(make_article()))
    with pytest.raises(ArticleNotFound, match=key):
        store.get_article(key)


def test_has_article_and_archived_ids(store: Store) -> None:
    for article_id in ("1", "2", "3"):
        article = make_article(article_id)
        store.save_article(article, make_raw(article))
    assert store.has_article("2")
    assert not store.has_article("4")
    assert store.archived_ids() == {"1", "2", "3"}


def test_iter_articles_streams_newest_published_first(store: Store) -> None:
    base = make_article().published_at
    assert base is not None
    dated = {"10": 3, "11": 1, "12": 5, "13": 2}  # id -> days after base
    for article_id, days in dated.items():
        article = make_article(article_id, published_at=base + timedelta(days=days))
        store.save_article(article, make_raw(article))
    undated = make_article("14", published_at=None)
    store.save_article(undated, make_raw(undated))
    ids = [archived.article.article_id for archived in store.iter_articles(batch_size=2)]
    assert ids == ["12", "10", "13", "11", "14"]
    oldest = [a.article.article_id for a in store.iter_articles(batch_size=2, oldest=True)]
    assert oldest == ["11", "13", "10", "12", "14"]  # the undated last either way


# --- crawl runs and counts ---------------------------------------------------------------


def test_crawl_run_is_recorded_with_its_report(store: Store) -> None:
    run_id = store.begin_run()
    article = make_article()
    store.save_article(article, make_raw(article), run_id=run_id)
    store.finish_run(run_id, {"articles": {"new": 1}, "at": FETCHED_AT}, exit_code=0)
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT exit_code, finished_at FROM crawl_runs")).one()
    assert row.exit_code == 0 and row.finished_at is not None
    assert store.counts()["crawl_runs"] == 1


def test_finishing_an_unknown_run_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no crawl run 42"):
        store.finish_run(42, {}, exit_code=0)


def test_counts_name_every_figure(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    counts = store.counts()
    assert counts == counts | {
        "articles": 1,
        "revisions": 1,
        "raw_pages": 1,
        "images": 2,
        "related_links": 2,
        "parse_failures": 0,
        "crawl_runs": 0,
    }
    assert counts["raw_bytes"] > 0 and counts["raw_stored_bytes"] > 0


# --- engine and connection ---------------------------------------------------------------


def test_store_url_hides_the_password() -> None:
    assert safe_url(normalize_url("postgresql://user:secret@db/archive")) == (
        "postgresql+psycopg://user:***@db/archive"
    )


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg"),
        ("postgres://u@h/d", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg"),
        ("sqlite:///archive.db", "sqlite"),
        ("archive.db", "sqlite"),
    ],
)
def test_urls_get_the_project_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@h/d", "http://example.com/x"])
def test_unsupported_database_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError, match="unsupported"):
        make_engine(url)


def test_sqlite_file_is_created_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Store.open(f"sqlite:///{path}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    assert path.is_file()


def test_missing_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "archive.db"
    with pytest.raises(StoreError, match="no-such-folder"):
        Store.open(f"sqlite:///{missing}")


def test_two_writers_on_one_sqlite_file_do_not_collide(sqlite_url: str) -> None:
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            with Store.open(sqlite_url) as store:
                for n in range(15):
                    article = make_article(f"{prefix}{n}")
                    store.save_article(article, make_raw(article))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    with Store.open(sqlite_url):
        pass  # create the schema first, then race the writers
    threads = [threading.Thread(target=write, args=(prefix,)) for prefix in ("7", "8")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(sqlite_url) as store:
        assert store.counts()["articles"] == 30
