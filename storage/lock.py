"""One crawl at a time per archive: a lock held in the database as a lease with a heartbeat.

Whoever starts a crawl (the daemon, cron, a person) takes the ``crawl`` row of the
``crawl_lock`` table before the run and deletes it after. While it runs, a heartbeat thread
pushes ``expires_at`` forward; a holder that crashed (``kill -9``, a lost machine) stops
doing so, and once its lease has run out the next crawl takes the lock over. Taking the
lock is one atomic statement on both databases::

    INSERT … ON CONFLICT (name) DO UPDATE SET … WHERE crawl_lock.expires_at < :now

so two crawls starting together cannot both win. Times are the holders' own UTC clocks:
hosts sharing one PostgreSQL archive need synchronised clocks (NTP), well within a lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scraper.errors import CrawlLocked, StoreError

from .engine import WRITE, database_errors, safe_url
from .models import CrawlLockRow

__all__ = ["CRAWL_LOCK", "CrawlLease", "LockHolder", "read_holder"]

CRAWL_LOCK = "crawl"

log = logging.getLogger("baohatinh.lock")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a lock: host, process id, what it runs, since when, until when."""

    host: str
    pid: int
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        """Return one line naming the holder, e.g. for the exit-75 message."""
        return (
            f"{self.holder} (host {self.host}, pid {self.pid}) since "
            f"{self.acquired_at.isoformat(timespec='seconds')}, lease until "
            f"{self.expires_at.isoformat(timespec='seconds')}"
        )

    def to_dict(self) -> dict[str, object]:
        """Return the holder as JSON-ready data (times in ISO 8601, UTC)."""
        return {
            "host": self.host,
            "pid": self.pid,
            "holder": self.holder,
            "acquired_at": self.acquired_at.isoformat(),
            "heartbeat_at": self.heartbeat_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def read_holder(engine: Engine, name: str = CRAWL_LOCK) -> LockHolder | None:
    """Return who holds lock ``name`` (even with an expired lease), or ``None``.

    Raises ``StoreError`` if the database cannot be read.
    """
    with database_errors(engine.url, f"reading lock {name!r}"), engine.connect() as conn:
        row = conn.execute(select(CrawlLockRow).where(CrawlLockRow.name == name)).first()
    if row is None:
        return None
    return LockHolder(row.host, row.pid, row.holder, row.acquired_at, row.heartbeat_at,
                      row.expires_at)


class CrawlLease:
    """The archive's crawl lock, taken on ``__enter__`` and released on ``__exit__``.

    ``holder`` says what runs (``"baohatinh crawl"``, ``"baohatinh schedule: crawl:…"``).
    The heartbeat renews the lease every ``heartbeat_seconds``; if a renewal finds the lock
    taken over (this process stalled past its lease), the ``on_lost`` callbacks run once
    (the crawl is then asked to stop). ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        engine: Engine,
        holder: str,
        *,
        lease_seconds: float,
        heartbeat_seconds: float,
        name: str = CRAWL_LOCK,
        clock: Clock = _utcnow,
    ) -> None:
        if not 0 < heartbeat_seconds < lease_seconds:
            raise ValueError(
                f"heartbeat_seconds ({heartbeat_seconds}) must be > 0 and below "
                f"lease_seconds ({lease_seconds})"
            )
        self._engine = engine
        self._writer = engine.execution_options(**WRITE)
        self.holder = holder
        self.name = name
        self.lease = timedelta(seconds=lease_seconds)
        self.heartbeat_seconds = heartbeat_seconds
        self.token = str(uuid.uuid4())
        self._clock = clock
        self._on_lost: list[Callable[[], None]] = []
        self._stop_beating = threading.Event()
        self._beater: threading.Thread | None = None
        self.lost = threading.Event()
        self.took_over: LockHolder | None = None

    # --- taking and giving back ----------------------------------------------------------

    def acquire(self) -> None:
        """Take the lock, or raise ``CrawlLocked`` naming its live holder.

        An expired lease (its holder died) is taken over and remembered in ``took_over``.
        Raises ``StoreError`` if the database refuses.
        """
        now = self._clock()
        previous = read_holder(self._engine, self.name)
        with (
            database_errors(self._engine.url, f"taking lock {self.name!r}"),
            self._writer.begin() as conn,
        ):
            conn.execute(self._take_statement(conn.dialect.name, now))
            row = conn.execute(
                select(CrawlLockRow.token).where(CrawlLockRow.name == self.name)
            ).scalar_one()
        if row != self.token:
            current = read_holder(self._engine, self.name)
            who = current.describe() if current else "another crawl"
            raise CrawlLocked(f"{safe_url(self._engine.url)} is being crawled by {who}")
        if previous is not None and previous.expires_at < now:
            self.took_over = previous
            log.warning("took over the expired crawl lock of %s", previous.describe())

    def _take_statement(self, dialect: str, now: datetime) -> Any:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "name": self.name,
            "token": self.token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "holder": self.holder,
            "acquired_at": now,
            "heartbeat_at": now,
            "expires_at": now + self.lease,
        }
        statement = insert(CrawlLockRow).values(**values)
        return statement.on_conflict_do_update(
            index_elements=["name"],
            set_={key: statement.excluded[key] for key in values if key != "name"},
            where=CrawlLockRow.expires_at < now,
        )

    def release(self) -> None:
        """Stop the heartbeat and give the lock back (if this lease still holds it).

        A database error is logged, not raised: the lease then simply runs out.
        """
        self._stop_heartbeat()
        try:
            with (
                database_errors(self._engine.url, f"releasing lock {self.name!r}"),
                self._writer.begin() as conn,
            ):
                conn.execute(
                    delete(CrawlLockRow).where(
                        CrawlLockRow.name == self.name, CrawlLockRow.token == self.token
                    )
                )
        except StoreError as exc:
            log.warning("could not release the crawl lock (it expires by itself): %s", exc)

    # --- heartbeat -----------------------------------------------------------------------

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) if the lease is found taken over by another crawl."""
        self._on_lost.append(callback)

    def renew(self) -> bool:
        """Push the lease forward; return False if another crawl holds the lock now.

        Raises ``StoreError`` if the database refuses.
        """
        now = self._clock()
        with (
            database_errors(self._engine.url, f"renewing lock {self.name!r}"),
            self._writer.begin() as conn,
        ):
            result = conn.execute(
                update(CrawlLockRow)
                .where(CrawlLockRow.name == self.name, CrawlLockRow.token == self.token)
                .values(heartbeat_at=now, expires_at=now + self.lease)
            )
        return bool(result.rowcount)

    def start_heartbeat(self) -> None:
        """Renew the lease every ``heartbeat_seconds`` on a daemon thread until release."""
        self._beater = threading.Thread(target=self._beat, name="lock-heartbeat", daemon=True)
        self._beater.start()

    def _beat(self) -> None:
        while not self._stop_beating.wait(self.heartbeat_seconds):
            try:
                held = self.renew()
            except StoreError as exc:
                # The database may come back before the lease runs out: try again.
                log.warning("crawl lock heartbeat failed: %s", exc)
                continue
            if not held:
                self._lose()
                return

    def _lose(self) -> None:
        current = read_holder(self._engine, self.name)
        who = current.describe() if current else "nobody"
        log.error("lost the crawl lock (the lease ran out); now held by %s: stopping", who)
        self.lost.set()
        for callback in self._on_lost:
            callback()

    def _stop_heartbeat(self) -> None:
        self._stop_beating.set()
        if self._beater is not None and self._beater is not threading.current_thread():
            self._beater.join()

    # --- context manager -----------------------------------------------------------------

    def __enter__(self) -> CrawlLease:
        self.acquire()
        self.start_heartbeat()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
