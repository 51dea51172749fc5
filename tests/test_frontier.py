"""The frontier in the database: one row per article, states that survive the process."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from storage import Store
from storage.frontier import FrontierEntry, retry_delay
from tests.fixtures_db import make_article, make_raw


def article(article_id: str, section: str | None = "xay-dung-dang") -> FrontierEntry:
    return FrontierEntry.article(
        article_id, f"https://baohatinh.vn/a-post{article_id}.html", section
    )


def test_one_article_is_one_row_whichever_url_led_to_it(store: Store) -> None:
    frontier = store.frontier()
    assert frontier.add([article("1"), article("2")]) == 2
    old_url = FrontierEntry.article("1", "https://baohatinh.vn/xay-dung-dang/a/1.htm")
    assert frontier.add([old_url, article("3")]) == 1
    assert frontier.states() == {"pending": 3}


def test_a_key_named_twice_in_one_call_is_added_once(store: Store) -> None:
    frontier = store.frontier()
    twice = FrontierEntry.article("1", "https://baohatinh.vn/xay-dung-dang/a/1.htm")
    assert frontier.add([article("1"), twice, article("2")]) == 2
    assert frontier.entries(["a:1"])["a:1"].url == article("1").url  # the first one named
    assert frontier.add([]) == 0


def test_requeue_adds_new_listings_and_makes_known_ones_due_in_one_go(store: Store) -> None:
    frontier = store.frontier()
    feed = FrontierEntry.listing("rss", "https://baohatinh.vn/rss/xay-dung-dang.rss", "x")
    page = FrontierEntry.listing("section", "https://baohatinh.vn/xay-dung-dang/", "x")
    first = store.begin_run()
    frontier.requeue([feed])
    frontier.settle(feed.key, "done", first)
    second = store.begin_run()
    frontier.requeue([feed, page])
    assert [e.key for e in frontier.due(second)] == [feed.key, page.key]
    assert frontier.states() == {"pending": 2}


def test_listings_come_before_articles_and_settled_rows_are_not_due(store: Store) -> None:
    frontier = store.frontier()
    run = store.begin_run()
    section = FrontierEntry.listing("section", "https://baohatinh.vn/xay-dung-dang/", "x")
    frontier.add([article("1"), article("2")])
    frontier.add([section])
    assert [e.key for e in frontier.due(run)] == [section.key, "a:1", "a:2"]
    frontier.settle(section.key, "done", run)
    frontier.settle("a:1", "done", run, etag='"abc"', last_modified="Tue, 15 Oct 2024")
    assert [e.key for e in frontier.due(run)] == ["a:2"]
    assert frontier.entries(["a:1"])["a:1"].etag == '"abc"'


def test_a_listing_requeued_by_a_later_run_is_due_again(store: Store) -> None:
    frontier = store.frontier()
    section = FrontierEntry.listing("section", "https://baohatinh.vn/xay-dung-dang/", "x")
    first = store.begin_run()
    frontier.requeue([section])
    frontier.settle(section.key, "done", first)
    second = store.begin_run()
    assert frontier.due(second) == []
    frontier.requeue([section])
    assert [e.key for e in frontier.due(second)] == [section.key]


def test_a_failure_waits_longer_each_time_and_is_not_retried_in_the_same_run(
    store: Store,
) -> None:
    frontier = store.frontier()
    frontier.add([article("1")])
    run = store.begin_run()
    assert frontier.fail("a:1", "http-500", run, retry_base_seconds=0.0) == 1
    assert frontier.due(run) == []  # not twice in one run
    later = store.begin_run()
    assert [e.attempts for e in frontier.due(later)] == [1]
    assert frontier.fail("a:1", "http-500", later, retry_base_seconds=60.0) == 2
    assert frontier.due(store.begin_run()) == []  # two minutes to wait
    assert frontier.states() == {"failed": 1}


def test_failed_rows_due_again_and_pending_ones_come_in_one_order_cut_at_the_limit(
    store: Store,
) -> None:
    frontier = store.frontier()
    page = FrontierEntry.listing("loadmore", "https://baohatinh.vn/api/morenews-zone-22-2.html")
    frontier.add([article(str(n)) for n in range(1, 9)])
    frontier.add([page])
    first = store.begin_run()
    for failed in ("a:2", "a:5", "a:6"):  # due again at once for a later run
        frontier.fail(failed, "http-503", first, retry_base_seconds=0.0)
    frontier.fail(page.key, "http-503", first, retry_base_seconds=0.0)
    later = store.begin_run()
    everything = [page.key] + [f"a:{n}" for n in range(1, 9)]
    assert [e.key for e in frontier.due(later)] == everything
    assert [e.key for e in frontier.due(later, limit=4)] == everything[:4]
    assert [e.key for e in frontier.due(later, limit=4, articles=False)] == [page.key]
    frontier.settle("a:1", "done", later)
    assert [e.key for e in frontier.due(later, limit=3)] == [page.key, "a:2", "a:3"]


def test_articles_alone_can_be_asked_for_and_walks_under_way_are_told(store: Store) -> None:
    frontier = store.frontier()
    url = "https://baohatinh.vn/api/morenews-zone-{}-4.html"
    ours = FrontierEntry.listing("backfill", url.format(22), "xay-dung-dang", 4)
    theirs = FrontierEntry.listing("backfill", url.format(23), "thoi-su", 4)
    frontier.add([article("1"), ours, article("2"), theirs])
    run = store.begin_run()
    assert [e.key for e in frontier.due(run, listings=False)] == ["a:1", "a:2"]
    assert frontier.pending_sections("backfill") == {"xay-dung-dang", "thoi-su"}
    frontier.settle(theirs.key, "done", run)
    assert frontier.pending_sections("backfill") == {"xay-dung-dang"}
    assert frontier.pending_sections("sitemap") == set()


def test_a_listing_claims_a_pending_row_queued_without_a_section(store: Store) -> None:
    frontier = store.frontier()
    followed = FrontierEntry.article("7", "https://baohatinh.vn/a-post7.html", None, 1)
    frontier.add([followed, article("9", None)])
    run = store.begin_run()
    frontier.settle("a:9", "skipped", run, reason="not-an-article: no-article-url")
    assert frontier.add([article("7"), article("9")]) == 0
    found = frontier.entries(["a:7", "a:9"])
    assert (found["a:7"].section_slug, found["a:7"].depth) == ("xay-dung-dang", 0)
    assert found["a:7"].url == followed.url  # the row is the same one
    assert found["a:9"].section_slug is None  # a row skipped for another reason is left


def test_a_listing_revives_a_row_skipped_as_out_of_section(store: Store) -> None:
    # Its own page named another section, but a configured section lists it after all.
    frontier = store.frontier()
    frontier.add([FrontierEntry.article("8", "https://baohatinh.vn/a-post8.html", None, 1)])
    run = store.begin_run()
    frontier.settle("a:8", "skipped", run, reason="out-of-section: thoi-su")
    assert frontier.due(run) == []
    assert frontier.add([article("8")]) == 0
    assert [(e.key, e.section_slug, e.depth) for e in frontier.due(run)] == [
        ("a:8", "xay-dung-dang", 0)
    ]  # due again, in the same run too
    frontier.settle("a:8", "done", run)
    assert frontier.add([article("8")]) == 0
    assert frontier.due(run) == [] and frontier.states() == {"done": 1}


def test_a_listing_page_read_before_is_walked_as_the_run_requeueing_it_walks(
    store: Store,
) -> None:
    frontier = store.frontier()
    url = "https://baohatinh.vn/xay-dung-dang/?page={}"
    read, under_way = (
        FrontierEntry.listing("backfill-page", url.format(n), None, n) for n in (2, 3)
    )
    frontier.add([read, under_way])
    frontier.settle(read.key, "done", store.begin_run())
    frontier.requeue(
        [FrontierEntry.listing("section", page.url, None, page.depth) for page in (read, under_way)]
    )
    kinds = {key: entry.kind for key, entry in frontier.entries([read.key, under_way.key]).items()}
    assert kinds == {read.key: "section", under_way.key: "backfill-page"}


def test_a_listing_released_is_tried_again_in_the_same_run(store: Store) -> None:
    frontier = store.frontier()
    page = FrontierEntry.listing("loadmore", "https://baohatinh.vn/api/morenews-zone-22-3.html")
    frontier.add([page])
    run = store.begin_run()
    frontier.fail(page.key, "http-503", run, retry_base_seconds=600.0)
    assert frontier.due(run) == []
    frontier.release([page.key])
    assert [e.key for e in frontier.due(run)] == [page.key]


def test_retry_delays_double_up_to_a_week() -> None:
    assert [retry_delay(600, n) for n in (1, 2, 3)] == [
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
    ]
    assert retry_delay(600, 40) == timedelta(days=7)


def test_mark_removed_keeps_the_article_and_sets_the_time_once(store: Store) -> None:
    store.save_article(make_article("7"), make_raw())
    assert store.mark_removed("7")
    first = store.get_article("7").removed_at
    assert first is not None
    assert not store.mark_removed("7")  # seen gone again: not news, the first time kept
    assert store.get_article("7").removed_at == first
    assert store.get_article("7").article == make_article("7")
    assert not store.mark_removed("8")


def test_a_due_entry_carries_everything_it_was_queued_with(store: Store) -> None:
    frontier = store.frontier()
    queued = FrontierEntry(
        "a:7",
        "article",
        "https://baohatinh.vn/a-post7.html",
        "xay-dung-dang",
        depth=2,
        etag='"e1"',
        last_modified="Tue, 15 Oct 2024 03:12:00 GMT",
    )
    frontier.add([queued])
    run = store.begin_run()
    assert frontier.due(run) == [queued]
    frontier.fail(queued.key, "http-500", run, retry_base_seconds=0.0)
    assert frontier.due(store.begin_run()) == [replace(queued, attempts=1)]


def test_a_row_failed_for_its_url_takes_the_url_a_section_s_listing_names_it_by(
    store: Store,
) -> None:
    frontier = store.frontier()
    alias = "https://m.baohatinh.vn/a-post7.html"  # a feed's alias on a host not allowed
    frontier.add([FrontierEntry.article("7", alias, "xay-dung-dang"),
                  FrontierEntry.article("8", "https://baohatinh.vn/b-post8.html", None, 1),
                  FrontierEntry.article("9", "https://baohatinh.vn/c-post9.html", None, 1)])
    run = store.begin_run()
    frontier.fail("a:7", "host-not-allowed", run, retry_base_seconds=3600)
    frontier.fail("a:9", "http-500", run, retry_base_seconds=3600)
    assert [e.key for e in frontier.due(run)] == ["a:8"]
    # A sitemap (no section) names it by yet another URL: the row keeps its own.
    frontier.add([FrontierEntry.article("7", "https://baohatinh.vn/c-post7.html", None)])
    assert frontier.entries(["a:7"])["a:7"].url == alias
    # The section's listing names all three by their URL: the one refused for its host
    # takes it and is due again, now; the pending one and the one the site failed (its
    # backoff stands) keep theirs.
    assert frontier.add([article("7"), article("8"), article("9")]) == 0
    found = frontier.entries(["a:7", "a:8", "a:9"])
    assert found["a:7"].url == "https://baohatinh.vn/a-post7.html"
    assert found["a:8"].url == "https://baohatinh.vn/b-post8.html"
    assert found["a:9"].url == "https://baohatinh.vn/c-post9.html"
    assert {e.key for e in frontier.due(run)} == {"a:7", "a:8"}
    # The alias named again (the feed, next run): the row keeps the good URL.
    frontier.add([FrontierEntry.article("7", alias, "xay-dung-dang")])
    assert frontier.entries(["a:7"])["a:7"].url == "https://baohatinh.vn/a-post7.html"


def test_requeue_keeps_a_pending_row_s_kind_unless_told_to_take_it(store: Store) -> None:
    frontier = store.frontier()
    month = "https://baohatinh.vn/sitemaps/news-2024-10.xml"
    frontier.add([FrontierEntry.listing("backfill-sitemap", month)])  # a backfill's, pending
    frontier.requeue([FrontierEntry.listing("sitemap", month)])
    assert frontier.entries([f"l:{month}"])[f"l:{month}"].kind == "backfill-sitemap"
    frontier.requeue([FrontierEntry.listing("sitemap", month)], take_pending=True)
    assert frontier.entries([f"l:{month}"])[f"l:{month}"].kind == "sitemap"
