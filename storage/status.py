"""What ``baohatinh status`` shows: recent runs, next jobs, the lock, failures, size.

``read_status(store)`` gathers it in a few queries and returns an :class:`ArchiveStatus`
(``to_dict()`` for ``--json``). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from .engine import database_errors
from .jobs import ScheduledJob, scheduled_jobs
from .lock import LockHolder, read_holder
from .models import ArticleRow, CrawlRunRow, FetchLogRow, ParseFailureRow, RevisionRow
from .stats import database_bytes
from .store import Store

__all__ = ["ArchiveStatus", "FailedUrl", "RunSummary", "read_status"]

# Report keys shown for each run, in this order.
RUN_COUNTS = (
    "discovered", "fetched", "new", "updated", "unchanged", "not_modified", "removed",
    "not_articles",
)
# Failures that a later run cannot cure: the page is not an article.
SETTLED_PREFIX = "not-an-article"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One crawl run: ``state`` is finished, running, or interrupted (it never finished).

    ``counted_from`` says where ``counts`` come from: ``"report"``, the run's own; or,
    for a run that wrote none (killed, or still running), ``"archive"``: its fetches,
    and the articles first archived or edited while it ran, read from the archive (the
    other counts are then 0: only a report knows them).
    """

    id: int
    started_at: datetime
    finished_at: datetime | None
    exit_code: int | None
    state: str
    counts: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    counted_from: str = "report"

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to finish, ``None`` for a run that did not finish."""
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    def to_dict(self) -> dict[str, Any]:
        """Return the run as JSON-ready data."""
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_seconds": self.duration_seconds,
            "state": self.state,
            "exit_code": self.exit_code,
            **self.counts,
            "failed": self.failed,
            "counted_from": self.counted_from,
        }


@dataclass(frozen=True, slots=True)
class FailedUrl:
    """A URL whose last attempt failed after its last success: the next run retries it."""

    url: str
    reason: str
    failures: int
    last_seen_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Return the failure as JSON-ready data."""
        return {"url": self.url, "reason": self.reason, "failures": self.failures,
                "last_seen_at": self.last_seen_at.isoformat()}


@dataclass(frozen=True, slots=True)
class ArchiveStatus:
    """Everything ``baohatinh status`` prints (times in UTC)."""

    database: str
    checked_at: datetime
    runs: list[RunSummary]
    jobs: list[ScheduledJob]
    lock: LockHolder | None
    failed_urls: list[FailedUrl]
    failed_url_total: int
    counts: dict[str, int]
    database_bytes: int | None

    @property
    def lock_expired(self) -> bool:
        """True when the lock's holder stopped renewing it (it died): the next crawl takes it."""
        return self.lock is not None and self.lock.expires_at < self.checked_at

    def to_dict(self) -> dict[str, Any]:
        """Return the status as JSON-ready data."""
        lock = None if self.lock is None else {**self.lock.to_dict(), "expired": self.lock_expired}
        return {
            "database": self.database,
            "checked_at": self.checked_at.isoformat(),
            "runs": [run.to_dict() for run in self.runs],
            "next_runs": [job.to_dict() for job in self.jobs],
            "lock": lock,
            "failed_urls": {"total": self.failed_url_total,
                            "latest": [failure.to_dict() for failure in self.failed_urls]},
            "archive": {**self.counts, "database_bytes": self.database_bytes},
        }


def read_status(store: Store, *, runs: int = 10, failures: int = 20) -> ArchiveStatus:
    """Return the archive's status with its last ``runs`` runs and ``failures`` failed URLs.

    Raises ``StoreError`` if the database cannot be read.
    """
    now = datetime.now(UTC)
    lock = read_holder(store.engine)
    live = lock is not None and lock.expires_at >= now
    with database_errors(store.engine.url, "reading the archive status"), \
            store.engine.connect() as conn:
        recent = _recent_runs(conn, runs, live)
        total, latest = _failed_urls(conn, failures)
        size = database_bytes(store, conn)  # as ``stats`` measures it
    return ArchiveStatus(store.url, now, recent, scheduled_jobs(store), lock, latest, total,
                         store.counts(), size)


