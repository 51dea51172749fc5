"""A crawl and searches at the same time, on one archive: both work, on both databases."""

from __future__ import annotations

import re
import threading
import time

from scraper.crawl import run_crawl
from scraper.demo import demo_settings
from scraper.sample_site import SampleSiteServer
from scraper.settings import Settings
from storage import Store, search
from tests.fixtures_db import make_article, make_raw


def test_searching_while_a_crawl_writes(clean_sample_server: SampleSiteServer, db_url: str) -> None:
    server = clean_sample_server
    # Slow article pages, so that the crawl is still writing while we search.
    server.faults.delay(re.compile(r"-post\d+\.html$"), 0.05)
    settings = demo_settings(Settings(), server.base_url, db_url)
    with Store.open(db_url) as store:
        known = make_article("1")  # already archived before the crawl starts
        store.save_article(known, make_raw(known))
        reports, errors = [], []

        def crawl() -> None:
            try:
                with Store.open(db_url) as crawl_store:
                    reports.append(run_crawl(settings, crawl_store))
            except Exception as exc:  # noqa: BLE001 - reported to the main thread
                errors.append(exc)

        thread = threading.Thread(target=crawl)
        thread.start()
        searches, totals = 0, []
        while thread.is_alive() and searches < 500:
            totals.append(search(store, "xây dựng đảng").total)
            assert search(store, "huong son bieu duong").total >= 1
            searches += 1
            time.sleep(0.01)
        thread.join(120)
        assert errors == [] and reports[0].exit_code == 0
        assert searches >= 3  # the searches really ran during the crawl
        assert totals == sorted(totals)  # each search saw whole, committed articles only
        assert search(store, "xây dựng đảng").total >= totals[-1]
        assert len(store.archived_ids()) == reports[0].new + 1
