"""Saving an article: what a new version replaces, and the frontier row settled with it in
the same transaction (a crawl killed between the two cannot leave one without the other)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime, timedelta

import pytest

from scraper.errors import StoreError
from scraper.records import Image, RelatedLink
from storage import Store
from storage.convert import snapshot
from storage.frontier import FrontierEntry, Settlement
from tests.fixtures_db import FETCHED_AT, make_article, make_raw


def entry(article_id: str) -> FrontierEntry:
    return FrontierEntry.article(article_id, f"https://baohatinh.vn/a-post{article_id}.html")


def test_a_new_version_replaces_images_and_related_links(store: Store) -> None:
    first = make_article()
    store.save_article(first, make_raw(first))
    image = Image("https://cdn.baohatinh.vn/images/cd/new.jpg", "Ảnh mới", None, 0)
    link = RelatedLink("https://baohatinh.vn/bai-moi-post777.html", "Bài mới", None, "doc-them")
    second = replace(first, images=(image,), related=(link,), title="Tiêu đề mới")
    later = FETCHED_AT + timedelta(days=1)
    assert store.save_article(second, make_raw(second, fetched_at=later)) == "updated"
    archived = store.get_article(first.article_id)
    assert archived.article == second
    assert archived.revisions == 2
    assert archived.last_changed_at == later
    assert store.counts()["images"] == 1
    assert store.counts()["related_links"] == 1


def test_an_unchanged_save_keeps_images_and_related_links(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    later = FETCHED_AT + timedelta(days=1)
    assert store.save_article(article, make_raw(article, fetched_at=later)) == "unchanged"
    archived = store.get_article(article.article_id)
    assert archived.article == article
    assert (archived.revisions, archived.last_fetched_at) == (1, later)
    assert archived.last_changed_at == FETCHED_AT


def test_the_frontier_row_is_settled_with_the_article(store: Store) -> None:
    frontier = store.frontier()
    article = make_article()
    frontier.add([entry(article.article_id)])
    run = store.begin_run()
    settle = Settlement(
        f"a:{article.article_id}", "done", run, etag='"v1"', follow=(entry("999"),)
    )
    assert store.save_article(article, make_raw(article), run_id=run, settle=settle) == "new"
    assert frontier.states() == {"done": 1, "pending": 1}
    assert frontier.entries([settle.key])[settle.key].etag == '"v1"'
    assert [e.key for e in frontier.due(run)] == ["a:999"]


def test_a_refused_settlement_leaves_neither_article_nor_row_written(store: Store) -> None:
    frontier = store.frontier()
    article = make_article()
    frontier.add([entry(article.article_id)])
    run = store.begin_run()
    broken = replace(entry("999"), url=None)  # type: ignore[arg-type]  # NOT NULL refuses it
    settle = Settlement(f"a:{article.article_id}", "done", run, follow=(broken,))
    with pytest.raises(StoreError, match=f"saving article {article.article_id}"):
        store.save_article(article, make_raw(article), run_id=run, settle=settle)
    assert store.archived_ids() == set()
    assert frontier.states() == {"pending": 1}
    assert store.counts()["fetches"] == store.counts()["raw_pages"] == 0


def test_a_snapshot_is_the_whole_record_with_times_in_iso_8601() -> None:
    article = make_article()
    whole = json.loads(json.dumps(asdict(article), default=datetime.isoformat))
    assert snapshot(article) == whole
    assert snapshot(article)["published_at"] == "2024-10-15T10:12:00+07:00"
    assert snapshot(article)["images"][1] == whole["images"][1]
