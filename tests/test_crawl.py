"""End to end: crawling the sample site over real HTTP archives exactly the section.

The sample site (``scraper.sample_site``) is served by a real local server; its ground truth
says what every page holds. No part of the crawl path is mocked.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.crawl import run_crawl
from scraper.demo import demo_settings
from scraper.sample_site import ArticleTruth, SampleSiteServer
from scraper.settings import Settings
from storage import Store, export_jsonl

SECTION = "xay-dung-dang"
SEED_ID = "274411"


def section_truth(server: SampleSiteServer) -> dict[str, ArticleTruth]:
    return {a.article_id: a for a in server.site.articles if a.section_slug == SECTION}


def settings_for(server: SampleSiteServer, database_url: str) -> Settings:
    return demo_settings(Settings(), server.base_url, database_url)


@pytest.fixture()
def crawled(
    sample_server: SampleSiteServer, db_url: str
) -> Iterator[tuple[Store, object]]:
    """A fresh archive after one crawl of the sample site."""
    with Store.open(db_url) as store:
        report = run_crawl(settings_for(sample_server, db_url), store)
        yield store, report


def test_a_crawl_archives_every_section_article_and_no_other(
    sample_server: SampleSiteServer, crawled: tuple[Store, object]
) -> None:
    store, report = crawled
    truth = section_truth(sample_server)
    assert len(truth) >= 30
    assert store.archived_ids() == set(truth)
    assert report.new == len(truth)
    assert report.failed_total == 0
    assert report.exit_code == 0
    # The taken-down article still listed answers the error page with status 200.
    assert report.not_articles == len(sample_server.site.removed) == 1


def test_every_archived_article_matches_what_its_page_shows(
    sample_server: SampleSiteServer, crawled: tuple[Store, object]
) -> None:
    store, _ = crawled
    for article_id, truth in section_truth(sample_server).items():
        article = store.get_article(article_id).article
        assert article.url == truth.url
        assert article.title == truth.title
        assert article.lead == truth.lead
        assert article.published_at == truth.published_at
        assert article.author == truth.author
        assert article.tags == truth.tags
        assert article.body_paragraphs == truth.body_paragraphs, article_id
        assert [(i.url, i.caption, i.alt) for i in article.images] == list(truth.images)
        assert [(r.url, r.title, r.summary, r.kind) for r in article.related] == list(
            truth.related
        )


def test_a_second_crawl_fetches_no_stored_article_and_adds_no_rows(
    sample_server: SampleSiteServer, crawled: tuple[Store, object], db_url: str
) -> None:
    store, first = crawled
    before = store.counts()
    second = run_crawl(settings_for(sample_server, db_url), store)
    after = store.counts()
    assert second.fetched == 0
    assert second.new == second.updated == second.unchanged == 0
    for table in ("articles", "revisions", "raw_pages", "images", "related_links"):
        assert after[table] == before[table], table
    assert after["crawl_runs"] == before["crawl_runs"] + 1


def test_a_recheck_of_unchanged_articles_costs_one_304_each_and_no_parse(
    sample_server: SampleSiteServer, crawled: tuple[Store, object], db_url: str
) -> None:
    store, first = crawled
    before = store.counts()
    settings = settings_for(sample_server, db_url)
    settings = replace(settings, crawl=replace(settings.crawl, recheck_days=100_000))
    second = run_crawl(settings, store)
    after = store.counts()
    assert second.not_modified == first.new
    assert second.fetched == 0 and second.unchanged == 0
    for table in ("articles", "revisions", "raw_pages", "images", "related_links"):
        assert after[table] == before[table], table
    assert after["fetches"] == before["fetches"] + first.new


def test_the_seed_article_exports_complete(
    sample_server: SampleSiteServer, crawled: tuple[Store, object]
) -> None:
    store, _ = crawled
    out = io.StringIO()
    export_jsonl(store, out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    seed = next(row for row in rows if row["article_id"] == SEED_ID)
    truth = section_truth(sample_server)[SEED_ID]

    assert seed["title"] == 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024'
    assert seed["published_at"].startswith("2024-10-15T10:12:00+07:00")
    assert seed["lead"].startswith("(Baohatinh.vn) - Đây là những mô hình")
    assert seed["body_text"].split("\n\n") == list(truth.body_paragraphs)
    assert seed["body_text"].startswith("Sáng 15/10, Ban Thường vụ Huyện ủy Hương Sơn")
    assert [Path(image["url"]).name for image in seed["images"]] == [
        "img-5104-5152.jpg", "img-5106-6035.jpg", "img-5120-2211.jpg", "img-5142-9957.jpg",
    ]
    assert seed["images"][0]["caption"] == "Đại biểu tham dự hội nghị"
    doc_them = [link for link in seed["related"] if link["kind"] == "doc-them"]
    assert [link["title"] for link in doc_them][0] == (
        "Hà Tĩnh hoàn thành kiểm điểm cuối năm đúng tiến độ, bảo đảm chất lượng"
    )
    assert len(doc_them) == 5 and all(link["summary"] for link in doc_them)
    titles = [link["title"] for link in doc_them]
    for unwanted in ["Đại biểu tham dự hội nghị", "Đọc thêm", *titles]:
        assert unwanted not in seed["body_text"]


def test_a_page_that_keeps_failing_is_recorded_and_the_crawl_goes_on(
    sample_server: SampleSiteServer, db_url: str
) -> None:
    truth = section_truth(sample_server)
    victim = sorted(truth)[0]
    sample_server.faults.add_status(truth[victim].path, 500, times=100)
    try:
        with Store.open(db_url) as store:
            settings = settings_for(sample_server, db_url)
            report = run_crawl(settings, store)
            assert report.failed["http-500"] == 1
            assert report.exit_code == 1
            assert store.archived_ids() == set(truth) - {victim}
            assert store.counts()["parse_failures"] >= 1
    finally:
        sample_server.faults.clear()
