"""End to end: ``run_reparse`` re-parses the archive's stored raw pages without a crawl.

The sample site is crawled into a real archive (SQLite, then PostgreSQL); the parser's
behaviour is then changed through a profile override in the settings, as an archivist
would in ``config.toml``, and the archive is re-parsed. A new revision must appear exactly
where the content changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from scraper.crawl import run_crawl
from scraper.demo import demo_settings
from scraper.reparse import parse_since, run_reparse
from scraper.sample_site import SampleSiteServer
from scraper.settings import Settings, settings_from_dict
from storage import Store, search

SECTION = "xay-dung-dang"
TABLE_CAPTION = '<table class="picture"'


def settings_for(server: SampleSiteServer, db_url: str, overrides: dict | None = None) -> Settings:
    return demo_settings(settings_from_dict(overrides or {}), server.base_url, db_url)


@pytest.fixture()
def archive(sample_server: SampleSiteServer, db_url: str) -> Iterator[Store]:
    """An archive holding one crawl of the sample site's section."""
    with Store.open(db_url) as store:
        report = run_crawl(settings_for(sample_server, db_url), store)
        assert report.failed_total == 0 and report.new >= 30
        yield store


def revisions(store: Store) -> dict[str, int]:
    return {item.article.article_id: item.revisions for item in store.iter_articles()}


def taken_down(server: SampleSiteServer) -> int:
    """Pages of the section the site still lists but serves as its error page (status
    200): the crawl kept each as "not an article", and every reparse tries it again."""
    return sum(1 for gone in server.site.removed if gone.section_slug == SECTION)


def test_reparse_with_the_same_parser_changes_nothing(
    sample_server: SampleSiteServer, archive: Store, db_url: str
) -> None:
    before = revisions(archive)
    fetches = archive.counts()["fetches"]
    report = run_reparse(settings_for(sample_server, db_url), archive)
    assert (report.changed, report.failed, report.new) == (0, 0, 0)
    assert report.not_articles == taken_down(sample_server) == 1
    assert report.reparsed == len(before) + report.not_articles
    assert report.unchanged == len(before) and report.exit_code == 0
    assert revisions(archive) == before
    assert archive.counts()["fetches"] == fetches  # a reparse fetches nothing


def test_a_profile_override_makes_new_revisions_only_where_content_changed(
    sample_server: SampleSiteServer, archive: Store, db_url: str
) -> None:
    fetches = archive.counts()["fetches"]
    # Captions in table.picture are no longer recognised: their articles change, the
    # articles whose images all use figure/figcaption (or have none) do not.
    overrides = {"selectors": {"caption": ["figcaption"]}}
    report = run_reparse(settings_for(sample_server, db_url, overrides), archive)
    truth = {a.article_id: a for a in sample_server.site.articles if a.section_slug == SECTION}
    with_tables = {
        article_id
        for article_id, item in truth.items()
        if TABLE_CAPTION in sample_server.site.lookup(item.path).body.decode("utf-8")
    }
    assert 0 < len(with_tables) < len(truth)
    assert (report.changed, report.unchanged) == (len(with_tables), len(truth) - len(with_tables))
    assert report.failed == 0 and report.exit_code == 0
    counts = revisions(archive)
    assert {article_id for article_id, count in counts.items() if count == 2} == with_tables
    assert all(count in (1, 2) for count in counts.values())
    changed = archive.get_article(sorted(with_tables)[0]).article
    assert any(image.caption is None for image in changed.images)
    assert archive.counts()["fetches"] == fetches  # nothing was fetched


def test_reparsing_twice_adds_no_second_revision(
    sample_server: SampleSiteServer, archive: Store, db_url: str
) -> None:
    overrides = {"selectors": {"caption": ["figcaption"]}}
    first = run_reparse(settings_for(sample_server, db_url, overrides), archive)
    again = run_reparse(settings_for(sample_server, db_url, overrides), archive)
    assert first.changed > 0
    assert (again.changed, again.unchanged) == (0, first.reparsed - first.not_articles)


def test_pages_that_no_longer_parse_are_counted_and_the_records_kept(
    sample_server: SampleSiteServer, archive: Store, db_url: str
) -> None:
    before = revisions(archive)
    # An article pattern that no URL matches: every page becomes "not an article".
    overrides = {"url_patterns": {"article": r"^/never-(?P<id>\d+)$"}}
    report = run_reparse(settings_for(sample_server, db_url, overrides), archive)
    assert (report.failed, report.changed) == (len(before), 0)
    assert report.reparsed == len(before) + taken_down(sample_server)
    assert report.exit_code == 1
    assert all("not an article" in line for line in report.failures)
    assert revisions(archive) == before
    assert f"failed {len(before)}" in report.summary().splitlines()[0]


