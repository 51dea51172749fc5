"""A crawl through a faulty site: everything reachable ends archived, politely.

Faults are injected into the real sample-site server; what the crawler did is read from
the server's own request log, never from the crawler's word.
"""

from __future__ import annotations

import random
from dataclasses import replace

from scraper.crawl import run_crawl
from scraper.demo import demo_settings
from scraper.report import EXIT_SOME_FAILED
from scraper.sample_site import SampleSiteServer
from scraper.settings import Settings
from storage import Store

SECTION = "xay-dung-dang"
RETRY_AFTER = 1


def test_a_faulty_site_is_archived_completely_and_politely(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    with SampleSiteServer(host="127.0.0.2") as elsewhere:  # stands for a foreign host
        crawl_a_faulty_site(clean_sample_server, elsewhere, sqlite_url)


def crawl_a_faulty_site(
    server: SampleSiteServer, elsewhere: SampleSiteServer, sqlite_url: str
) -> None:
    truth = sorted(
        (a for a in server.site.articles if a.section_slug == SECTION), key=lambda a: a.article_id
    )
    rng = random.Random(10)
    victims = rng.sample(truth, 15)
    flaky, limited, slow, dropped = victims[:4], victims[4], victims[5:7], victims[7:9]
    off_host, looping, oversize, trickled = victims[9], victims[10], victims[11], victims[12]
    for article in flaky:  # 10 % of the section answers 5xx, then recovers
        server.faults.error(article.path, 503, times=2)
    rate_rule = server.faults.rate_limit(limited.path, RETRY_AFTER, times=1)
    for article in slow:
        server.faults.delay(article.path, 0.4)
    for article in dropped:
        server.faults.drop(article.path, times=1)
    foreign = elsewhere.base_url + limited.path
    server.faults.redirect(off_host.path, foreign)
    server.faults.redirect(looping.path, looping.url)
    server.faults.oversize(oversize.path, 3_000_000)
    # A tarpit: every piece within the read timeout, the whole page never (minutes).
    server.faults.trickle(trickled.path, 0.05, piece=32)

    settings = demo_settings(Settings(), server.base_url, sqlite_url)
    settings = replace(
        settings,
        crawl=replace(
            settings.crawl,
            concurrency=2,
            max_body_bytes=2_000_000,
            total_timeout=1.0,
        ),
    )
    with Store.open(sqlite_url) as store:
        report = run_crawl(settings, store)
        unreachable = {a.article_id for a in (off_host, looping, oversize, trickled)}
        assert store.archived_ids() == {a.article_id for a in truth} - unreachable

    assert report.failed == {
        "host-not-allowed": 1,
        "redirect-loop": 1,
        "too-large": 1,
        "timeout": 1,
    }
    assert report.exit_code == EXIT_SOME_FAILED
    assert not elsewhere.requests  # the off-host URL is never requested
    assert rate_rule.hits == 1
    first, second = server.requests_to(limited.path)[:2]
    assert second.started_at - first.started_at >= RETRY_AFTER
    assert server.peak_in_flight("127.0.0.1") <= 2
