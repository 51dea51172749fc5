"""Saving an article: what a new version replaces, and the frontier row settled with it in
the same transaction (a crawl killed between the two cannot leave one without the other).
Saving a batch: each article exactly as one save would, all of them in one transaction."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from scraper.errors import StoreError
from scraper.records import Image, ImageFile, RelatedLink
from storage import ArticleToSave, Store, search
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


def downloaded(url: str, name: str) -> ImageFile:
    return ImageFile(url, name * 32, f"{name}/{name}.jpg", 1234, "image/jpeg", 10, 10, FETCHED_AT)


def test_a_new_version_keeps_the_download_of_every_image_it_still_shows(store: Store) -> None:
    # An edit of the text (or a caption, or the images' order) leaves the image files as
    # they were: downloaded ones stay downloaded, failed ones keep their retry time.
    kept, failed, dropped, added = (
        f"https://cdn.baohatinh.vn/images/ab/{name}.jpg"
        for name in ("kept", "failed", "gone", "new")
    )
    first = make_article(
        images=tuple(Image(url, None, None, n) for n, url in enumerate((kept, failed, dropped)))
    )
    store.save_article(first, make_raw(first))
    rows = {image.url: image.image_id for image in store.pending_images(first.article_id)}
    store.record_image(rows[kept], downloaded(kept, "ab"))
    store.record_image(rows[dropped], downloaded(dropped, "cd"))
    retry = FETCHED_AT + timedelta(days=2)
    store.record_image(rows[failed], None, "HTTP 503", retry_at=retry)
    images = (
        Image(added, None, None, 0),
        Image(kept, "Chú thích mới", None, 1),
        Image(failed, None, None, 2),
    )
    second = replace(first, images=images, title="Tiêu đề đã sửa")
    later = FETCHED_AT + timedelta(days=1)
    assert store.save_article(second, make_raw(second, fetched_at=later)) == "updated"
    assert store.get_article(first.article_id).article.images == images
    assert store.known_image_file(kept) == downloaded(kept, "ab")
    assert store.known_image_file(dropped) is None  # its row went with it
    assert store.counts()["images"] == 3
    assert [p.url for p in store.pending_images(first.article_id, now=later)] == [added]
    due_later = store.pending_images(first.article_id, now=retry)
    assert [(p.url, p.attempts) for p in due_later] == [(added, 0), (failed, 1)]


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
    settle = Settlement(f"a:{article.article_id}", "done", run, etag='"v1"', follow=(entry("999"),))
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


def test_a_batch_saves_each_article_as_one_save_would(store: Store) -> None:
    kept = make_article("1")
    store.save_article(kept, make_raw(kept))
    later = FETCHED_AT + timedelta(days=1)
    first = make_article("2", title="Phiên bản đầu tiên")
    second = replace(first, title="Phiên bản thứ hai")  # the same article twice in the batch
    batch = [
        ArticleToSave(kept, make_raw(kept, fetched_at=later)),
        ArticleToSave(first, make_raw(first)),
        ArticleToSave(second, make_raw(second, fetched_at=later)),
    ]
    assert store.save_articles(batch) == ["unchanged", "new", "updated"]
    archived = store.get_article("2")
    assert (archived.article, archived.revisions) == (second, 2)
    assert store.get_article("1").last_fetched_at == later
    assert [hit.article_id for hit in search(store, "thứ hai").hits] == ["2"]
    assert search(store, '"phiên bản đầu tiên"').total == 0  # replaced in the index
    assert store.counts()["fetches"] == 4


def test_a_batch_stores_a_body_shared_by_two_of_its_articles_once(store: Store) -> None:
    one, two = make_article("1"), make_article("2")
    body = b"<html>the same page frame</html>"
    batch = [ArticleToSave(a, make_raw(a, body=body)) for a in (one, two)]
    assert store.save_articles(batch) == ["new", "new"]
    counts = store.counts()
    assert (counts["raw_pages"], counts["fetches"], counts["articles"]) == (1, 2, 2)


def test_new_articles_of_one_batch_each_keep_their_own_parts_page_and_order(
    store: Store,
) -> None:
    # The articles a batch adds are inserted together: none may get another's images,
    # links, revision or raw page, and their rows are numbered in batch order.
    stored = make_article("1")
    old_page, page_3, page_4 = b"<html>page 1</html>", b"<html>page 3</html>", b"<html>4</html>"
    store.save_article(stored, make_raw(stored, body=old_page))
    articles = [
        make_article(
            str(n),
            title=f"Bài số {n}",
            images=(Image(f"https://cdn.baohatinh.vn/images/{n}.jpg", f"Ảnh {n}", None, 0),),
            related=(
                RelatedLink(
                    f"https://baohatinh.vn/a-post{900 + n}.html", f"Bài {n}", None, "inline"
                ),
            )
            * (n % 2),  # some articles have no related link at all
        )
        for n in (5, 2, 3, 4)
    ]
    bodies = [page_3, old_page, page_3, page_4]  # one body stored before, one shared
    batch = [ArticleToSave(a, make_raw(a, body=b)) for a, b in zip(articles, bodies, strict=True)]
    assert store.save_articles(batch) == ["new"] * 4
    for article in articles:
        archived = store.get_article(article.article_id)
        assert (archived.article, archived.revisions) == (article, 1)
    pages = {fetch.article_id: store.load_raw_page(fetch).body for fetch in store.latest_fetches()}
    assert pages == {"1": old_page, "5": page_3, "2": old_page, "3": page_3, "4": page_4}
    assert store.counts()["raw_pages"] == 3
    with store.engine.connect() as conn:
        in_row_order = conn.execute(text("SELECT article_id FROM articles ORDER BY id"))
        assert [site_id for (site_id,) in in_row_order] == ["1", "5", "2", "3", "4"]


def test_a_batch_larger_than_one_lookup_saves_every_article(store: Store) -> None:
    articles = [make_article(str(n), title=f"Bài số {n}") for n in range(1, 1202)]
    store.save_articles([ArticleToSave(articles[0], make_raw(articles[0]))])
    batch = [ArticleToSave(a, make_raw(a)) for a in articles]
    assert store.save_articles(batch) == ["unchanged"] + ["new"] * 1200
    assert store.counts()["articles"] == 1201
    assert store.get_article("1200").article == articles[1199]


def test_a_batch_settles_every_frontier_row_with_its_article(store: Store) -> None:
    frontier = store.frontier()
    articles = [make_article(str(n)) for n in (1, 2, 3)]
    frontier.add(entry(a.article_id) for a in articles)
    run = store.begin_run()
    batch = [
        ArticleToSave(articles[0], make_raw(articles[0]), Settlement("a:1", "done", run)),
        ArticleToSave(
            articles[1],
            make_raw(articles[1]),
            Settlement("a:2", "done", run, etag='"e2"', follow=(entry("900"), entry("901"))),
        ),
        ArticleToSave(  # two articles leading to the same URL queue it once
            articles[2],
            make_raw(articles[2]),
            Settlement("a:3", "done", run, follow=(entry("901"),)),
        ),
    ]
    assert store.save_articles(batch, run_id=run) == ["new", "new", "new"]
    assert frontier.states() == {"done": 3, "pending": 2}
    known = frontier.entries(["a:1", "a:2"])
    assert (known["a:1"].etag, known["a:2"].etag) == (None, '"e2"')
    assert [e.key for e in frontier.due(run)] == ["a:900", "a:901"]


def test_a_refused_item_leaves_nothing_of_its_batch_written(store: Store) -> None:
    frontier = store.frontier()
    articles = [make_article(str(n)) for n in (1, 2, 3)]
    frontier.add(entry(a.article_id) for a in articles)
    run = store.begin_run()
    broken = replace(entry("999"), url=None)  # type: ignore[arg-type]  # NOT NULL refuses it
    settles = [Settlement(f"a:{a.article_id}", "done", run) for a in articles]
    settles[2] = replace(settles[2], follow=(broken,))
    batch = [ArticleToSave(a, make_raw(a), s) for a, s in zip(articles, settles, strict=True)]
    with pytest.raises(StoreError, match="saving 3 articles"):
        store.save_articles(batch, run_id=run)
    assert store.archived_ids() == set()
    assert frontier.states() == {"pending": 3}
    counts = store.counts()
    assert counts["fetches"] == counts["raw_pages"] == counts["revisions"] == 0
    assert search(store, "Hương Sơn").total == 0


def test_a_batch_with_a_naive_time_is_refused_before_anything_is_written(store: Store) -> None:
    good, naive = make_article("1"), make_article("2")
    batch = [
        ArticleToSave(good, make_raw(good)),
        ArticleToSave(naive, make_raw(naive, fetched_at=FETCHED_AT.replace(tzinfo=None))),
    ]
    with pytest.raises(StoreError, match="no timezone"):
        store.save_articles(batch)
    assert store.archived_ids() == set()


def test_an_empty_batch_writes_nothing(store: Store) -> None:
    assert store.save_articles([]) == []
    assert store.counts()["fetches"] == 0


def test_a_snapshot_is_the_whole_record_with_times_in_iso_8601() -> None:
    article = make_article()
    whole = json.loads(json.dumps(asdict(article), default=datetime.isoformat))
    assert snapshot(article) == whole
    assert snapshot(article)["published_at"] == "2024-10-15T10:12:00+07:00"
    assert snapshot(article)["images"][1] == whole["images"][1]
