"""Benchmark: crawl a generated sample site of 2,000 articles on loopback, end to end.

Prints, for one process crawling and its parser worker processes (the site is served by
another process, so that its work and memory are not counted):

- the baseline: fetch-only pages per second with the same fetcher (no parse, no store);
- articles per second end to end (discover, fetch, parse, store) with politeness off and
  concurrency 8, and the ratio to the baseline;
- the crawler's peak memory (max RSS of the crawl plus that of each parser worker);
- the number of requests of an incremental run when nothing changed.

The end-to-end crawl runs ``--rounds`` times (default 3), each into a new archive, and the
best and the median round are printed with the CPU time the crawler spent per article
(all the threads of its process, and its parser workers) and the load average before the
run: on a shared two-core machine one round can be a third slower than the next, and the
CPU time per article tells a slow machine from a slow crawler.

When Scrapy is installed (``pip install -e '.[bench]'``), each round is preceded by a
fetch-only Scrapy crawl of the same article URLs at the same concurrency
(``benchmarks/scrapy_fetch.py``, in its own process): the reference issue 4 names, measured
at the same moment on the same machine, and each round's ratio to it is printed. So is
the CPU time Scrapy spends per page against the crawl's per article, a comparison that does
not depend on how fast the machine is at the moment: Scrapy only fetches, the crawl also
parses and stores, and on two cores it can only keep up with Scrapy while that costs it at
most twice Scrapy's CPU per page, both cores kept busy.

The site's server runs on the same cores, so its CPU time is measured too (from Linux's
/proc), per page served to Scrapy and per article crawled, and the benchmark prints the
crawl's ceiling on this machine: the cores divided by the CPU time one article costs,
server included, the rate no arrangement of the crawl's threads and processes could pass
at that cost per article.

Targets (issue 4): 110-150 articles/s on 2 cores, peak memory under 200 MB whatever the
number of articles, at most 5 requests for a no-change run.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--concurrency 8] [--rounds 3]
        [--parse-processes 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import resource
import subprocess
import sys
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
from scraper.parsepool import PageParser
from scraper.sample_site.model import SiteOptions
from scraper.sample_site.server import SampleSiteServer
from scraper.settings import Settings
from storage import Store


def serve(size: int, ports: Any, done: Event) -> None:
    """Serve the generated site in this child process until ``done`` is set."""
    with SampleSiteServer(SiteOptions(section_size=size)) as server:
        ports.put((server.base_url, [a.url for a in server.site.articles]))
        done.wait()


def settings_for(
    base_url: str, database_url: str, concurrency: int, parse_processes: int
) -> Settings:
    settings = demo_settings(Settings(), base_url, database_url)
    crawl = replace(
        settings.crawl,
        delay_seconds=0.0,
        concurrency=concurrency,
        parse_processes=parse_processes,
    )
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


def scrapy_fetch(urls_file: Path, concurrency: int) -> tuple[float, float]:
    """Pages per second of a fetch-only Scrapy crawl of the URLs in ``urls_file``, and
    the CPU milliseconds its process spent per page."""
    script = Path(__file__).with_name("scrapy_fetch.py")
    command = [sys.executable, str(script), str(urls_file), "--concurrency", str(concurrency)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    pages = max(int(result["pages"]), 1)
    return float(result["pages_per_second"]), 1000 * float(result["cpu_seconds"]) / pages


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a running process has spent so far, read from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (parser workers)."""
    usages = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def timed_crawl(settings: Settings, database_url: str) -> tuple[float, float, int, Any, Any]:
    """Crawl into a new archive, then again with nothing changed; return articles/s, CPU
    milliseconds per article (this process, every thread, and its parser workers), the
    workers' peak memory in KiB, and both reports."""
    before = cpu_seconds()
    with Store.open(database_url) as store:
        with PageParser(settings.profile, settings.crawl.parse_processes) as parser:
            first = run_crawl(settings, store, parser=parser)
            worker_kib = parser.peak_memory_kib()
        cpu = cpu_seconds() - before  # the workers have ended: their time is counted
        again = run_crawl(settings, store)
    rate = first.new / first.duration_seconds
    return rate, 1000 * cpu / max(first.new, 1), worker_kib, first, again


