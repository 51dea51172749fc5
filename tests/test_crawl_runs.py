"""Crawl runs over time: incremental runs, backfills, failures retried, removed articles.

Every test crawls the sample site over real HTTP and checks what the server's own request
log saw. Nothing on the crawl path is mocked.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scraper import crawl as crawl_module
from scraper.crawl import BACKFILL, BACKFILL_PAGE, run_crawl
from scraper.demo import demo_settings
from scraper.errors import StoreError
from scraper.report import (
    EXIT_COVERAGE_DROPPED,
    EXIT_NEARLY_ALL_FAILED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    CrawlReport,
)
from scraper.sample_site import SampleSiteServer
from scraper.sample_site.content import SECTIONS
from scraper.sample_site.site import zone_id
from scraper.settings import Section, Settings
from storage import Store
from storage.frontier import FrontierEntry
from storage.models import FrontierRow

SECTION = "xay-dung-dang"


def settings_for(server: SampleSiteServer, database_url: str, **crawl: Any) -> Settings:
    settings = demo_settings(Settings(), server.base_url, database_url)
    return replace(settings, crawl=replace(settings.crawl, **crawl))


def section_ids(server: SampleSiteServer) -> set[str]:
    return {a.article_id for a in server.site.articles if a.section_slug == SECTION}


def article_paths(server: SampleSiteServer) -> set[str]:
    return {a.path for a in server.site.articles}


def test_a_run_when_nothing_changed_makes_only_a_handful_of_requests(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(server, sqlite_url), store)
        server.clear_log()
        report = run_crawl(settings_for(server, sqlite_url), store)
    paths = [request.path for request in server.requests]
    assert len(paths) <= 5, paths
    assert not set(paths) & article_paths(server)
    assert report.requests == len(paths)
    assert report.exit_code == EXIT_OK


def test_an_incremental_run_stops_walking_the_listing_after_the_overlap(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(server, sqlite_url), store)
        server.clear_log()
        run_crawl(settings_for(server, sqlite_url, overlap=20), store)
    api = [r.path for r in server.requests if r.path.startswith("/api/")]
    # 14 stories on the section page, 10 on page 2: 20 archived ones are met on page 2.
    assert api == [urlpath(server.site.loadmore_url(SECTION, 2))]


def urlpath(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_robots_disallowing_the_api_falls_back_to_sitemaps_and_rss(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str
) -> None:
    server = sample_server_factory(robots_disallow_api=True)
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url), store)
        assert store.archived_ids() == section_ids(server)
    assert not [r for r in server.requests if r.path.startswith("/api/")]
    api_notes = [note for note in report.notes if "load-more API not used" in note]
    assert len(api_notes) == 1 and "robots.txt disallows" in api_notes[0], report.notes
    assert server.requests_to("/sitemap.xml")
    assert report.exit_code == EXIT_OK


def test_a_robots_txt_shutting_the_crawler_out_is_exit_3_not_a_quiet_success(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str
) -> None:
    server = sample_server_factory(robots_blocked_agent="baohatinh-archive")
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url), store)
        assert store.archived_ids() == set()
    assert [r.path for r in server.requests] == ["/robots.txt"]
    assert report.skipped_by_robots > 0 and report.failed_total == 0
    assert report.blocked_by_robots
    assert "robots.txt forbids every listing this run tried: nothing can be discovered" in (
        report.notes
    )
    assert report.exit_code == EXIT_NEARLY_ALL_FAILED


@pytest.mark.parametrize("alias", ["www.", "m."])
def test_feeds_naming_articles_on_another_host_lose_none_of_them(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str, alias: str
) -> None:
    server = sample_server_factory(feed_host_alias=alias)
    settings = settings_for(server, sqlite_url, follow_depth=0)
    with Store.open(sqlite_url) as store:
        # The feed is read before the load-more pages that name some of its articles.
        report = run_crawl(settings, store)
        assert store.archived_ids() == section_ids(server)
        # The site under another name is the site: nothing asked of a host not allowed.
        assert report.failed_total == 0 and report.exit_code == EXIT_OK
        assert not [r for r in server.requests if alias in r.headers.get("host", "")]


def test_an_unreachable_robots_txt_is_reported_as_unreachable_not_as_a_rule(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    server.faults.error("/robots.txt", 503, times=100)
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url), store)
        assert store.archived_ids() == set()
    api_notes = [note for note in report.notes if "load-more API not used" in note]
    assert len(api_notes) == 1, report.notes
    assert "robots.txt unreachable (HTTP 503)" in api_notes[0]
    assert "treated as disallowed (RFC 9309)" in api_notes[0]
    assert "disallows" not in api_notes[0]
    assert not [r for r in server.requests if r.path != "/robots.txt"]


def test_a_failed_load_more_page_does_not_end_discovery_and_is_resumed_in_the_run(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    page3 = urlpath(server.site.loadmore_url(SECTION, 3))
    # Fails all four attempts of the first go; the retry at the end of the run succeeds.
    server.faults.error(page3, 503, times=4)
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url), store)
        assert store.archived_ids() == section_ids(server)
    assert len(server.requests_to(page3)) == 5
    assert report.failed_total == 0 and report.exit_code == EXIT_OK


def test_a_load_more_page_failing_the_whole_run_is_resumed_by_the_next_run(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    page3 = urlpath(server.site.loadmore_url(SECTION, 3))
    server.faults.error(page3, 503)
    settings = settings_for(server, sqlite_url, retry_base_seconds=0.0, overlap=1000)
    with Store.open(sqlite_url) as store:
        first = run_crawl(settings, store)
        missing = section_ids(server) - store.archived_ids()
        assert missing and first.exit_code == EXIT_SOME_FAILED
        server.faults.clear()
        run_crawl(settings, store)
        assert store.archived_ids() == section_ids(server)


def test_urls_that_failed_are_retried_by_a_later_run_after_their_backoff(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    victim = server.site.seed
    server.faults.error(victim.path, 500)
    with Store.open(sqlite_url) as store:
        waiting = settings_for(server, sqlite_url, retry_base_seconds=3600.0)
        run_crawl(waiting, store)
        assert victim.article_id not in store.archived_ids()
        server.faults.clear()
        server.clear_log()
        run_crawl(waiting, store)  # an hour has not passed: not yet
        assert not server.requests_to(victim.path)
        assert hours_until_retry(store, victim.article_id) == pytest.approx(1, abs=0.01)
        make_due(store, victim.article_id)  # an hour later
        run_crawl(waiting, store)
        assert victim.article_id in store.archived_ids()
        assert len(server.requests_to(victim.path)) == 1


def hours_until_retry(store: Store, article_id: str) -> float:
    with Session(store.engine) as session:
        row = session.scalars(select(FrontierRow).where(FrontierRow.key == f"a:{article_id}")).one()
        return (row.next_attempt_at - row.updated_at).total_seconds() / 3600


def make_due(store: Store, article_id: str) -> None:
    with Session(store.engine) as session, session.begin():
        session.execute(
            update(FrontierRow)
            .where(FrontierRow.key == f"a:{article_id}")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_articles_gone_from_the_site_are_marked_removed_and_kept(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    gone_410, gone_404, moved_home = sorted(section_ids(server))[:3]
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(server, sqlite_url), store)
        before = store.get_article(gone_410)
        row = store.frontier().entries([f"a:{gone_410}"])[f"a:{gone_410}"]
        first_etag, first_modified = row.etag, row.last_modified
        assert first_etag or first_modified  # the site gives validators
        server.faults.error(server.site.article(gone_410).path, 410)
        server.faults.error(server.site.article(gone_404).path, 404)
        server.faults.redirect(server.site.article(moved_home).path, server.url("/"))
        report = run_crawl(settings_for(server, sqlite_url, recheck_days=100_000), store)
        assert report.removed == 3
        for article_id in (gone_410, gone_404, moved_home):
            assert store.get_article(article_id).removed_at is not None
        after = store.get_article(gone_410)
        assert after.article == before.article and after.revisions == before.revisions
        others = section_ids(server) - {gone_410, gone_404, moved_home}
        assert all(store.get_article(i).removed_at is None for i in others)
        # Still gone at the next re-check: counted once, the first time seen gone kept.
        first_seen = store.get_article(gone_404).removed_at
        again = run_crawl(settings_for(server, sqlite_url, recheck_days=100_000), store)
        assert again.removed == 0
        assert store.get_article(gone_404).removed_at == first_seen
        # Back on the site (unchanged: no conditional request may hide it), it is on it,
        # even with the validators a removal before this version left on its row.
        with Session(store.engine) as session, session.begin():
            session.execute(
                update(FrontierRow)
                .where(FrontierRow.key == f"a:{gone_410}")
                .values(etag=first_etag, last_modified=first_modified)
            )
        server.faults.clear()
        back = run_crawl(settings_for(server, sqlite_url, recheck_days=100_000), store)
        assert back.removed == 0
        restored = store.get_article(gone_410)
        assert restored.removed_at is None and restored.revisions == before.revisions


def test_a_full_backfill_walks_the_whole_history_and_sitemaps(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url), store, full=True)
        assert store.archived_ids() == section_ids(server)
    assert report.mode == "full"
    assert server.requests_to("/sitemap.xml")
    last = urlpath(server.site.loadmore_url(SECTION, server.site.loadmore_pages(SECTION)))
    assert server.requests_to(last)


def stop_once_fetched(count: int) -> tuple[threading.Event, Callable[[CrawlReport], None]]:
    """A stop event, and the progress callback that sets it once ``count`` pages are
    fetched (fetched, not new: articles count as new when their group commits)."""
    stop = threading.Event()

    def progress(report: CrawlReport) -> None:
        if report.fetched >= count:
            stop.set()

    return stop, progress


def backfill_stopped_after_page(
    page: int,
    settings: Settings,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    kind: str = BACKFILL,
) -> CrawlReport:
    """Run a ``--full`` crawl stopped right after it read page ``page`` of its walk (by
    load-more pages, or by next-page links with ``kind=BACKFILL_PAGE``), as a SIGTERM or
    the time limit would stop it there."""
    stop = threading.Event()
    read_listing = crawl_module._Crawl.read_listing

    def read_then_stop(crawl: Any, entry: Any, raw: Any) -> None:
        read_listing(crawl, entry, raw)
        if entry.kind == kind and entry.depth == page:
            stop.set()

    with monkeypatch.context() as patch:
        patch.setattr(crawl_module._Crawl, "read_listing", read_then_stop)
        return run_crawl(settings, store, full=True, stop=stop)


def test_a_backfill_stopped_during_its_walk_goes_on_from_its_next_page(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    assert server.site.loadmore_pages(SECTION) >= 4  # pages 2 and 3, then more to walk
    settings = settings_for(server, sqlite_url)
    with Store.open(sqlite_url) as store:
        assert backfill_stopped_after_page(3, settings, store, monkeypatch).stopped
        read = {r.path for r in server.requests if r.path.startswith("/api/")}
        assert read == {urlpath(server.site.loadmore_url(SECTION, n)) for n in (2, 3)}
        server.clear_log()
        run_crawl(settings, store, full=True)
        assert store.archived_ids() == section_ids(server)
    again = [r.path for r in server.requests]
    assert not read & set(again)  # the walk went on from page 4
    last = server.site.loadmore_pages(SECTION)
    assert urlpath(server.site.loadmore_url(SECTION, last)) in again
    assert not [path for path in again if path.startswith("/sitemaps/")]  # read by the first


def test_an_incremental_run_leaves_a_stopped_backfill_s_walk_to_the_next_backfill(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    settings = settings_for(server, sqlite_url, follow_depth=0, overlap=5)
    with Store.open(sqlite_url) as store:
        assert backfill_stopped_after_page(3, settings, store, monkeypatch).stopped
        with Session(store.engine) as session:
            query = select(FrontierRow.key).where(FrontierRow.kind == "article")
            found = {key.removeprefix("a:") for key in session.scalars(query)}
        server.clear_log()
        report = run_crawl(settings, store)  # cron's next incremental run
        # It fetched the section's articles the backfill had found (its sitemaps named
        # other sections' too), and walked no further than the backfill's walk had: page
        # 4, the backfill's next, is left pending for the next backfill.
        assert store.archived_ids() == found & section_ids(server)
        read = {r.path for r in server.requests if r.path.startswith("/api/")}
        assert read <= {urlpath(server.site.loadmore_url(SECTION, n)) for n in (2, 3)}
        assert f"backfill walk of {SECTION} under way: left to the next --full/--since run" in (
            report.notes
        )
        server.clear_log()
        run_crawl(settings, store, full=True)
        assert store.archived_ids() == section_ids(server)
    again = {r.path for r in server.requests}
    assert urlpath(server.site.loadmore_url(SECTION, 4)) in again
    assert urlpath(server.site.loadmore_url(SECTION, 3)) not in again


def test_an_incremental_run_leaves_a_stopped_backfill_s_sitemaps_to_the_next_backfill(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    settings = settings_for(server, sqlite_url, follow_depth=0)
    with Store.open(sqlite_url) as store:
        run_crawl(settings, store)
        # A --full slice stopped right after the sitemap index: every month left to read.
        stopped = backfill_stopped_after_page(0, settings, store, monkeypatch, "sitemap-index")
        assert stopped.stopped
        server.clear_log()
        report = run_crawl(settings, store)  # cron's next incremental run
        assert not [r.path for r in server.requests if r.path.startswith("/sitemaps/")]
        assert "backfill's monthly sitemaps under way: left to the next --full/--since run" in (
            report.notes
        )
        server.clear_log()
        run_crawl(settings, store, full=True)
        assert store.archived_ids() == section_ids(server)
    # The next backfill read the months the slice had left.
    assert [r.path for r in server.requests if r.path.startswith("/sitemaps/")]


def test_a_backfill_walking_next_page_links_goes_on_from_its_next_page(
    sample_server_factory: Callable[..., SampleSiteServer],
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A site without the load-more API: the history is walked by next-page links alone.
    server = sample_server_factory(html_pagination=True)
    server.faults.error(re.compile(r"^/api/"), 404)
    assert server.site.loadmore_pages(SECTION) >= 4  # pages 2 and 3, then more to walk
    settings = settings_for(server, sqlite_url, follow_depth=0)
    with Store.open(sqlite_url) as store:
        assert backfill_stopped_after_page(3, settings, store, monkeypatch, BACKFILL_PAGE).stopped
        read = {r.path for r in server.requests if "?page=" in r.path}
        assert read == {f"/{SECTION}/?page={n}" for n in (2, 3)}
        server.clear_log()
        report = run_crawl(settings, store, full=True)
        assert store.archived_ids() == section_ids(server)
    again = [r.path for r in server.requests]
    assert not read & set(again)  # the walk went on from page 4
    assert f"/{SECTION}/?page={server.site.loadmore_pages(SECTION)}" in again
    assert f"backfill walk of {SECTION} goes on where it was left" in report.notes


def test_after_a_backfill_by_next_page_links_an_incremental_run_stops_at_the_overlap(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str
) -> None:
    server = sample_server_factory(html_pagination=True)
    server.faults.error(re.compile(r"^/api/"), 404)
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(server, sqlite_url, follow_depth=0), store, full=True)
        server.clear_log()
        # The section page's 14 archived stories, then page 2's 10: past 20, it stops.
        run_crawl(settings_for(server, sqlite_url, follow_depth=0, overlap=20), store)
    assert [r.path for r in server.requests if "?page=" in r.path] == [f"/{SECTION}/?page=2"]


def test_a_backfill_reads_the_months_a_narrower_run_left_unqueued(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    months = sorted(path for path in server.site.routes if path.startswith("/sitemaps/"))
    assert len(months) > 2
    with Store.open(sqlite_url) as store:
        # As an incremental run stopped while reading the newest month would leave it.
        newest = FrontierEntry.listing("sitemap", server.base_url + months[-1])
        store.frontier().requeue([newest])
        run_crawl(settings_for(server, sqlite_url), store, full=True)
    read = sorted({r.path for r in server.requests if r.path.startswith("/sitemaps/")})
    assert read == months


def test_articles_a_resumed_backfill_met_by_link_first_still_belong_to_the_listing_s_section(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    # Chính trị is a parent zone: it lists Xây dựng Đảng's stories, whose own pages name
    # Xây dựng Đảng. Only the listing can say they belong to the configured section.
    server.faults.error(re.compile(r"sitemap"), 404)
    base = settings_for(server, sqlite_url)
    settings = replace(base, sections=(Section("chinh-tri", "Chính trị"),))
    with Store.open(sqlite_url) as store:
        assert backfill_stopped_after_page(2, settings, store, monkeypatch).stopped
        # The next run fetches the articles left first; their "Đọc thêm" links name
        # articles of pages 3 and 4 before the walk gets there.
        run_crawl(settings, store, full=True)
        assert store.archived_ids() == {a.article_id for a in server.site.listings[2]}


def test_a_section_added_while_a_backfill_is_under_way_gets_its_own_walk(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    settings = settings_for(server, sqlite_url)
    with Store.open(sqlite_url) as store:
        assert backfill_stopped_after_page(2, settings, store, monkeypatch).stopped
        server.clear_log()
        both = replace(settings, sections=(*settings.sections, Section("chinh-tri", "Chính trị")))
        run_crawl(both, store, full=True)
    again = {r.path for r in server.requests}
    assert urlpath(server.site.loadmore_url(SECTION, 2)) not in again  # went on from page 3
    assert urlpath(server.site.loadmore_url(SECTION, 3)) in again
    assert urlpath(server.site.loadmore_url("chinh-tri", 2)) in again  # walked from the start


def test_a_backfill_fetches_the_articles_an_earlier_one_left_before_walking_again(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    stop, stop_after_five = stop_once_fetched(5)  # the walk is over: listings come first
    settings = settings_for(server, sqlite_url, concurrency=1)
    with Store.open(sqlite_url) as store:
        first = run_crawl(settings, store, full=True, stop=stop, progress=stop_after_five)
        assert first.stopped
        left = section_ids(server) - store.archived_ids()
        assert left
        server.clear_log()
        run_crawl(settings, store, full=True)
        assert store.archived_ids() == section_ids(server)
    paths = [r.path for r in server.requests]
    walk = min(i for i, path in enumerate(paths) if path.startswith("/api/"))
    assert {server.site.article(i).path for i in left} <= set(paths[:walk])


def test_parsing_in_workers_or_in_the_crawl_s_own_process_archives_the_same_records(
    clean_sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    server = clean_sample_server
    records: dict[int, dict[str, Any]] = {}
    for processes in (0, 2):
        url = f"sqlite:///{tmp_path / f'parsed-by-{processes}.db'}"
        with Store.open(url) as store:
            report = run_crawl(settings_for(server, url, parse_processes=processes), store)
            records[processes] = {i: store.get_article(i).article for i in store.archived_ids()}
        assert report.exit_code == EXIT_OK
    assert set(records[2]) == section_ids(server)
    assert records[2] == records[0]


def test_a_stopped_run_commits_what_it_has_and_the_next_run_finishes(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    stop, stop_after_five = stop_once_fetched(5)
    settings = settings_for(server, sqlite_url, concurrency=1)
    with Store.open(sqlite_url) as store:
        first = run_crawl(settings, store, stop=stop, progress=stop_after_five)
        assert first.stopped
        assert 5 <= len(store.archived_ids()) < len(section_ids(server))
        stored = store.archived_ids()
        server.clear_log()
        run_crawl(settings, store)
        assert store.archived_ids() == section_ids(server)
    fetched_again = {r.path for r in server.requests} & {
        server.site.article(i).path for i in stored
    }
    assert not fetched_again


def test_a_run_past_its_time_limit_takes_no_new_url_and_the_next_run_finishes(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    # One request every 0.1 s at most: in 1.5 s the run cannot reach the whole section.
    limited = settings_for(
        server, sqlite_url, concurrency=1, delay_seconds=0.1, max_run_minutes=1.5 / 60
    )
    with Store.open(sqlite_url) as store:
        first = run_crawl(limited, store)
        assert first.stopped
        assert any("time limit of 0.025 min reached" in note for note in first.notes)
        assert first.exit_code == EXIT_OK  # a planned stop is no failure
        assert "stopped before the end" in first.summary()
        stored = store.archived_ids()
        assert len(stored) < len(section_ids(server))
        server.clear_log()
        second = run_crawl(replace(limited, crawl=replace(limited.crawl, max_run_minutes=0)), store)
        assert not second.stopped
        assert store.archived_ids() == section_ids(server)
        assert store.counts()["articles"] == len(section_ids(server))
    fetched_again = {r.path for r in server.requests} & {
        server.site.article(i).path for i in stored
    }
    assert not fetched_again


@pytest.mark.parametrize(
    "waiting",
    [
        pytest.param(re.compile(r"^/api/"), id="a listing page fetched on the crawl's thread"),
        pytest.param(re.compile(r"-post\d+\.html"), id="every article slot busy"),
    ],
)
def test_the_time_limit_cuts_short_a_wait_for_retry_after_and_counts_no_failure(
    clean_sample_server: SampleSiteServer, sqlite_url: str, waiting: re.Pattern[str]
) -> None:
    server = clean_sample_server
    # Each of these answers asks for 15 s: without the limit cutting the waits short, the
    # URL would fail its attempts and count (exit 3) long after the limit.
    server.faults.error(waiting, 429, retry_after="15")
    settings = settings_for(server, sqlite_url, concurrency=2, max_run_minutes=1 / 60)
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings, store)
        states = store.frontier().states()
    assert report.stopped
    assert report.failed_total == 0 and report.exit_code == EXIT_OK
    assert "failed" not in states and states["pending"] > 0  # the next run takes them up


def test_a_stop_cuts_short_the_wait_between_requests_even_on_the_crawl_s_own_thread(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    # 20 s between requests: the section page, read on the crawl's own thread, waits for
    # its turn; a signal (the stop) must end that wait, not let the request go out.
    settings = settings_for(server, sqlite_url, delay_seconds=20.0, concurrency=1)
    stop = threading.Event()
    with Store.open(sqlite_url) as store:
        stopper = threading.Timer(0.5, stop.set)
        stopper.start()
        report = run_crawl(settings, store, stop=stop)
        stopper.join()
        states = store.frontier().states()
    assert report.stopped and report.exit_code == EXIT_OK
    assert [r.path for r in server.requests] == ["/robots.txt"]  # nothing after the stop
    assert "failed" not in states and states["pending"] > 0
    assert not [note for note in report.notes if "robots.txt" in note]


class RefusingArchive:
    """The archive, refusing its ``refuse``-th group of articles as a full disk would."""

    def __init__(self, store: Store, refuse: int) -> None:
        self.store, self.refuse, self.groups = store, refuse, 0

    def save_articles(self, items: Any, **options: Any) -> Any:
        self.groups += 1
        if self.groups == self.refuse:
            raise StoreError(f"saving {len(items)} articles failed: database or disk is full")
        return self.store.save_articles(items, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_group_refused_by_the_database_is_fetched_again_and_stored_once(
    clean_sample_server: SampleSiteServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = clean_sample_server
    monkeypatch.setattr(crawl_module, "WRITE_BATCH", 8)  # several groups on a small site
    settings = settings_for(server, sqlite_url, concurrency=2)
    with Store.open(sqlite_url) as store:
        with pytest.raises(StoreError, match="disk is full"):
            run_crawl(settings, RefusingArchive(store, refuse=2))  # type: ignore[arg-type]
        # The run is recorded with the code the process ends with: 5, the archive failed.
        [run] = store.recent_reports(1)
        assert run["exit_code"] == 5
        stored = store.archived_ids()
        assert 0 < len(stored) < len(section_ids(server))  # the first group is committed
        with Session(store.engine) as session:
            query = select(FrontierRow.key, FrontierRow.state).where(FrontierRow.kind == "article")
            states = {key: state for key, state in session.execute(query)}
        # Done means stored; the refused group, and what was not reached, wait pending.
        assert {key for key, state in states.items() if state == "done"} == {
            f"a:{i}" for i in stored
        }
        assert {states[f"a:{i}"] for i in section_ids(server) - stored} == {"pending"}
        server.clear_log()
        run_crawl(settings, store)
        assert store.archived_ids() == section_ids(server)
        counts = store.counts()
        assert counts["revisions"] == counts["articles"] == len(section_ids(server))
    fetched = {r.path for r in server.requests}
    assert not fetched & {server.site.article(i).path for i in stored}
    assert {server.site.article(i).path for i in section_ids(server) - stored} <= fetched


def test_a_field_coverage_drop_warns_and_exits_4(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    settings = settings_for(server, sqlite_url)
    # The site changed its author markup, and the archivist's override no longer matches.
    broken = replace(
        settings,
        profile=settings.profile.with_overrides(selectors={"author": ("span.no-such-author",)}),
    )
    with Store.open(sqlite_url) as store:
        for _ in range(2):  # earlier runs where every article had an author
            run_id = store.begin_run()
            earlier = {"coverage": {"author": 1.0, "title": 1.0}, "coverage_articles": 40}
            store.finish_run(run_id, earlier, 0)
        report = run_crawl(broken, store)
    assert report.coverage["title"] == 1.0
    assert report.coverage["author"] < 0.5  # the bold last paragraph still gives some
    assert report.exit_code == EXIT_COVERAGE_DROPPED
    assert [w for w in report.coverage_warnings if "'author'" in w]
    assert not [w for w in report.coverage_warnings if "'title'" in w]
    assert re.search(r"author \d+%", report.summary())


def test_a_backfill_since_a_date_archives_that_stretch_and_stops_walking_past_it(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    listing = server.site.section_articles(SECTION)  # newest first
    since = listing[19].published_at.date()  # on load-more page 2
    wanted = {a.article_id for a in listing if a.published_at.date() >= since}
    with Store.open(sqlite_url) as store:
        # Without following "Đọc thêm" links, which may lead to older articles.
        settings = settings_for(server, sqlite_url, follow_depth=0)
        report = run_crawl(settings, store, since=since)
        archived = store.archived_ids()
    assert report.mode == "since"
    assert wanted <= archived
    assert {
        a.article_id for a in listing if a.published_at.date() < since - timedelta(days=40)
    }.isdisjoint(archived)
    last = urlpath(server.site.loadmore_url(SECTION, server.site.loadmore_pages(SECTION)))
    assert not server.requests_to(last)


def test_doc_them_links_are_followed_to_a_bounded_depth_and_kept_only_in_section(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    others = {a.path for a in server.site.articles if a.section_slug != SECTION}
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url, follow_depth=1), store)
        assert store.archived_ids() == section_ids(server)
    followed = {r.path for r in server.requests} & others
    assert followed and report.out_of_section == len(followed)

    server.clear_log()
    with Store.open(sqlite_url.replace("archive.db", "depth0.db")) as store:
        report = run_crawl(settings_for(server, sqlite_url, follow_depth=0), store)
    assert not {r.path for r in server.requests} & others
    assert report.out_of_section == 0


def test_articles_skipped_as_out_of_section_are_archived_once_a_configured_section_lists_them(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    by_path = {a.path: a for a in server.site.articles}
    with Store.open(sqlite_url) as store:
        first = run_crawl(settings_for(server, sqlite_url, follow_depth=1), store)
        followed = [by_path[r.path] for r in server.requests if r.path in by_path]
        skipped = {a.article_id: a.section_slug for a in followed if a.section_slug != SECTION}
        assert first.out_of_section == len(skipped) > 0
        # The archivist adds the section of one of them: its listing names them all.
        added = Counter(skipped.values()).most_common(1)[0][0]
        name = next(section.name for section in SECTIONS if section.slug == added)
        base = settings_for(server, sqlite_url, follow_depth=0)
        both = replace(base, sections=(*base.sections, Section(added, name)))
        run_crawl(both, store)
        listed = {a.article_id for a in server.site.listings[zone_id(added)]}
        assert {found for found, slug in skipped.items() if slug == added} <= listed
        assert store.archived_ids() == section_ids(server) | listed


def test_html_next_page_links_are_walked_when_the_load_more_api_fails(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str
) -> None:
    server = sample_server_factory(html_pagination=True)
    server.faults.error(re.compile(r"^/api/"), 404)
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url, follow_depth=0), store)
        assert store.archived_ids() == section_ids(server)
    pages = server.site.loadmore_pages(SECTION)
    for number in range(2, pages + 1):
        assert len(server.requests_to(f"/{SECTION}/?page={number}")) == 1
    assert report.failed == {"http-404": 1}


def test_a_site_that_is_down_gives_exit_code_3(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    server = clean_sample_server
    server.faults.error(re.compile(r"^/"), 503)  # robots.txt included
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings_for(server, sqlite_url, max_attempts=2), store)
        assert store.archived_ids() == set()
    assert report.exit_code == EXIT_NEARLY_ALL_FAILED
    assert report.failed_total >= 2 and report.skipped_by_robots == 0


def test_a_recheck_answered_not_modified_but_for_one_failure_is_exit_1_not_3() -> None:
    # A nightly re-check: 39 pages answered 304, one parse error. The site is up.
    report = CrawlReport(not_modified=39)
    report.failed["parse-error"] = 1
    assert report.exit_code == EXIT_SOME_FAILED
    report = CrawlReport(not_modified=1)
    report.failed["http-503"] = 39
    assert report.exit_code == EXIT_NEARLY_ALL_FAILED


def test_gzip_monthly_sitemaps_with_zero_padded_months_are_read(
    sample_server_factory: Callable[..., SampleSiteServer], sqlite_url: str
) -> None:
    server = sample_server_factory(robots_disallow_api=True, gzip_sitemaps=True)
    with Store.open(sqlite_url) as store:
        run_crawl(settings_for(server, sqlite_url), store)
        assert store.archived_ids() == section_ids(server)
    monthly = [r.path for r in server.requests if r.path.startswith("/sitemaps/")]
    assert monthly and all(re.search(r"-\d{4}-\d{2}\.xml\.gz$", path) for path in monthly)
