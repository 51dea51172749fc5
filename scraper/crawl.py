"""Crawl orchestration: discover the sections' articles, fetch, parse, store, report.

``run_crawl`` is the one entry point that ``baohatinh crawl``, the scheduler and cron all
call. Fetching and parsing run in a small thread pool (the fetcher enforces per-host
politeness); every write happens on the calling thread, one article per transaction, so a
kill between two articles loses nothing already stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from .discover import ListingItem, loadmore_url, parse_loadmore, parse_section_page, section_url
from .errors import FetchError, NotAnArticle, ParseError, RobotsDisallowed
from .fetch import Fetcher, FetchPolicy
from .images import with_image_archiving
from .parse import parse_article
from .records import Article, RawPage
from .report import CrawlReport
from .settings import Section, Settings

log = logging.getLogger("baohatinh.crawl")

# FetchError reasons that mean "we were asked to stop", not "the URL failed".
STOP_REASONS = frozenset({"stopped", "closed"})
# How often the stop relay looks at the caller's stop event.
STOP_POLL_SECONDS = 0.1


class ArchiveWriter(Protocol):
    """What the crawler needs of the store (``storage.Store`` provides it)."""

    def begin_run(self) -> int: ...

    def finish_run(self, run_id: int, report: dict[str, object], exit_code: int) -> None: ...

    def save_article(self, article: Article, raw: RawPage, *, run_id: int | None = None) -> str: ...

    def record_failure(
        self, url: str, reason: str, raw: RawPage | None = None, *, run_id: int | None = None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class PageResult:
    """What fetching and parsing one article URL gave: a record, or why not."""

    item: ListingItem
    raw: RawPage | None = None
    article: Article | None = None
    error: FetchError | ParseError | None = None


def fetch_policy(settings: Settings) -> FetchPolicy:
    """Return the fetcher's politeness and limits as set in ``settings``."""
    crawl = settings.crawl
    return FetchPolicy(
        user_agent=crawl.user_agent,
        allowed_hosts=frozenset(host.lower() for host in settings.site.allowed_hosts),
        connect_timeout=crawl.connect_timeout,
        read_timeout=crawl.read_timeout,
        max_attempts=crawl.max_attempts,
        backoff_base=crawl.backoff_seconds,
        delay_seconds=crawl.delay_seconds,
        concurrency=crawl.concurrency,
        max_body_bytes=crawl.max_body_bytes,
        obey_robots=crawl.obey_robots,
    )


def run_crawl(
    settings: Settings, store: ArchiveWriter, *, stop: threading.Event | None = None
) -> CrawlReport:
    """Crawl every configured section into ``store`` and return the run's report.

    Failures of single URLs are counted in the report (and kept in the store with their
    reason), never raised; the report's ``exit_code`` tells how the run went. Once ``stop``
    is set, no new article is stored and fetches waiting for their turn give up
    (``Fetcher.request_stop``); the run is recorded as usual and the URLs not reached are
    not failures: the next run gets them.
    """
    report = CrawlReport(sections=[section.slug for section in settings.sections])
    started = time.monotonic()
    run_id = store.begin_run()
    fetcher = Fetcher(fetch_policy(settings))
    stop = stop or threading.Event()
    relay_done = _relay_stop(stop, fetcher)
    store = with_image_archiving(store, settings, fetcher)  # [archive] archive_images
    try:
        items = discover(settings, fetcher, store, report, run_id)
        report.discovered = len(items)
        log.info("discovered %d articles", len(items))
        done = 0
        for result in fetch_articles(items, settings, fetcher):
            if stop.is_set():
                break
            _store_result(result, store, report, run_id)
            done += 1
        if stop.is_set():
            report.notes.append(f"stopped on request after {done} of {len(items)} listed "
                                "article(s); the next run gets the rest")
    finally:
        relay_done.set()
        fetcher.close()
        report.requests = fetcher.stats.requests
        report.bytes = fetcher.stats.bytes
        report.waited_seconds = round(fetcher.stats.waited_seconds, 3)
        report.duration_seconds = round(time.monotonic() - started, 3)
        store.finish_run(run_id, report.to_dict(), report.exit_code)
    return report


def _relay_stop(stop: threading.Event, fetcher: Fetcher) -> threading.Event:
    """Call ``fetcher.request_stop()`` as soon as ``stop`` is set, from a small thread;
    return the event that ends the relay when the run is over."""
    done = threading.Event()

    def relay() -> None:
        while not done.is_set():
            if stop.wait(STOP_POLL_SECONDS):
                fetcher.request_stop()
                return

    threading.Thread(target=relay, name="stop-relay", daemon=True).start()
    return done


