"""One crawl the safe way: under the archive's lock, stoppable by SIGTERM or SIGINT.

``baohatinh crawl`` (by hand or from cron) and every job of ``baohatinh schedule`` call
:func:`run_exclusive_crawl`, so there is one crawl at a time per archive whoever starts it.
A signal sets the crawl's stop event: no new article is started, the fetches in flight
finish or give up, each stored article is already committed (one transaction each), the
run is recorded, the lock released, and the process exits normally.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

from .crawl import ArchiveWriter, run_crawl
from .report import CrawlReport
from .settings import Settings

__all__ = ["LockingArchive", "run_exclusive_crawl", "stop_on_signals"]

log = logging.getLogger("baohatinh.runner")


class LockingArchive(ArchiveWriter, Protocol):
    """An archive that also hands out its crawl lock (``storage.Store`` does)."""

    def crawl_lease(
        self, holder: str, *, lease_seconds: float, heartbeat_seconds: float
    ) -> Any: ...

    def optimize_search_index(self) -> None: ...


def run_exclusive_crawl(
    settings: Settings,
    store: LockingArchive,
    *,
    holder: str,
    stop: threading.Event | None = None,
    optimize_index: bool = False,
    **crawl_options: Any,
) -> CrawlReport:
    """Run :func:`run_crawl` while holding the archive's crawl lock; return its report.

    ``holder`` says who runs it (shown to anyone who finds the lock held);
    ``crawl_options`` go to ``run_crawl`` as they are. With ``optimize_index``, the
    search index is merged afterwards, still under the lock (unless the crawl was
    stopped, or ended at its time limit): the weekly sweep does it, so searches stay
    fast. If the lease is lost (this process stalled past it and another crawl took
    over), the crawl is stopped.
    Raises ``CrawlLocked`` (exit code 75) naming the holder when another crawl runs, and
    ``StoreError`` if the database refuses.
    """
    stop = stop or threading.Event()
    lease = store.crawl_lease(
        holder,
        lease_seconds=settings.lock.lease_seconds,
        heartbeat_seconds=settings.lock.heartbeat_seconds,
    )
    with lease:
        lease.on_lost(stop.set)
        log.info("crawl started by %s: sections %s", holder,
                 ", ".join(section.slug for section in settings.sections))
        report = run_crawl(settings, store, stop=stop, lock_lost=lease.lost, **crawl_options)
        # Not after a stopped run: a stop, or a time limit, asks it to end now.
        if optimize_index and (stop.is_set() or report.stopped):
            log.warning("search index not merged: the run was stopped (baohatinh db optimize "
                        "merges it)")
        elif optimize_index:
            started = time.monotonic()
            store.optimize_search_index()
            log.info("search index optimized in %.1f s", time.monotonic() - started)
    log.info(
        "crawl finished: exit %d, discovered %d, new %d, updated %d, unchanged %d, "
        "failed %d, %.1f s", report.exit_code, report.discovered, report.new, report.updated,
        report.unchanged, report.failed_total, report.duration_seconds,
    )
    return report


@contextmanager
def stop_on_signals(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """Within the block, SIGTERM, SIGINT and SIGHUP (a closed terminal, which killed a
    crawl holding the lock) set the yielded stop event instead of killing.

    A second signal raises ``KeyboardInterrupt`` (for an operator who will not wait); the
    open transaction then rolls back, so no article is half-written either way. The
    previous handlers come back on exit. Works only in the main thread.
    """
    stop = stop or threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: stopping at once", name)
            raise KeyboardInterrupt
        log.warning("%s received: stopping after the article in flight", name)
        stop.set()

    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {sig: signal.signal(sig, handle) for sig in signals}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
