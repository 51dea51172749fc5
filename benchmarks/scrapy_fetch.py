"""Fetch-only Scrapy crawl of a list of URLs: the reference the crawl benchmark compares with.

Issue 4 sets the crawler's target as "what a fetch-only Scrapy crawl of such a local site
does on this machine". This runs that Scrapy crawl (Scrapy is a benchmark-only dependency:
``pip install -e '.[bench]'``): every URL requested once, concurrency as given, no delay,
no robots.txt, no cookies, no retries, no cache, responses dropped unread. It prints one
JSON line, ``{"pages": N, "seconds": S, "pages_per_second": R, "cpu_seconds": C}`` (the
CPU time of the crawl itself, every thread, start-up and imports left out).

It runs in a process of its own (``benchmarks/crawl.py`` starts it next to its own
rounds, against the same site), because Twisted's reactor cannot be started twice.

    .venv/bin/python benchmarks/scrapy_fetch.py URLS_FILE [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class FetchOnly(scrapy.Spider):
    """Requests every URL it is given and keeps nothing of the answers."""

    name = "fetch-only"

    def __init__(self, urls: list[str], counter: dict[str, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Scrapy's own start() requests each of them once (dont_filter), parse as callback.
        self.start_urls, self.counter = urls, counter

    def parse(self, response: Any, **kwargs: Any) -> None:
        self.counter["pages"] += 1


def run(urls: list[str], concurrency: int) -> dict[str, float]:
    """Crawl ``urls`` once with Scrapy and return the pages fetched and the time taken."""
    settings = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
    }
    counter = {"pages": 0}
    process = CrawlerProcess(settings)
    process.crawl(FetchOnly, urls=urls, counter=counter)
    started, cpu_before = time.perf_counter(), time.process_time()
    process.start()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_before  # every thread; not the imports
    pages = counter["pages"]
    return {
        "pages": pages,
        "seconds": seconds,
        "pages_per_second": pages / seconds,
        "cpu_seconds": cpu_seconds,
    }


def main() -> None:
    """Read the URLs, crawl them, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls_file", type=Path, help="one URL per line")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    urls = [line.strip() for line in args.urls_file.read_text().splitlines() if line.strip()]
    print(json.dumps(run(urls, args.concurrency)))


if __name__ == "__main__":
    main()
