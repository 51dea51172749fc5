"""The scheduler's persistent job store: APScheduler 3 jobs kept in the archive database.

``job_store(store)`` gives ``baohatinh schedule`` an ``SQLAlchemyJobStore`` on the archive's
own engine (SQLite file or PostgreSQL alike), writing the ``apscheduler_jobs`` table that
migration 0005 creates; ``scheduled_jobs(store)`` reads it back for ``baohatinh status``
without a running scheduler.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import select

from .engine import database_errors
from .models import ScheduledJobRow

if TYPE_CHECKING:
    from .store import Store

__all__ = ["JOBS_TABLE", "ScheduledJob", "job_store", "scheduled_jobs"]

JOBS_TABLE = ScheduledJobRow.__tablename__


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


def job_store(store: Store) -> SQLAlchemyJobStore:
    """Return an APScheduler job store on ``store``'s database (its engine is shared:
    the job store's ``shutdown`` only closes pooled connections)."""
    return SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)


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
