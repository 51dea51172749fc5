"""The scheduler's persistent job store: APScheduler 3 jobs kept in the archive database.

``job_store(store)`` gives ``baohatinh schedule`` an ``SQLAlchemyJobStore`` on the archive's
own engine (SQLite file or PostgreSQL alike), writing the ``apscheduler_jobs`` table that
migration 0005 creates; ``scheduled_jobs(store)`` reads it back for ``baohatinh status``
without a running scheduler.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .engine import database_errors
from .models import ScheduledJobRow

if TYPE_CHECKING:
    from .store import Store

__all__ = ["JOBS_TABLE", "PatientJobStore", "ScheduledJob", "job_store", "scheduled_jobs"]

JOBS_TABLE = ScheduledJobRow.__tablename__
# Waits between tries of a job-store write the database refused, then every minute.
RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0)

log = logging.getLogger("baohatinh.schedule")
_T = TypeVar("_T")


class PatientJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store, whose writes from the scheduler's own thread
    are tried again while the database refuses them (locked by ``db optimize``, a server
    restarting). APScheduler does not catch them there: its thread died, and the daemon
    ran on with no job ever again."""

    def update_job(self, job: Any) -> None:
        """Store ``job``'s new next run time, trying again until the database takes it."""
        store = super()
        _patiently(f"saving the next run of job {job.id}", lambda: store.update_job(job))

    def get_next_run_time(self) -> datetime | None:
        """When the soonest job runs, asking again until the database answers."""
        store = super()
        return _patiently("reading the next job's time", store.get_next_run_time)


def _patiently(action: str, call: Callable[[], _T]) -> _T:
    """Return ``call()``, tried again after each database error (``RETRY_SECONDS``)."""
    attempt = 0
    while True:
        try:
            return call()
        except SQLAlchemyError as exc:
            wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            reason = str(exc).splitlines()[0]
            log.warning("%s failed (%s); trying again in %g s", action, reason, wait)
            time.sleep(wait)
            attempt += 1


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A stored job: its id, its description, and when it runs next (``None``: paused)."""

    id: str
    name: str
    next_run_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        """Return the job as JSON-ready data."""
        when = self.next_run_at.isoformat() if self.next_run_at else None
        return {"id": self.id, "name": self.name, "next_run_at": when}


def job_store(store: Store) -> PatientJobStore:
    """Return an APScheduler job store on ``store``'s database (its engine is shared:
    the job store's ``shutdown`` only closes pooled connections)."""
    return PatientJobStore(engine=store.engine, tablename=JOBS_TABLE)


def scheduled_jobs(store: Store) -> list[ScheduledJob]:
    """Return the stored jobs, soonest first (paused ones last).

    Raises ``StoreError`` if the database cannot be read.
    """
    query = select(ScheduledJobRow.id, ScheduledJobRow.next_run_time, ScheduledJobRow.job_state)
    with database_errors(store.engine.url, "reading scheduled jobs"), \
            store.engine.connect() as conn:
        rows = conn.execute(query).all()
    jobs = [ScheduledJob(row.id, _name(row.job_state, row.id), _when(row.next_run_time))
            for row in rows]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(jobs, key=lambda job: (job.next_run_at or far, job.id))


def _when(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _name(state: bytes, fallback: str) -> str:
    # The state is APScheduler's own pickle, written by our daemon into our database.
    try:
        return str(pickle.loads(state).get("name") or fallback)  # noqa: S301
    except Exception:  # a job written by another APScheduler version: show its id
        return fallback
