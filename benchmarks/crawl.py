"""Benchmark: crawl a generated sample site of 2,000 articles on loopback, end to end.

Prints, for one process crawling (the site is served by another process, so that its
work and memory are not counted):

- the baseline: fetch-only pages per second with the same fetcher (no parse, no store);
- articles per second end to end (discover, fetch, parse, store) with politeness off and
  concurrency 8, and the ratio to the baseline;
- the crawler's peak memory (max RSS);
- the number of requests of an incremental run when nothing changed.

Targets (issue 4): 110-150 articles/s on 2 cores, peak memory under 200 MB whatever the
number of articles, at most 5 requests for a no-change run.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from scraper.crawl import fetch_policy, run_crawl
from scraper.demo import demo_settings
from scraper.fetch import Fetcher
from scraper.sample_site.model import SiteOptions
from scraper.sample_site.server import SampleSiteServer
from scraper.settings import Settings
from storage import Store


def serve(size: int, ports: Any, done: Event) -> None:
    """Serve the generated site in this child process until ``done`` is set."""
    with SampleSiteServer(SiteOptions(section_size=size)) as server:
        ports.put((server.base_url, [a.url for a in server.site.articles]))
        done.wait()


def settings_for(base_url: str, database_url: str, concurrency: int) -> Settings:
    settings = demo_settings(Settings(), base_url, database_url)
    crawl = replace(settings.crawl, delay_seconds=0.0, concurrency=concurrency)
    return replace(settings, crawl=crawl)


def fetch_only(settings: Settings, urls: list[str]) -> float:
    """Baseline: pages per second fetching ``urls`` with the crawler's own fetcher."""
    started = time.perf_counter()
    with (
        Fetcher(fetch_policy(settings)) as fetcher,
        ThreadPoolExecutor(settings.crawl.concurrency) as pool,
    ):
        for _ in pool.map(fetcher.fetch, urls):
            pass
    return len(urls) / (time.perf_counter() - started)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    ports: Any = multiprocessing.Queue()
    done = multiprocessing.Event()
    child = multiprocessing.Process(target=serve, args=(args.articles, ports, done), daemon=True)
    child.start()
    base_url, urls = ports.get(timeout=120)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder:
            database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
            settings = settings_for(base_url, database_url, args.concurrency)
            baseline = fetch_only(settings, urls)
            with Store.open(database_url) as store:
                first = run_crawl(settings, store)
                again = run_crawl(settings, store)
    finally:
        done.set()
        child.join(timeout=10)
    rate = first.new / first.duration_seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"site: {len(urls)} articles ({args.articles} in the section), loopback")
    print(f"baseline fetch-only:   {baseline:7.1f} pages/s (same fetcher, no parse/store)")
    print(
        f"crawl end to end:      {rate:7.1f} articles/s ({first.new} new in "
        f"{first.duration_seconds:.1f} s, {first.requests} requests, "
        f"{rate / baseline:.0%} of the baseline)"
    )
    print(f"peak memory (max RSS): {peak_mb:7.1f} MB   (target < 200 MB)")
    print(f"no-change run:         {again.requests:7d} requests (target <= 5)")


if __name__ == "__main__":
    main()