def spread(values: list[float], style: str, unit: str = "") -> tuple[str, str]:
    """The median of ``values`` (the lower middle of an even count) and their range, each
    formatted with ``style`` and followed by ``unit``."""
    ordered = sorted(values)
    low, middle, high = (
        format(v, style) + unit for v in (ordered[0], ordered[(len(ordered) - 1) // 2], ordered[-1])
    )
    return middle, f"{low}-{high}"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="end-to-end crawls to run")
    parser.add_argument(
        "--parse-processes",
        type=int,
        default=Settings().crawl.parse_processes,
        help="crawl.parse_processes (0: parse in the crawl's own process)",
    )
    args = parser.parse_args()
    ports: Any = multiprocessing.Queue()
    done = multiprocessing.Event()
    child = multiprocessing.Process(target=serve, args=(args.articles, ports, done), daemon=True)
    child.start()
    base_url, urls = ports.get(timeout=120)
    server_pid = child.pid
    assert server_pid is not None  # started above
    rounds: list[tuple[float, float, float]] = []  # (articles/s, CPU ms/article, load)
    with_scrapy = importlib.util.find_spec("scrapy") is not None
    scrapy_rates: list[float] = []
    scrapy_cpu: list[float] = []  # Scrapy's CPU milliseconds per page, each round
    # The server's CPU milliseconds per page served to Scrapy, and per article crawled.
    server_for_scrapy: list[float] = []
    server_for_crawl: list[float] = []
    worker_kib = 0  # the parser workers' peak memory
    try:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder:
            # The fetch policy is all the baseline reads of the settings.
            baseline = fetch_only(settings_for(base_url, "sqlite://", args.concurrency, 0), urls)
            urls_file = Path(folder, "urls.txt")
            urls_file.write_text("\n".join(urls))
            for number in range(max(1, args.rounds)):
                if with_scrapy:
                    server_before = process_cpu_seconds(server_pid)
                    scrapy_rate, scrapy_ms = scrapy_fetch(urls_file, args.concurrency)
                    server_ms = 1000 * (process_cpu_seconds(server_pid) - server_before)
                    server_for_scrapy.append(server_ms / len(urls))
                    scrapy_rates.append(scrapy_rate)
                    scrapy_cpu.append(scrapy_ms)
                database_url = f"sqlite:///{Path(folder) / f'bench-{number}.db'}"
                settings = settings_for(
                    base_url, database_url, args.concurrency, args.parse_processes
                )
                load = os.getloadavg()[0]
                server_before = process_cpu_seconds(server_pid)
                rate, cpu_ms, kib, first, again = timed_crawl(settings, database_url)
                server_ms = 1000 * (process_cpu_seconds(server_pid) - server_before)
                server_for_crawl.append(server_ms / max(first.new, 1))
                worker_kib = max(worker_kib, kib)
                rounds.append((rate, cpu_ms, load))
                Path(folder, f"bench-{number}.db").unlink()
    finally:
        done.set()
        child.join(timeout=10)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"site: {len(urls)} articles ({args.articles} in the section), loopback; "
        f"{args.parse_processes} parser worker process(es)"
    )
    print(f"baseline fetch-only:   {baseline:7.1f} pages/s (same fetcher, no parse/store)")
    best = max(rounds)
    median = sorted(rounds)[(len(rounds) - 1) // 2]  # the lower middle of an even count
    for name, (rate, cpu_ms, load) in (("best", best), ("median", median)):
        print(
            f"crawl end to end, {name + ':':7} {rate:6.1f} articles/s, {cpu_ms:4.1f} ms CPU "
            f"per article, load {load:.1f} before ({rate / baseline:.0%} of the baseline)"
        )
    print(
        f"  every round: {', '.join(f'{rate:.1f}' for rate, _, _ in rounds)} articles/s "
        f"({first.new} new, {first.requests} requests each)"
    )
    if scrapy_rates:
        pairs = zip(rounds, scrapy_rates, strict=True)
        median, span = spread([rate / scrapy for (rate, _, _), scrapy in pairs], ".0%")
        print(
            f"Scrapy fetch-only before each round: "
            f"{', '.join(f'{rate:.1f}' for rate in scrapy_rates)} pages/s; the crawl end to "
            f"end at {median} of it (median; {span})"
        )
        # Per unit of work, independent of how fast the machine is at the moment: the
        # crawl fetches, parses and stores; Scrapy only fetches.
        cpu_pairs = zip(rounds, scrapy_cpu, strict=True)
        median, span = spread([cpu / scrapy for (_, cpu, _), scrapy in cpu_pairs], ".1f", "x")
        print(
            f"  Scrapy's CPU per page: {', '.join(f'{ms:.1f}' for ms in scrapy_cpu)} ms; the "
            f"crawl spends {median} that per article (median; {span})"
        )
        scrapy_server, _ = spread(server_for_scrapy, ".1f", " ms")
        crawl_server, _ = spread(server_for_crawl, ".1f", " ms")
        print(
            f"  the site's server, CPU per page: {scrapy_server} serving Scrapy, "
            f"{crawl_server} per article crawled (median)"
        )
    else:
        print("Scrapy fetch-only: not installed (pip install -e '.[bench]')")
    cores = os.cpu_count() or 1
    ceilings = [
        1000 * cores / (cpu + server)
        for (_, cpu, _), server in zip(rounds, server_for_crawl, strict=True)
    ]
    median, span = spread(ceilings, ".0f")
    against = ""
    if scrapy_rates:
        share, _ = spread([c / r for c, r in zip(ceilings, scrapy_rates, strict=True)], ".0%")
        against = f", {share} of Scrapy's rate"
    print(
        f"ceiling on {cores} cores at this CPU per article (server included): {median} "
        f"articles/s (median; {span}){against}, were every core kept busy"
    )
    worker_mb = worker_kib / 1024
    total_mb = peak_mb + args.parse_processes * worker_mb
    print(
        f"peak memory (max RSS): {total_mb:7.1f} MB   (target < 200 MB; the crawl "
        f"{peak_mb:.1f} MB + each parser worker {worker_mb:.1f} MB)"
    )
    print(f"no-change run:         {again.requests:7d} requests (target <= 5)")


if __name__ == "__main__":
    main()
