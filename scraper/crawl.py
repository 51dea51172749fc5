"""Crawl orchestration: discover the sections' articles, fetch, parse, store, report.

``run_crawl`` is the one entry point that ``baohatinh crawl``, the scheduler and cron all
call. Everything the run has to visit lives in the database frontier
(``storage.frontier``), so a run killed at any moment is finished by the next one: a
listing page or article still pending is visited then, one already stored never again.

A run, in order:

0. a backfill (``--full``/``--since``) first fetches the articles earlier runs found and
   left; a walk they left under way (a load-more page or sitemap still pending) then goes
   on from there instead of starting over;
1. seed the frontier: each section page and section RSS feed (every run), the sitemap
   index and home feed for ``--full``/``--since`` or when robots.txt forbids the
   load-more API (the fallback is noted in the report);
2. drain the frontier, listings first: a listing page adds the articles it names and, while
   the walk goes on, the next load-more page. An incremental walk stops after meeting
   ``crawl.overlap`` articles already archived; a backfill walks to the end. A load-more
   page that fails stays in the frontier and is tried again at the end of the run, then by
   later runs, so one bad page never ends discovery;
3. re-check the articles published in the last ``crawl.recheck_days`` days (and those a
   sitemap says were edited lately) with conditional requests: a 304 costs one fetch-log
   row; a 404/410 or a redirect to a non-article page marks the article removed.

Fetching and parsing run in a thread pool (the fetcher enforces per-host politeness);
every write happens on the calling thread. Stored articles are written in groups, one
transaction for up to ``WRITE_BATCH`` articles or ``WRITE_WINDOW_SECONDS`` of them,
each with its frontier row: a run killed before a group commits leaves those rows pending
(fetched again by the next run), never an article stored with its row still pending.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, Protocol
from urllib.parse import urlsplit

from storage.frontier import OUT_OF_SECTION, Frontier, FrontierEntry, Settlement
from storage.save import ArticleToSave

from .discover import (
    SITE_TZ,
    ListingItem,
    loadmore_url,
    month_reaches,
    months_newest_first,
    parse_loadmore,
    parse_rss,
    parse_section_page,
    parse_sitemap,
    section_url,
)
from .errors import (
    BaohatinhError,
    FetchError,
    HTTPStatusError,
    NotAnArticle,
    ParseError,
    RobotsDisallowed,
)
from .fetch import STOP_REASONS, Fetcher, FetchPolicy
from .images import with_image_archiving
from .parsepool import PageParser
from .records import Article, RawPage
from .report import EXIT_INTERRUPTED, EXIT_SOME_FAILED, CrawlReport
from .settings import Settings
from .urls import article_id, canonicalize, host_of, on_site

log = logging.getLogger("baohatinh.crawl")

# Frontier kinds of a backfill's walk, kept apart from an incremental run's ("loadmore",
# "section") so that the next backfill knows the walk is under way and goes on from it:
# by load-more pages, and by next-page links (a site without the load-more API).
BACKFILL = "backfill"
BACKFILL_PAGE = "backfill-page"
BACKFILL_SITEMAP = "backfill-sitemap"  # a monthly sitemap a backfill has yet to read
# An incremental run leaves a backfill's walk to the next backfill: walking on from it, it
# would read the rest of the history and archive what the backfill's --since left out.
BACKFILL_WALKS = frozenset({BACKFILL, BACKFILL_PAGE, BACKFILL_SITEMAP})
# Articles taken from the frontier per query; bounds memory whatever the backlog.
BATCH = 200
# Statuses by which the site says an archived article is gone.
GONE_STATUSES = frozenset({404, 410})
# Incremental runs fall back to the newest monthly sitemaps only.
INCREMENTAL_SITEMAPS = 2
# Parsed articles written per transaction, at most, and the longest one waits for its
# transaction. One commit per article cost the writer thread a third of its time; the
# window bounds what a kill can cost (the articles of an uncommitted group are fetched
# again by the next run) and keeps a slow crawl committing as it goes.
WRITE_BATCH = 64
WRITE_WINDOW_SECONDS = 0.1

# How often the stop relay looks whether the run has ended (it wakes at once on a stop).
STOP_RELAY_SECONDS = 0.2

ProgressCallback = Callable[[CrawlReport], None]


class ArchiveWriter(Protocol):
    """What the crawler needs of the store (``storage.Store`` provides it)."""

    def begin_run(self) -> int: ...

    def finish_run(self, run_id: int, report: dict[str, object], exit_code: int) -> None: ...

    def save_articles(
        self, items: Sequence[ArticleToSave], *, run_id: int | None = None
    ) -> Sequence[str]: ...

    def record_failure(
        self, url: str, reason: str, raw: RawPage | None = None, *, run_id: int | None = None
    ) -> None: ...

    def mark_removed(self, article_id: str, seen_at: datetime | None = None) -> bool: ...

    def log_fetch(self, raw: RawPage, *, run_id: int | None = None) -> None: ...

    def frontier(self) -> Frontier: ...

    def archived_ids(self) -> set[str]: ...

    def recent_articles(self, since: datetime) -> list[tuple[str, str, bool]]: ...

    def recent_reports(self, limit: int = 5) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class PageResult:
    """What fetching (and, for a 200 article page, parsing) one URL gave."""

    entry: FrontierEntry
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
        total_timeout=crawl.total_timeout,
        max_attempts=crawl.max_attempts,
        backoff_base=crawl.backoff_seconds,
        delay_seconds=crawl.delay_seconds,
        concurrency=crawl.concurrency,
        max_body_bytes=crawl.max_body_bytes,
        obey_robots=crawl.obey_robots,
    )


def run_crawl(
    settings: Settings,
    store: ArchiveWriter,
    *,
    full: bool = False,
    since: date | None = None,
    stop: threading.Event | None = None,
    progress: ProgressCallback | None = None,
    parser: PageParser | None = None,
    lock_lost: threading.Event | None = None,
) -> CrawlReport:
    """Crawl every configured section into ``store`` and return the run's report.

    By default an incremental run; ``full=True`` walks each section's whole history,
    ``since`` walks it back to that date. Setting ``stop`` makes the run take no new URL,
    finish what is in flight, commit, and return its report (the frontier keeps the
    rest for the next run); so does reaching ``crawl.max_run_minutes``. ``progress`` is
    called with the report after each article and after each commit (articles count as
    new, updated or unchanged once committed).
    Pages are parsed by ``parser`` if given (left open for the caller), else by one made
    from ``settings`` (``crawl.parse_processes``) and closed at the end. ``lock_lost``
    set by the end (the crawl lock taken over) makes the run's exit code 75.
    Failures of single URLs are counted in the report (and kept in the store with their
    reason), never raised; the report's ``exit_code`` tells how the run went. Raises
    ``StoreError`` when the archive itself fails.
    """
    mode = "full" if full else "since" if since else "incremental"
    report = CrawlReport(sections=[section.slug for section in settings.sections], mode=mode)
    started = time.monotonic()
    run_id = store.begin_run()
    fetcher = Fetcher(fetch_policy(settings))
    store = with_image_archiving(store, settings, fetcher)  # [archive] archive_images
    own_parser = parser is None
    if parser is None:
        parser = PageParser(settings.profile, settings.crawl.parse_processes)
    crawl = _Crawl(settings, store, fetcher, parser, report, run_id, since=since, full=full)
    crawl.stop, crawl.progress = stop, progress
    end_relay = _relay_stop(stop, fetcher) if stop is not None else None
    alarm = crawl.time_limit_alarm()
    failure: BaseException | None = None
    try:
        crawl.run()
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if alarm is not None:
            alarm.cancel()
        if end_relay is not None:
            end_relay()
        # Interrupted (a second signal): the requests in flight are cut off by closing the
        # fetcher, not waited for, as a stop waits for them.
        at_once = isinstance(failure, KeyboardInterrupt)
        if at_once:
            fetcher.request_stop()
        crawl.close(wait=not at_once)
        fetcher.close()
        if own_parser:
            parser.close()
        report.requests = fetcher.stats.requests
        report.bytes = fetcher.stats.bytes
        report.waited_seconds = round(fetcher.stats.waited_seconds, 3)
        report.duration_seconds = round(time.monotonic() - started, 3)
        if lock_lost is not None and lock_lost.is_set():
            report.lock_lost = True
            report.notes.append("lost the crawl lock to another crawl (this one stalled "
                                "past its lease): stopped")
        report.compare_coverage(store.recent_reports())
        # A run that raised is recorded with the exit code the process ends with.
        exit_code = report.exit_code if failure is None else _failure_code(failure)
        store.finish_run(run_id, {**report.to_dict(), "exit_code": exit_code}, exit_code)
    return report


def _failure_code(failure: BaseException) -> int:
    """The exit code of a crawl that raised ``failure`` (what ``baohatinh crawl`` ends
    with): the project error's own (5 for the archive), 130 for an interrupt, else 1."""
    if isinstance(failure, BaohatinhError):
        return failure.exit_code
    if isinstance(failure, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED


def _relay_stop(stop: threading.Event, fetcher: Fetcher) -> Callable[[], None]:
    """Make ``fetcher`` give up its waits (the gap between requests, backoff, Retry-After)
    as soon as ``stop`` is set, even one in a listing fetched on the crawl's own thread,
    which cannot look at ``stop`` while it waits; return the function that ends the relay.
    """
    done = threading.Event()

    def relay() -> None:
        while not done.is_set():
            if stop.wait(STOP_RELAY_SECONDS):
                fetcher.request_stop()
                return

    thread = threading.Thread(target=relay, name="stop-relay", daemon=True)
    thread.start()

    def end() -> None:
        done.set()
        thread.join()

    return end


class _Crawl:
    """The state of one run: who to ask, what was met, what to count."""

    def __init__(
        self,
        settings: Settings,
        store: ArchiveWriter,
        fetcher: Fetcher,
        parser: PageParser,
        report: CrawlReport,
        run_id: int,
        *,
        since: date | None,
        full: bool,
    ) -> None:
        self.settings, self.store, self.fetcher, self.parser = settings, store, fetcher, parser
        self.report, self.run_id = report, run_id
        self.full, self.since = full, since
        self.backfill = full or since is not None
        self.frontier = store.frontier()
        self.sections = {section.slug for section in settings.sections}
        self.site_host = host_of(settings.site.base_url)
        self.archived = store.archived_ids()
        self.seen: set[str] = set()  # article ids discovered this run
        self.fetched_ids: set[str] = set()  # article ids fetched this run
        self.overlap: Counter[str] = Counter()  # archived articles met, per section walk
        self.walked: defaultdict[str, set[str]] = defaultdict(set)  # ids met, per walk
        self.failed_listings: list[tuple[str, str]] = []  # (key, reason) to try again
        self.hints: dict[str, str] = {}  # archived ids a sitemap says were edited lately
        self.api_blocked = False
        self.listings_read = 0  # read to the end, whatever they gave
        self.listings_forbidden = 0  # refused by robots.txt
        # A backfill left under way by earlier runs goes on from where it is: the sections
        # whose next load-more page (or next-page link) is pending walk on from it, and
        # the monthly sitemaps already read are not read again.
        self.walks_under_way: set[str | None] = set()
        self.page_walks_under_way: set[str | None] = set()  # by next-page links
        self.backfill_under_way = False
        self.walks_left = frozenset() if self.backfill else BACKFILL_WALKS
        self.stop: threading.Event | None = None
        limit = settings.crawl.max_run_minutes
        # Monotonic time after which the run takes no new URL (None: no limit).
        self.deadline = time.monotonic() + 60 * limit if limit > 0 else None
        self.progress: ProgressCallback | None = None
        self.started = datetime.now(UTC)
        workers = max(1, settings.crawl.concurrency)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        self.in_flight = workers * 2
        self.unsaved: list[ArticleToSave] = []  # parsed, waiting for their transaction
        self.unsaved_since = 0.0  # monotonic time the oldest of them was parsed

    def close(self, *, wait: bool = True) -> None:
        """Wait for the fetch threads (the fetcher is closed by the caller), or with
        ``wait=False`` leave the ones in flight to end on the closed fetcher."""
        self.pool.shutdown(wait=wait, cancel_futures=True)

    # --- the run -------------------------------------------------------------------------

    def run(self) -> None:
        """Seed the frontier, drain it (failed listing pages get one more go), re-check.

        A backfill first picks up where earlier runs left it (stopped, killed, or cut by
        their time limit): the articles they found and did not fetch come first, and a
        walk under way (a load-more page or sitemap still pending) goes on from there
        instead of reading every listing page again from the start.
        """
        if self.backfill:
            self.drain(listings=False)
            if self.stopping():
                self.report.discovered = len(self.seen)
                return
            self.walks_under_way = self.frontier.pending_sections(BACKFILL)
            self.page_walks_under_way = self.frontier.pending_sections(BACKFILL_PAGE)
            for slug in sorted(self.walks_under_way | self.page_walks_under_way, key=str):
                self.report.notes.append(f"backfill walk of {slug} goes on where it was left")
            self.backfill_under_way = bool(
                self.walks_under_way
                or self.page_walks_under_way
                or self.frontier.pending_sections(BACKFILL_SITEMAP)
                or self.frontier.pending_sections("sitemap")  # left by an earlier version
            )
        else:
            left = self.frontier.pending_sections(BACKFILL)
            left |= self.frontier.pending_sections(BACKFILL_PAGE)
            for slug in sorted(left, key=str):
                self.report.notes.append(
                    f"backfill walk of {slug} under way: left to the next --full/--since run"
                )
            if self.frontier.pending_sections(BACKFILL_SITEMAP):
                self.report.notes.append(
                    "backfill's monthly sitemaps under way: left to the next --full/--since run"
                )
        self.seed()
        self.drain()
        if self.failed_listings and not self.stopping():
            # One more go for failed listing pages; they count as failed only if it fails.
            self.frontier.release([key for key, _ in self.failed_listings])
            for _, reason in self.failed_listings:
                self.report.failed[reason] -= 1
            self.report.failed = +self.report.failed  # drop the zero counts
            self.failed_listings = []
            self.drain()
        if not self.stopping():
            self.recheck()
        if not self.stopping():
            self.archive_images_due()
        self.note_images()
        self.report.discovered = len(self.seen)
        if self.listings_forbidden and not self.listings_read and not self.stopping():
            # Nothing could be discovered, now or by any later run with these rules: a
            # cron job must not report that as a quiet success.
            self.report.blocked_by_robots = True
            self.report.notes.append(
                "robots.txt forbids every listing this run tried: nothing can be discovered"
            )

    def time_limit_alarm(self) -> threading.Timer | None:
        """Start the timer that, at the time limit, makes the fetcher give up its waits
        (Retry-After, backoff, the gap between requests) wherever they are, even in a
        listing fetched on this thread; None without a limit. The caller cancels it."""
        if self.deadline is None:
            return None
        alarm = threading.Timer(self.deadline - time.monotonic(), self.fetcher.request_stop)
        alarm.daemon = True
        alarm.start()
        return alarm

    def stopping(self) -> bool:
        """True once ``stop`` is set or the run's time limit has passed; the first time,
        tell the fetcher too (it gives up its waits) and say why."""
        if self.report.stopped:
            return True
        if self.stop is not None and self.stop.is_set():
            why = "stop requested"
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            minutes = self.settings.crawl.max_run_minutes
            why = f"time limit of {minutes:g} min reached (crawl.max_run_minutes)"
            self.report.notes.append(why)
        else:
            return False
        self.report.stopped = True
        self.fetcher.request_stop()
        log.warning("%s: finishing what is in flight", why)
        return True

    def seed(self) -> None:
        """Queue what every run reads first: section pages and feeds (and sitemaps)."""
        base, profile = self.settings.site.base_url, self.settings.profile
        entries = []
        for slug in sorted(self.sections):
            feed = canonicalize(profile.url_patterns["section_rss"].format(slug=slug), base)
            entries.append(FrontierEntry.listing("section", section_url(base, slug, profile), slug))
            entries.append(FrontierEntry.listing("rss", feed, slug))
        self.api_blocked = not self._api_allowed()
        if self.api_blocked or self.backfill:
            entries += self._sitemap_and_home_feed()
        self.frontier.requeue(entries)

    def _api_allowed(self) -> bool:
        api = loadmore_url(self.settings.site.base_url, "1", 2, self.settings.profile)
        try:
            refusal = self.fetcher.robots_refusal(api)
        except FetchError as exc:
            if exc.reason not in STOP_REASONS:  # a stop is no news about robots.txt
                self.report.notes.append(f"could not read robots.txt for {api}: {exc}")
            return True
        if refusal is not None:
            # Says which: robots.txt forbids the API, or could not be read at all.
            self.report.notes.append(
                f"load-more API not used ({refusal}): discovering from sitemaps and RSS"
            )
        return refusal is None

    def _sitemap_and_home_feed(self) -> list[FrontierEntry]:
        base, patterns = self.settings.site.base_url, self.settings.profile.url_patterns
        return [
            FrontierEntry.listing("sitemap-index", canonicalize(patterns["sitemap_index"], base)),
            FrontierEntry.listing("rss", canonicalize(patterns["home_rss"], base)),
        ]

    def drain(self, *, listings: bool = True) -> None:
        """Visit due frontier entries, listings first, until none is left or we stop;
        with ``listings=False`` only the articles a section's listing named."""
        while listings and not self.stopping():
            # Listings alone first: a load-more walk reads one page per look, and reading
            # 200 article rows along with each page cost more than half the page's time.
            batch = self.frontier.due(
                self.run_id, limit=BATCH, articles=False, except_kinds=self.walks_left
            )
            if batch:
                for entry in batch:
                    if self.stopping():
                        return
                    self.visit_listing(entry)
                continue  # listings may have queued more listings: look again
            batch = self.frontier.due(self.run_id, limit=BATCH, except_kinds=self.walks_left)
            if not batch:
                return
            self.visit_articles([entry for entry in batch if entry.is_article])
        while not listings and not self.stopping():
            # Only what a listing named: an article met by link or in a sitemap waits for
            # the walk, whose listing may yet claim it for a section.
            batch = self.frontier.due(self.run_id, limit=BATCH, listings=False, listed_only=True)
            if not batch:
                return
            self.seen.update(entry.key.removeprefix("a:") for entry in batch)
            self.visit_articles(batch)

    # --- listings ------------------------------------------------------------------------

    def visit_listing(self, entry: FrontierEntry) -> None:
        """Fetch and read one listing page, feed or sitemap; settle its frontier row."""
        try:
            raw = self.fetcher.fetch(entry.url)
            self.read_listing(entry, raw)
        except RobotsDisallowed as exc:
            if exc.reason == "robots":
                self._listing_disallowed(entry, exc)
            else:
                self._listing_failed(entry, exc.reason, str(exc))
        except FetchError as exc:
            if exc.reason not in STOP_REASONS:
                self._listing_failed(entry, exc.reason, str(exc))
        except ParseError as exc:
            self._listing_failed(entry, "bad-listing", str(exc))
        else:
            self.listings_read += 1
            self.frontier.settle(entry.key, "done", self.run_id)

    def read_listing(self, entry: FrontierEntry, raw: RawPage) -> None:
        """Queue what ``raw`` (a page of kind ``entry.kind``) names. Raises ParseError."""
        readers = {
            "section": self._read_section,
            BACKFILL_PAGE: self._read_section,
            "loadmore": self._read_loadmore,
            BACKFILL: self._read_loadmore,
            "rss": self._read_rss,
            "sitemap-index": self._read_sitemap_index,
            "sitemap": self._read_sitemap,
            BACKFILL_SITEMAP: self._read_sitemap,
        }
        readers[entry.kind](entry, raw)

    def _read_section(self, entry: FrontierEntry, raw: RawPage) -> None:
        page = parse_section_page(raw.body, raw.final_url, self.settings.profile)
        self.walked[entry.section_slug or ""].update(item.article_id for item in page.items)
        archived = self.queue_articles(page.items, entry.section_slug)
        if self._past_since(page.items):
            return
        go_on = self._walk_on(entry, archived, True, bool(page.items))
        first = entry.depth <= 1
        resumed = first and entry.section_slug in self.page_walks_under_way
        if page.next_url is not None and go_on and not resumed:
            # Plain next-page links: each page is read like the section page itself.
            self._queue_next_page(entry, page.next_url, max(entry.depth, 1) + 1, by_links=True)
        if not first:
            return  # the load-more chain starts from the first page only
        if page.zone_id is None:
            if page.next_url is None:
                self.report.notes.append(f"{entry.url}: no zone id and no next-page link")
            return
        if not self.api_blocked and go_on and entry.section_slug not in self.walks_under_way:
            self._queue_next_page(entry, self._loadmore_url(page.zone_id, 2), 2, by_links=False)

    def _read_loadmore(self, entry: FrontierEntry, raw: RawPage) -> None:
        more = parse_loadmore(raw.body, entry.url, self.settings.profile)
        # Fresh for this walk: a feed or sitemap may have named them already.
        walked = self.walked[entry.section_slug or ""]
        fresh = [item for item in more.items if item.article_id not in walked]
        walked.update(item.article_id for item in more.items)
        archived = self.queue_articles(more.items, entry.section_slug)
        zone = _zone_of(entry.url, self.settings)
        if self._past_since(more.items):
            return
        if zone and self._walk_on(entry, archived, more.has_more, bool(fresh)):
            page = entry.depth + 1
            self._queue_next_page(entry, self._loadmore_url(zone, page), page, by_links=False)

    def _past_since(self, items: Iterable[ListingItem]) -> bool:
        """True when a ``--since`` walk has gone past its date: every dated story on the
        page is older (the listing runs newest first)."""
        if self.since is None:
            return False
        cutoff = _day_start(self.since)
        dated = [item.published for item in items if item.published is not None]
        return bool(dated) and all(when < cutoff for when in dated)

    def _walk_on(self, entry: FrontierEntry, archived: int, has_more: bool, fresh: bool) -> bool:
        """Tell whether the load-more walk goes on past ``entry``'s page."""
        page = max(entry.depth, 1)
        # An answer with nothing new means the API went round again: stop either way.
        if not has_more or not fresh or page >= self.settings.crawl.max_listing_pages:
            return False
        if self.backfill:
            return True
        self.overlap[entry.section_slug or ""] += archived
        return self.overlap[entry.section_slug or ""] < self.settings.crawl.overlap

    def _loadmore_url(self, zone: str, page: int) -> str:
        return loadmore_url(self.settings.site.base_url, zone, page, self.settings.profile)

    def _queue_next_page(
        self, entry: FrontierEntry, url: str, page: int, *, by_links: bool
    ) -> None:
        """Queue page ``page`` of ``entry``'s walk, by load-more pages or next-page links."""
        # A backfill walk stays one after a kill: the next run goes on to the end.
        if self.backfill:
            kind = BACKFILL_PAGE if by_links else BACKFILL
        else:
            kind = "section" if by_links else "loadmore"
        self.frontier.requeue([FrontierEntry.listing(kind, url, entry.section_slug, page)])

    def _read_rss(self, entry: FrontierEntry, raw: RawPage) -> None:
        self.queue_articles(
            parse_rss(raw.body, entry.url, self.settings.profile), entry.section_slug
        )

    def _read_sitemap_index(self, entry: FrontierEntry, raw: RawPage) -> None:
        sitemap = parse_sitemap(raw.body, entry.url)
        months = months_newest_first(sitemap.entries)
        if self.since is not None:
            cutoff = _day_start(self.since)
            months = [m for m in months if month_reaches(m, cutoff)]
        elif not self.full and self.archived:
            # Incremental: new articles are in the newest months (an empty archive reads all).
            months = months[:INCREMENTAL_SITEMAPS]
        kind = BACKFILL_SITEMAP if self.backfill else "sitemap"
        months_entries = [FrontierEntry.listing(kind, m.url) for m in months]
        if self.backfill_under_way:
            # A backfill going on reads only the months not read yet; whatever left them
            # pending (this backfill, or a narrower run), they are read now.
            self.frontier.add(months_entries)
        else:
            # An incremental run reads its newest months now, even those a stopped
            # backfill left pending (it reads them for the backfill too).
            self.frontier.requeue(months_entries, take_pending=not self.backfill)

    def _read_sitemap(self, entry: FrontierEntry, raw: RawPage) -> None:
        sitemap = parse_sitemap(raw.body, entry.url)
        cutoff = _day_start(self.since) if self.since else None
        recent = self.started - timedelta(days=self.settings.crawl.recheck_days)
        items = []
        for page in sitemap.entries:
            found = article_id(page.url, self.settings.profile)
            url = self._on_site(page.url)
            # lastmod is the last edit, never before publication: older means out of range.
            if found is None or url is None or (cutoff and page.lastmod and page.lastmod < cutoff):
                continue
            if found in self.archived and page.lastmod and page.lastmod >= recent:
                self.hints[found] = url
            items.append(ListingItem(url, found))
        self.queue_articles(items, None)

    def queue_articles(self, items: Iterable[ListingItem], section_slug: str | None) -> int:
        """Queue the items not archived yet; return how many were archived already."""
        items = list(items)
        if self.since is not None:
            cutoff = _day_start(self.since)
            items = [i for i in items if i.published is None or i.published >= cutoff]
        # Another site's links are no articles of ours, whatever their path looks like.
        items = [replace(item, url=url) for item in items if (url := self._on_site(item.url))]
        self.seen.update(item.article_id for item in items)
        new = [item for item in items if item.article_id not in self.archived]
        self.frontier.add(
            FrontierEntry.article(item.article_id, item.url, section_slug) for item in new
        )
        return len(items) - len(new)

    def _on_site(self, url: str) -> str | None:
        return on_site(url, self.site_host)

    def _listing_disallowed(self, entry: FrontierEntry, exc: RobotsDisallowed) -> None:
        self.report.skipped_by_robots += 1
        self.listings_forbidden += 1
        self.frontier.settle(entry.key, "skipped", self.run_id, reason=exc.reason)
        if entry.kind in ("loadmore", BACKFILL) and not self.api_blocked:
            self.api_blocked = True
            self.report.notes.append(f"{entry.url}: disallowed by robots.txt; using sitemaps")
            self.frontier.requeue(self._sitemap_and_home_feed())

    def _listing_failed(self, entry: FrontierEntry, reason: str, message: str) -> None:
        self._fail(entry, reason, message)
        if entry.kind in ("loadmore", BACKFILL, "section", BACKFILL_PAGE):
            self.failed_listings.append((entry.key, reason))

    # --- articles ------------------------------------------------------------------------

    def visit_articles(self, entries: Iterable[FrontierEntry]) -> None:
        """Fetch and parse ``entries`` in the pool; store each result on this thread."""
        to_fetch = []
        for entry in entries:
            if entry.key.removeprefix("a:") in self.archived:
                # Stored by a run killed before it could settle the row: never refetch.
                self.frontier.settle(entry.key, "done", self.run_id)
            else:
                to_fetch.append(entry)
        for result in self._fetch_all(to_fetch, conditional=False):
            self.store_article(result)
        self.flush()  # before the frontier is asked again: these rows are still pending

    def _fetch_all(
        self, entries: list[FrontierEntry], *, conditional: bool
    ) -> Iterator[PageResult]:
        """Yield the result of each entry as it completes, at most ``in_flight`` at once,
        taking no new entry once stopped."""
        pending: set[Future[PageResult]] = set()
        queue = iter(entries)
        while True:
            while len(pending) < self.in_flight and not self.stopping():
                entry = next(queue, None)
                if entry is None:
                    break
                headers = _validators(entry) if conditional else None
                pending.add(self.pool.submit(self.fetch_page, entry, headers))
            if not pending:
                return
            done, pending = wait(pending, self._window_left(), return_when="FIRST_COMPLETED")
            if not done:
                self.flush()  # nothing came back within the window: commit what waits
            for future in done:
                yield future.result()

    def fetch_page(self, entry: FrontierEntry, headers: dict[str, str] | None) -> PageResult:
        """Fetch one article page and parse a 200 answer; errors come back in the result."""
        try:
            raw = self.fetcher.fetch(entry.url, headers=headers)
        except FetchError as exc:
            return PageResult(entry, error=exc)
        if raw.status != 200 or article_id(raw.final_url, self.settings.profile) is None:
            return PageResult(entry, raw=raw)
        try:
            article = self.parser.parse(raw.body, raw.final_url)
        except ParseError as exc:
            return PageResult(entry, raw=raw, error=exc)
        return PageResult(entry, raw=raw, article=article)

    def store_article(self, result: PageResult) -> None:
        """Settle one article of the frontier from what fetching it gave."""
        entry, error = result.entry, result.error
        if isinstance(error, FetchError) and error.reason in STOP_REASONS:
            return  # still pending: the next run fetches it
        if result.raw is not None:
            self.report.fetched += 1
            self.fetched_ids.add(entry.key.removeprefix("a:"))
        if isinstance(error, RobotsDisallowed) and error.reason == "robots":
            self.report.skipped_by_robots += 1
            self.frontier.settle(entry.key, "skipped", self.run_id, reason=error.reason)
        elif isinstance(error, NotAnArticle) or (
            result.raw and result.article is None and not error
        ):
            self._not_an_article(result)
        elif error is not None:
            reason = "parse-error" if isinstance(error, ParseError) else error.reason
            self._fail(entry, reason, str(error), result.raw)
        elif result.article is not None and result.raw is not None:
            self._keep(entry, result.article, result.raw)
        self._tick()

    def _not_an_article(self, result: PageResult) -> None:
        why = result.error.reason if isinstance(result.error, NotAnArticle) else "no-article-url"
        self.report.not_articles += 1
        self.store.record_failure(
            result.entry.url, f"not-an-article: {why}", result.raw, run_id=self.run_id
        )
        self.frontier.settle(result.entry.key, "skipped", self.run_id, reason=why)

    def _keep(self, entry: FrontierEntry, article: Article, raw: RawPage) -> None:
        """Archive ``article`` when it belongs to a configured section, else skip it."""
        if entry.section_slug is None and article.section_slug not in self.sections:
            self.report.out_of_section += 1
            reason = f"{OUT_OF_SECTION}: {article.section_slug or 'unknown'}"
            self.frontier.settle(entry.key, "skipped", self.run_id, reason=reason)
            return
        etag, modified = raw.headers.get("etag"), raw.headers.get("last-modified")
        follow = tuple(self._related(article, entry.depth + 1))
        # Settled in the article's own transaction: no moment where the article is stored
        # but its frontier row still pending, or the reverse.
        settlement = Settlement(entry.key, "done", self.run_id, None, etag, modified, follow)
        if not self.unsaved:
            self.unsaved_since = time.monotonic()
        self.unsaved.append(ArticleToSave(article, raw, settlement))
        if len(self.unsaved) >= WRITE_BATCH or self._window_left() == 0:
            self.flush()

    def flush(self) -> None:
        """Write the parsed articles waiting for their transaction, all in one, and count
        what the store did with each."""
        if not self.unsaved:
            return
        batch, self.unsaved = self.unsaved, []
        outcomes = self.store.save_articles(batch, run_id=self.run_id)
        for item, outcome in zip(batch, outcomes, strict=True):
            self.archived.add(item.article.article_id)
            self.report.count_outcome(outcome)
            self.report.count_fields(item.article)
            log.debug("%s %s", outcome, item.article.url)
        self._tick()

    def _window_left(self) -> float | None:
        """Seconds until the oldest unsaved article must be written (None: none waits)."""
        if not self.unsaved:
            return None
        return max(0.0, self.unsaved_since + WRITE_WINDOW_SECONDS - time.monotonic())

    def _related(self, article: Article, depth: int) -> list[FrontierEntry]:
        """The related ("Đọc thêm") articles to queue, up to ``follow_depth``; their own
        page decides whether they belong to a configured section."""
        if depth > self.settings.crawl.follow_depth:
            return []
        entries = []
        for link in article.related:
            found = article_id(link.url, self.settings.profile)
            url = self._on_site(canonicalize(link.url))
            if found and url and found not in self.archived and found not in self.seen:
                self.seen.add(found)
                entries.append(FrontierEntry.article(found, url, None, depth))
        return entries

    def _fail(
        self, entry: FrontierEntry, reason: str, message: str, raw: RawPage | None = None
    ) -> None:
        self.report.failed[reason] += 1
        log.warning("failed %s", message)
        self.store.record_failure(entry.url, reason, raw, run_id=self.run_id)
        self.frontier.fail(
            entry.key,
            reason,
            self.run_id,
            retry_base_seconds=self.settings.crawl.retry_base_seconds,
        )

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.report)

    # --- re-checks -----------------------------------------------------------------------

    def recheck(self) -> None:
        """Re-check recent (and lately edited) archived articles with conditional GETs."""
        days = self.settings.crawl.recheck_days
        recent = self.store.recent_articles(self.started - timedelta(days=days))
        targets = {found: url for found, url, _ in recent}
        removed = {f"a:{found}" for found, _, gone in recent if gone}
        for found, url in self.hints.items():
            targets.setdefault(found, url)
        keys = [f"a:{found}" for found in targets if found not in self.fetched_ids]
        known = self.frontier.entries(keys)
        entries = [
            known.get(key) or FrontierEntry.article(key[2:], targets[key[2:]]) for key in keys
        ]
        # A removed article is asked without validators, whatever its row kept (a removal
        # before they were dropped, or a kill between the two): back unchanged, it would
        # answer 304 and never be seen back on the site.
        entries = [
            replace(entry, etag=None, last_modified=None) if entry.key in removed else entry
            for entry in entries
        ]
        for result in self._fetch_all(entries, conditional=True):
            self.store_recheck(result)
        self.flush()

    def archive_images_due(self) -> None:
        """With ``archive_images`` on, download the images of archived articles that are
        due: never tried (stored while it was off, or left by a run that stopped), or
        failed earlier with their retry time come."""
        catch_up = getattr(self.store, "archive_images_due", None)
        if catch_up is None:
            return  # archive_images is off: the store is not wrapped
        counts = catch_up(self.started, self.stopping)
        if counts.downloaded or counts.reused or counts.failed:
            self.report.notes.append(
                f"images of earlier runs: {counts.downloaded} downloaded, "
                f"{counts.reused} already on disk, {counts.failed} failed"
            )

    def note_images(self) -> None:
        """Say in the report what happened to the images of the articles this run saved
        (failed ones are tried again by later runs; the run's exit code is not theirs)."""
        saved = getattr(self.store, "images_of_saved_articles", None)
        counts = saved() if saved is not None else None
        if counts is not None and (counts.downloaded or counts.reused or counts.failed):
            self.report.notes.append(
                f"images of this run's articles: {counts.downloaded} downloaded, "
                f"{counts.reused} already on disk, {counts.failed} failed"
                + (" (tried again by later runs; see the log)" if counts.failed else "")
            )

    def store_recheck(self, result: PageResult) -> None:
        """Record what re-checking an archived article showed."""
        entry, raw, error = result.entry, result.raw, result.error
        found = entry.key.removeprefix("a:")
        if isinstance(error, HTTPStatusError) and error.status in GONE_STATUSES:
            self._removed(entry, found, f"HTTP {error.status}")
        elif isinstance(error, FetchError):
            if error.reason not in STOP_REASONS:
                self.report.failed[error.reason] += 1
                self.store.record_failure(entry.url, error.reason, run_id=self.run_id)
        elif raw is not None and raw.status == 304:
            self.report.not_modified += 1
            self.store.log_fetch(raw, run_id=self.run_id)
        elif raw is not None and article_id(raw.final_url, self.settings.profile) is None:
            self._removed(entry, found, f"redirected to {raw.final_url}")
        elif error is not None:
            self._fail(entry, "parse-error", str(error), raw)
        elif result.article is not None and raw is not None:
            self.report.fetched += 1
            self._keep(entry, result.article, raw)
        self._tick()

    def _removed(self, entry: FrontierEntry, found: str, why: str) -> None:
        if self.store.mark_removed(found):
            self.report.removed += 1
            log.info("removed from the site (%s): %s", why, entry.url)
        self.frontier.add([entry])
        self.frontier.settle(entry.key, "removed", self.run_id, reason=why)


def _validators(entry: FrontierEntry) -> dict[str, str] | None:
    headers = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers or None


def _zone_of(url: str, settings: Settings) -> str | None:
    """The zone id of a load-more URL, read back through the profile's URL template."""
    template = re.escape(settings.profile.url_patterns["loadmore"])
    pattern = template.replace(r"\{zone_id\}", r"(?P<zone>\d+)").replace(r"\{page\}", r"\d+")
    match = re.search(pattern + "$", urlsplit(url).path)
    return match["zone"] if match else None


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the site's time zone (+07:00)."""
    return datetime.combine(day, clock_time(0, 0), tzinfo=SITE_TZ)
