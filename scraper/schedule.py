"""``baohatinh schedule``: the daemon that keeps the archive by itself, for years.

It runs in the foreground (under systemd or in a container) on APScheduler 3's
``BackgroundScheduler``, with these jobs from ``[schedule]`` and ``[[sections]]``::

    crawl:<slug>   crawl one section     [[sections]] schedule, else [schedule] crawl
    recheck        nightly re-check      [schedule] recheck
    sitemap        weekly sitemap sweep  [schedule] sitemap

Each job has jitter, coalescing, ``max_instances = 1`` and a misfire grace time, and is kept
in the archive database (``storage.jobs``): a restart keeps each job's next run time unless
its schedule changed in the config. Jobs run one after the other (one worker thread), each
through :func:`scraper.runner.run_exclusive_crawl`, the function ``baohatinh crawl`` calls,
so a job that finds another crawl holding the archive skips its turn.

SIGTERM or SIGINT sets the stop event: no new job starts, the running crawl stops after the
article in flight, its run is recorded, the lock released; the daemon then returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler

from .errors import BaohatinhError, CrawlLocked
from .runner import LockingArchive, run_exclusive_crawl
from .settings import ScheduleSettings, Settings
from .triggers import build_trigger

__all__ = ["CRAWL_OPTIONS", "Daemon", "JobSpec", "job_specs", "run_job", "run_scheduler"]

log = logging.getLogger("baohatinh.schedule")

# The job function as APScheduler stores it (by reference: jobs outlive the process).
JOB_FUNCTION = "scraper.schedule:run_job"
# How often the main thread looks at the stop event (signals also wake it).
WAIT_SECONDS = 1.0

# What each kind of job asks of run_crawl, beyond the sections it covers. Every
# incremental run re-checks the articles of the last `crawl.recheck_days` days with
# conditional requests, so the nightly re-check is an incremental run; the weekly sweep is
# a full run, which also reads the sitemaps and the home feed (articles already archived
# are not fetched again).
CRAWL_OPTIONS: Mapping[str, Mapping[str, object]] = {
    "crawl": {},
    "recheck": {},
    "sitemap": {"full": True},
}
# Jobs after which the search index is merged (`baohatinh db optimize`), under the same
# lock: once a week is enough, and the sweep already runs at a quiet hour.
OPTIMIZING_KINDS = frozenset({"sitemap"})


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job as the config asks for it: id, kind, schedule, and the sections it crawls."""

    id: str
    kind: str
    expression: str
    sections: tuple[str, ...]

    def describe(self, schedule: ScheduleSettings) -> str:
        """Return the job's name: what it does and when. A changed name means a changed
        schedule, so the stored job is rescheduled rather than kept."""
        return (f"{self.kind} {','.join(self.sections)}: {self.expression.strip()} "
                f"({schedule.timezone}, jitter {schedule.jitter_seconds}s)")


def job_specs(settings: Settings) -> list[JobSpec]:
    """Return the jobs ``settings`` ask for (a job with an empty schedule is off)."""
    schedule = settings.schedule
    every = tuple(section.slug for section in settings.sections)
    specs = [
        JobSpec(f"crawl:{section.slug}", "crawl", section.schedule or schedule.crawl,
                (section.slug,))
        for section in settings.sections
    ]
    specs += [JobSpec("recheck", "recheck", schedule.recheck, every),
              JobSpec("sitemap", "sitemap", schedule.sitemap, every)]
    return [spec for spec in specs if spec.expression.strip()]


_ACTIVE: Daemon | None = None
_ACTIVE_LOCK = threading.Lock()


def run_job(job_id: str) -> None:
    """Run job ``job_id`` on this process's daemon (APScheduler calls it by reference)."""
    daemon = _ACTIVE
    if daemon is None:  # pragma: no cover - only if a job outlived its daemon
        log.error("job %s: no daemon running in this process", job_id)
        return
    daemon.run_job(job_id)


