"""The crawl lock: one crawl at a time per archive, a lease that a dead holder loses."""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest

from scraper.errors import CrawlLocked
from storage import Store
from storage.lock import CrawlLease

T0 = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def lease(store: Store, holder: str, clock: FakeClock, lease_seconds: float = 60) -> CrawlLease:
    return CrawlLease(store.engine, holder, lease_seconds=lease_seconds,
                      heartbeat_seconds=lease_seconds / 4, clock=clock)


def test_a_free_archive_is_locked_by_the_first_crawl_and_names_it(store: Store) -> None:
    clock = FakeClock()
    lease(store, "baohatinh crawl", clock).acquire()
    holder = store.lock_holder()
    assert holder is not None
    assert (holder.host, holder.pid, holder.holder) == (socket.gethostname(), os.getpid(),
                                                         "baohatinh crawl")
    assert holder.acquired_at == T0
    assert holder.expires_at == T0 + timedelta(seconds=60)


def test_a_second_crawl_is_refused_with_who_holds_the_lock_since_when(store: Store) -> None:
    clock = FakeClock()
    lease(store, "baohatinh schedule: crawl:xay-dung-dang", clock).acquire()
    clock.advance(30)
    with pytest.raises(CrawlLocked) as caught:
        lease(store, "baohatinh crawl", clock).acquire()
    message = str(caught.value)
    assert caught.value.exit_code == 75
    assert "\n" not in message
    assert "baohatinh schedule: crawl:xay-dung-dang" in message
    assert f"host {socket.gethostname()}, pid {os.getpid()}" in message
    assert "since 2026-11-28T13:00:00+00:00" in message


def test_release_frees_the_archive_for_the_next_crawl(store: Store) -> None:
    clock = FakeClock()
    first = lease(store, "first", clock)
    first.acquire()
    first.release()
    assert store.lock_holder() is None
    second = lease(store, "second", clock)
    second.acquire()
    assert second.took_over is None


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(store: Store) -> None:
    clock = FakeClock()
    dead = lease(store, "killed crawl", clock, lease_seconds=10)
    dead.acquire()
    clock.advance(9)
    with pytest.raises(CrawlLocked):
        lease(store, "too early", clock).acquire()
    clock.advance(2)
    heir = lease(store, "next crawl", clock)
    heir.acquire()
    assert heir.took_over is not None and heir.took_over.holder == "killed crawl"
    holder = store.lock_holder()
    assert holder is not None and holder.holder == "next crawl"


def test_the_heartbeat_keeps_a_long_crawl_s_lease_alive(store: Store) -> None:
    clock = FakeClock()
    running = lease(store, "long crawl", clock, lease_seconds=10)
    running.acquire()
    for _ in range(5):
        clock.advance(8)
        assert running.renew()
    with pytest.raises(CrawlLocked):
        lease(store, "cron", clock).acquire()


def test_a_holder_that_stalled_past_its_lease_learns_it_lost_the_lock(store: Store) -> None:
    clock = FakeClock()
    stalled = lease(store, "stalled", clock, lease_seconds=10)
    stalled.acquire()
    clock.advance(11)
    lease(store, "heir", clock).acquire()
    assert not stalled.renew()
    stalled.release()  # must not free the heir's lock
    holder = store.lock_holder()
    assert holder is not None and holder.holder == "heir"


def test_the_heartbeat_thread_calls_on_lost_when_the_lock_was_taken_over(store: Store) -> None:
    stopped = threading.Event()
    first = CrawlLease(store.engine, "first", lease_seconds=0.4, heartbeat_seconds=0.05)
    first.on_lost(stopped.set)
    first.acquire()
    # Another crawl takes over as if the lease had run out (its clock is ahead).
    ahead = FakeClock(datetime.now(UTC) + timedelta(seconds=5))
    lease(store, "heir", ahead).acquire()
    first.start_heartbeat()
    assert stopped.wait(10)
    assert first.lost.is_set()
    first.release()


def test_the_context_manager_holds_the_lock_only_inside(store: Store) -> None:
    with store.crawl_lease("inside", lease_seconds=30, heartbeat_seconds=5) as held:
        holder = store.lock_holder()
        assert holder is not None and holder.holder == "inside"
        assert held.token
    assert store.lock_holder() is None


def test_a_heartbeat_not_shorter_than_the_lease_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="heartbeat_seconds"):
        store.crawl_lease("x", lease_seconds=10, heartbeat_seconds=10)