def discover(
    settings: Settings,
    fetcher: Fetcher,
    store: ArchiveWriter,
    report: CrawlReport,
    run_id: int,
) -> list[ListingItem]:
    """Return every article listed by the configured sections, each id once."""
    found: dict[str, ListingItem] = {}
    for section in settings.sections:
        for item in _walk_section(section, settings, fetcher, store, report, run_id):
            found.setdefault(item.article_id, item)
    return list(found.values())


def _walk_section(
    section: Section,
    settings: Settings,
    fetcher: Fetcher,
    store: ArchiveWriter,
    report: CrawlReport,
    run_id: int,
) -> Iterator[ListingItem]:
    """Yield the section page's stories, then each load-more page's, until the end."""
    profile = settings.profile
    url = section_url(settings.site.base_url, section.slug, profile)
    raw = _fetch_listing(url, fetcher, store, report, run_id)
    if raw is None:
        return
    page = parse_section_page(raw.body, raw.final_url, profile)
    seen = {item.article_id for item in page.items}
    yield from page.items
    if page.zone_id is None:
        report.notes.append(f"{url}: no zone id found, load-more pages not walked")
        return
    for number in range(2, 2 + settings.crawl.max_listing_pages):
        api = loadmore_url(settings.site.base_url, page.zone_id, number, profile)
        raw = _fetch_listing(api, fetcher, store, report, run_id)
        if raw is None:
            return
        try:
            more = parse_loadmore(raw.body, api, profile)
        except ParseError as exc:
            _fail(api, "bad-listing", str(exc), store, report, run_id, raw)
            return
        fresh = [item for item in more.items if item.article_id not in seen]
        seen.update(item.article_id for item in fresh)
        yield from fresh
        # An answer with nothing new means the API went round again: stop either way.
        if not more.has_more or not fresh:
            return


def _fetch_listing(
    url: str, fetcher: Fetcher, store: ArchiveWriter, report: CrawlReport, run_id: int
) -> RawPage | None:
    try:
        return fetcher.fetch(url)
    except RobotsDisallowed as exc:
        report.notes.append(f"{url}: disallowed by robots.txt")
        report.failed[exc.reason] += 1
    except FetchError as exc:
        _fail(url, exc.reason, str(exc), store, report, run_id)
    return None


def fetch_articles(
    items: Iterable[ListingItem], settings: Settings, fetcher: Fetcher
) -> Iterator[PageResult]:
    """Fetch and parse ``items`` in a thread pool; yield each result as it completes."""
    workers = max(1, settings.crawl.concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        futures: list[Future[PageResult]] = [
            pool.submit(fetch_and_parse, item, settings, fetcher) for item in items
        ]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def fetch_and_parse(item: ListingItem, settings: Settings, fetcher: Fetcher) -> PageResult:
    """Fetch one article page and parse it; errors come back in the result, not raised."""
    try:
        raw = fetcher.fetch(item.url)
    except FetchError as exc:
        return PageResult(item, error=exc)
    try:
        article = parse_article(raw.body, raw.final_url, settings.profile)
    except ParseError as exc:
        return PageResult(item, raw=raw, error=exc)
    return PageResult(item, raw=raw, article=article)


def _store_result(
    result: PageResult, store: ArchiveWriter, report: CrawlReport, run_id: int
) -> None:
    url = result.item.url
    if result.raw is not None:
        report.fetched += 1
    if isinstance(result.error, NotAnArticle):
        report.not_articles += 1
        store.record_failure(url, f"not-an-article: {result.error.reason}", result.raw,
                             run_id=run_id)
    elif isinstance(result.error, ParseError):
        _fail(url, "parse-error", str(result.error), store, report, run_id, result.raw)
    elif isinstance(result.error, FetchError):
        _fail(url, result.error.reason, str(result.error), store, report, run_id)
    elif result.article is not None and result.raw is not None:
        outcome = store.save_article(result.article, result.raw, run_id=run_id)
        report.count_outcome(outcome)
        log.debug("%s %s", outcome, url)


def _fail(
    url: str,
    reason: str,
    message: str,
    store: ArchiveWriter,
    report: CrawlReport,
    run_id: int,
    raw: RawPage | None = None,
) -> None:
    if reason in STOP_REASONS:  # asked to stop: the URL did not fail, the next run gets it
        return
    report.failed[reason] += 1
    log.warning("failed %s", message)
    store.record_failure(url, reason, raw, run_id=run_id)