class Daemon:
    """The scheduler of one archive; :meth:`run` blocks until ``stop`` is set."""

    def __init__(self, settings: Settings, store: LockingArchive, job_store: object,
                 *, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.store = store
        self.stop = stop or threading.Event()
        self.specs = {spec.id: spec for spec in job_specs(settings)}
        self._crawl_lock = threading.Lock()
        self._crawl_stop: threading.Event | None = None
        self.scheduler = BackgroundScheduler(
            jobstores={"default": job_store},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            timezone=settings.schedule.timezone,
        )

    def run(self) -> None:
        """Start the jobs, wait for the stop event, then stop cleanly."""
        global _ACTIVE
        with _ACTIVE_LOCK:
            if _ACTIVE is not None:
                raise RuntimeError("one daemon per process")
            _ACTIVE = self
        try:
            self.scheduler.start(paused=True)
            self._reconcile()
            self.scheduler.resume()
            log.info("scheduler running with %d job(s); SIGTERM or Ctrl-C stops it",
                     len(self.specs))
            while not self.stop.wait(WAIT_SECONDS):
                pass
            log.info("stopping: no new job starts; the running crawl ends after its article")
            self._stop_crawl()
            self.scheduler.shutdown(wait=True)
            log.info("scheduler stopped")
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE = None

    def _reconcile(self) -> None:
        """Make the stored jobs match the config, keeping each unchanged job's next run."""
        stored = {job.id: job for job in self.scheduler.get_jobs()}
        schedule = self.settings.schedule
        options = {"coalesce": schedule.coalesce, "max_instances": 1,
                   "misfire_grace_time": schedule.misfire_grace_seconds}
        for spec in self.specs.values():
            name = spec.describe(schedule)
            previous = stored.pop(spec.id, None)
            if previous is not None and previous.name == name:
                _log_job("kept", previous.modify(**options))
                continue
            trigger = build_trigger(spec.expression, timezone=schedule.timezone,
                                    jitter_seconds=schedule.jitter_seconds)
            job = self.scheduler.add_job(JOB_FUNCTION, trigger=trigger, args=[spec.id],
                                         id=spec.id, name=name, replace_existing=True,
                                         **options)
            _log_job("added" if previous is None else "rescheduled", job)
        for job in stored.values():
            log.info("job %s removed: no longer in the config", job.id)
            job.remove()

    def run_job(self, job_id: str) -> None:
        """Run one job: a crawl under the archive's lock, logged; never raises."""
        spec = self.specs.get(job_id)
        if spec is None:
            log.error("job %s is not in the config any more: skipped", job_id)
            return
        crawl_stop = self._start_crawl()
        if crawl_stop is None:
            log.info("job %s not started: stopping", job_id)
            return
        try:
            run_exclusive_crawl(self._settings_for(spec), self.store,
                                holder=f"baohatinh schedule (job {job_id})", stop=crawl_stop,
                                optimize_index=spec.kind in OPTIMIZING_KINDS,
                                **CRAWL_OPTIONS[spec.kind])
        except CrawlLocked as exc:
            log.warning("job %s skipped this turn: %s", job_id, exc)
        except BaohatinhError as exc:
            log.error("job %s failed: %s", job_id, exc)
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
        finally:
            with self._crawl_lock:
                self._crawl_stop = None

    def _start_crawl(self) -> threading.Event | None:
        """Return the stop event of the crawl about to start, ``None`` when stopping.

        Each crawl has its own event: a crawl that loses its lease stops alone, while the
        daemon's stop reaches the running crawl through :meth:`_stop_crawl`.
        """
        with self._crawl_lock:
            if self.stop.is_set():
                return None
            self._crawl_stop = threading.Event()
            return self._crawl_stop

    def _stop_crawl(self) -> None:
        with self._crawl_lock:
            if self._crawl_stop is not None:
                self._crawl_stop.set()

    def _settings_for(self, spec: JobSpec) -> Settings:
        sections = tuple(s for s in self.settings.sections if s.slug in spec.sections)
        return replace(self.settings, sections=sections)


def _log_job(action: str, job: Job) -> None:
    when: datetime | None = job.next_run_time
    log.info("job %s %s: %s; next run %s", job.id, action, job.name,
             when.isoformat(timespec="seconds") if when else "paused")


def run_scheduler(settings: Settings, *, stop: threading.Event | None = None) -> None:
    """Open the archive of ``settings`` and run the scheduler until ``stop`` is set.

    Raises ``StoreError`` if the archive cannot be opened.
    """
    from storage import Store
    from storage.jobs import job_store

    with Store.open(settings.database.url) as store:
        Daemon(settings, store, job_store(store), stop=stop).run()