def test_since_selects_by_fetch_time(
    sample_server: SampleSiteServer, archive: Store, db_url: str
) -> None:
    settings = settings_for(sample_server, db_url)
    later = datetime.now(UTC) + timedelta(days=1)
    assert run_reparse(settings, archive, since=later).reparsed == 0
    earlier = datetime.now(UTC) - timedelta(days=1)
    expected = len(revisions(archive)) + taken_down(sample_server)
    assert run_reparse(settings, archive, since=earlier).reparsed == expected


def test_since_accepts_a_date_or_an_iso_time_in_vietnam_time() -> None:
    assert parse_since("2024-10-15") == datetime(2024, 10, 15, tzinfo=UTC) + timedelta(hours=-7)
    assert parse_since("2024-10-15T10:12:00+00:00") == datetime(2024, 10, 15, 10, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="'15/10/2024'"):
        parse_since("15/10/2024")


# A layout change the selectors missed: no page yields a body, so the crawl keeps every
# page as "not an article" with its raw page, and archives none.
MISSED_LAYOUT = {"selectors": {"body": ["div.no-such-body"], "error_page_words": ["Tĩnh"]}}


@pytest.fixture()
def missed_crawl(sample_server: SampleSiteServer, db_url: str) -> Iterator[Store]:
    """An archive whose one crawl could parse none of the pages it fetched."""
    with Store.open(db_url) as store:
        report = run_crawl(settings_for(sample_server, db_url, MISSED_LAYOUT), store)
        assert report.new == 0 and report.not_articles >= 30
        assert store.counts()["articles"] == 0
        yield store


def frontier_states(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT key, state FROM frontier WHERE key LIKE 'a:%'"))
        return {key.removeprefix("a:"): state for key, state in rows}


def test_pages_that_failed_to_parse_when_crawled_are_archived_once_the_parser_is_fixed(
    sample_server: SampleSiteServer, missed_crawl: Store, db_url: str
) -> None:
    kept = missed_crawl.counts()["parse_failures"]
    report = run_reparse(settings_for(sample_server, db_url), missed_crawl)
    truth = {a.article_id for a in sample_server.site.articles if a.section_slug == SECTION}
    assert report.new == len(truth) and report.failed == 0 and report.exit_code == 0
    assert revisions(missed_crawl) == dict.fromkeys(truth, 1)
    assert search(missed_crawl, "huong son bieu duong").total >= 1
    # Settled in the frontier: the next crawl does not fetch them again.
    states = frontier_states(missed_crawl)
    assert all(states[article_id] == "done" for article_id in truth)
    assert missed_crawl.counts()["parse_failures"] == kept  # the history stays
    again = run_reparse(settings_for(sample_server, db_url), missed_crawl)
    assert (again.new, again.unchanged) == (0, len(truth))
    assert again.reparsed == len(truth) + taken_down(sample_server)  # it stays no article


def test_kept_pages_that_are_still_not_articles_are_counted_apart_without_failing(
    sample_server: SampleSiteServer, missed_crawl: Store, db_url: str
) -> None:
    report = run_reparse(settings_for(sample_server, db_url, MISSED_LAYOUT), missed_crawl)
    assert report.not_articles >= 30 and report.reparsed == report.not_articles
    assert (report.new, report.failed, report.failures, report.exit_code) == (0, 0, [], 0)
    assert missed_crawl.counts()["articles"] == 0
    assert f"not articles {report.not_articles}" in report.summary()


def test_an_error_page_answered_by_a_recheck_does_not_replace_the_page_behind_the_record(
    sample_server: SampleSiteServer, db_url: str
) -> None:
    settings = settings_for(sample_server, db_url, {"crawl": {"recheck_days": 36500}})
    seed = sample_server.site.seed
    with Store.open(db_url) as store:
        run_crawl(settings, store)
        sample_server.faults.error(seed.path, 200, times=1)  # a CMS hiccup, status 200
        assert run_crawl(settings, store).failed_total == 1
        run_crawl(settings, store)  # the site is fine again: 304 Not Modified
        before = revisions(store)
        for _ in range(2):  # not once, and not on every later reparse either
            report = run_reparse(settings, store)
            assert (report.failed, report.failures, report.exit_code) == (0, [], 0)
            assert report.unchanged == len(before)
            assert report.reparsed == len(before) + taken_down(sample_server)
        assert revisions(store) == before
        assert seed.article_id in before