def _recent_runs(conn: Connection, limit: int, lock_live: bool) -> list[RunSummary]:
    rows = conn.execute(
        select(CrawlRunRow).order_by(CrawlRunRow.id.desc()).limit(limit)
    ).all()
    summaries = []
    ended: datetime | None = None  # when the run after this one started (runs never overlap)
    for index, row in enumerate(rows):
        report = row.report or {}
        if row.finished_at is not None:
            state = "finished"
        else:  # only the newest run can be the one holding a live lock
            state = "running" if index == 0 and lock_live else "interrupted"
        counts = {key: int(report.get(key, 0)) for key in RUN_COUNTS}
        if row.report is None:
            counts.update(_counts_from_archive(conn, row.id, row.started_at, ended))
        summaries.append(RunSummary(
            id=row.id, started_at=row.started_at, finished_at=row.finished_at,
            exit_code=row.exit_code, state=state, counts=counts,
            failed=sum(int(v) for v in (report.get("failed") or {}).values()),
            counted_from="report" if row.report is not None else "archive",
        ))
        ended = row.started_at
    return summaries


def _counts_from_archive(
    conn: Connection, run_id: int, started: datetime, ended: datetime | None
) -> dict[str, int]:
    """What a run that wrote no report did, as the archive shows it: its fetches, and the
    articles first archived (new) or given a new revision (updated) from its start until
    the next run's (a killed crawl's articles are committed, its counters lost)."""
    fetched = conn.execute(
        select(func.count()).select_from(FetchLogRow).where(FetchLogRow.run_id == run_id)
    ).scalar_one()
    first_seen = ArticleRow.first_seen_at >= started
    new = select(func.count()).where(
        first_seen if ended is None else first_seen & (ArticleRow.first_seen_at < ended))
    seen = RevisionRow.seen_at >= started
    edited = select(func.count(RevisionRow.article_pk.distinct())).where(
        RevisionRow.revision > 1, seen if ended is None else seen & (RevisionRow.seen_at < ended))
    return {"fetched": int(fetched), "new": int(conn.execute(new).scalar_one()),
            "updated": int(conn.execute(edited).scalar_one())}


def _failed_urls(conn: Connection, limit: int) -> tuple[int, list[FailedUrl]]:
    """Return how many URLs wait for a retry and the ``limit`` most recent of them."""
    failures, log = ParseFailureRow, FetchLogRow
    # When the failed page was fetched: the last fetch of its kept bytes at that URL up to
    # the failure (a reparse that archives those very bytes cures it); without a kept
    # page, when the failure was seen.
    page_fetched = (
        select(func.max(log.fetched_at))
        .where(log.url == failures.url, log.raw_page_id == failures.raw_page_id,
               log.fetched_at <= failures.seen_at)
        .scalar_subquery()
    )
    failed = (
        select(failures.id, failures.url, failures.seen_at,
               func.coalesce(page_fetched, failures.seen_at).label("failed_at"))
        .where(~failures.reason.startswith(SETTLED_PREFIX))
        .subquery()
    )
    per_url = (
        select(failed.c.url, func.count(failed.c.id).label("failures"),
               func.max(failed.c.seen_at).label("last_seen_at"),
               func.max(failed.c.failed_at).label("last_failed_at"))
        .group_by(failed.c.url)
        .subquery()
    )
    # Still waiting: no archived article at that URL fetched since the last failed fetch.
    waiting = (
        select(per_url.c.url, per_url.c.failures, per_url.c.last_seen_at)
        .outerjoin(ArticleRow, ArticleRow.url == per_url.c.url)
        .where((ArticleRow.id.is_(None)) | (ArticleRow.last_fetched_at < per_url.c.last_failed_at))
    ).subquery()
    total = conn.execute(select(func.count()).select_from(waiting)).scalar_one()
    last_reason = (
        select(failures.reason).where(failures.url == waiting.c.url)
        .order_by(failures.seen_at.desc(), failures.id.desc()).limit(1).scalar_subquery()
    )
    rows = conn.execute(
        select(waiting.c.url, waiting.c.failures, waiting.c.last_seen_at, last_reason)
        .order_by(waiting.c.last_seen_at.desc(), waiting.c.url).limit(limit)
    ).all()
    latest = [FailedUrl(url, reason, int(count), _utc(seen))
              for url, count, seen, reason in rows]
    return int(total), latest


def _utc(value: datetime | str) -> datetime:
    # max() over a column loses its type on SQLite: the value comes back as stored text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
