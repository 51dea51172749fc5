"""Scheduled crawls for real: ``baohatinh schedule`` and ``baohatinh crawl`` as subprocesses.

Each test writes a config pointing at the local sample site (served by this test process)
and an SQLite archive, starts the commands as a user or systemd would, and watches the
archive database. Nothing is mocked: signals, the lock's lease, the job store are real.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.errors import CrawlLocked
from scraper.sample_site import SampleSiteServer
from storage import Store
from storage.jobs import scheduled_jobs
from storage.lock import CrawlLease, LockHolder

BIN = Path(sys.executable).parent / "baohatinh"
ARTICLE_PAGE = re.compile(r"-post\d+\.html")
WAIT = 60.0  # seconds before a wait gives up (a failure, never a time assertion)


def write_config(folder: Path, server: SampleSiteServer, schedule: str, *,
                 lease: float = 30.0, heartbeat: float = 1.0, concurrency: int = 4) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f"""
[site]
base_url = "{server.base_url}"
allowed_hosts = ["127.0.0.1", "localhost"]
[database]
url = "sqlite:///{folder / 'archive.db'}"
[crawl]
delay_seconds = 0
backoff_seconds = 0.05
concurrency = {concurrency}
[schedule]
crawl = "{schedule}"
recheck = ""
sitemap = ""
jitter_seconds = 0
[lock]
lease_seconds = {lease}
heartbeat_seconds = {heartbeat}
""",
        encoding="utf-8",
    )
    return config


class Command:
    """A ``baohatinh`` subprocess logging JSON lines, its stderr collected as it comes."""

    def __init__(self, config: Path, *args: str, log_file: Path | None = None) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
        logging = ["--log-format", "json", "--log-level", "info"]
        if log_file is not None:
            logging += ["--log-file", str(log_file)]
        self.process = subprocess.Popen(
            [str(BIN), "--config", str(config), *logging, *args], cwd=config.parent,
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.pid = self.process.pid
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def messages(self) -> list[str]:
        """The log messages so far."""
        return [str(json.loads(line)["message"]) for line in list(self.lines)]

    def wait(self) -> int:
        """Wait for the process to end; return its exit code."""
        code = self.process.wait(timeout=WAIT)
        self._reader.join(timeout=WAIT)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return code

    def stop(self) -> int:
        """SIGTERM the process and return its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def kill(self) -> None:
        """SIGKILL: no chance to release anything."""
        self.process.kill()
        self.wait()


@pytest.fixture
def processes() -> Iterator[list[Command]]:
    """Commands started by a test; any still running at the end are killed."""
    started: list[Command] = []
    yield started
    for command in started:
        if command.process.poll() is None:
            command.kill()


def start(processes: list[Command], config: Path, *args: str,
          log_file: Path | None = None) -> Command:
    command = Command(config, *args, log_file=log_file)
    processes.append(command)
    return command


def wait_for(what: str, condition: Callable[[], object]) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def archive(folder: Path) -> Store:
    return Store.open(f"sqlite:///{folder / 'archive.db'}")


def finished_runs(folder: Path) -> list[dict[str, object]]:
    with archive(folder) as store:
        from storage.status import read_status

        runs = read_status(store, runs=100).runs
    return [run.to_dict() for run in runs if run.state == "finished"]


def _run_states(folder: Path) -> list[str]:
    with archive(folder) as store:
        from storage.status import read_status

        return [run.state for run in read_status(store).runs]


def lock_holder(folder: Path) -> LockHolder | None:
    with archive(folder) as store:
        return store.lock_holder()


def test_the_daemon_crawls_on_a_one_second_interval_and_stops_cleanly_on_sigterm(
    clean_sample_server: SampleSiteServer, tmp_path: Path,
    processes: list[Command],
) -> None:
    config = write_config(tmp_path, clean_sample_server, "every 1s")
    log_file = tmp_path / "schedule.log"
    daemon = start(processes, config, "schedule", log_file=log_file)
    wait_for("two finished crawls", lambda: len(finished_runs(tmp_path)) >= 2)
    assert daemon.stop() == 0
    assert lock_holder(tmp_path) is None
    runs = finished_runs(tmp_path)
    # The second run is incremental: nothing new, and no stored article fetched again.
    assert runs[-1]["new"] >= 30 and runs[-2]["new"] == 0 and runs[-2]["fetched"] == 0
    assert all(run["exit_code"] == 0 for run in runs)
    said = daemon.messages()
    assert sum(m.startswith("crawl finished: exit 0") for m in said) >= 2
    assert any(m.startswith("SIGTERM received") for m in said)
    assert said[-1] == "scheduler stopped"
    assert all(json.loads(line)["pid"] == daemon.pid for line in daemon.lines)
    assert log_file.read_text(encoding="utf-8").count("crawl finished: exit 0") >= 2


def test_a_cron_crawl_during_a_daemon_crawl_exits_75_naming_the_holder(
    clean_sample_server: SampleSiteServer, tmp_path: Path,
    processes: list[Command],
) -> None:
    config = write_config(tmp_path, clean_sample_server, "every 1s", concurrency=1)
    with clean_sample_server.faults.injected(ARTICLE_PAGE, _slow(0.5)):
        daemon = start(processes, config, "schedule")
        holder = wait_for("the daemon's crawl to hold the lock", lambda: lock_holder(tmp_path))
        assert isinstance(holder, LockHolder) and holder.pid == daemon.pid
        cron = subprocess.run(
            [str(BIN), "--config", str(config), "crawl"], cwd=tmp_path,
            capture_output=True, text=True, timeout=WAIT,
        )
        assert cron.returncode == 75
        assert cron.stderr.count("\n") == 1
        assert f"pid {daemon.pid}" in cron.stderr and "baohatinh schedule" in cron.stderr
        assert f"since {holder.acquired_at.isoformat(timespec='seconds')}" in cron.stderr
        # SIGTERM in the middle of the slow crawl: it stops after the article in flight.
        assert daemon.stop() == 0
    assert lock_holder(tmp_path) is None
    stopped = finished_runs(tmp_path)[0]
    assert stopped["exit_code"] == 0
    with archive(tmp_path) as store:
        counts = store.counts()
        report = _last_report(store)
    assert 0 < counts["articles"] < 30  # it was stopped part-way …
    assert counts["revisions"] == counts["articles"]  # … and no article is half-written
    assert report["stopped"] is True


def test_the_lock_of_a_killed_crawl_is_taken_over_once_its_lease_runs_out(
    clean_sample_server: SampleSiteServer, tmp_path: Path,
    processes: list[Command],
) -> None:
    config = write_config(tmp_path, clean_sample_server, "every 1h", lease=6, heartbeat=1,
                          concurrency=1)
    with clean_sample_server.faults.injected(ARTICLE_PAGE, _slow(0.5)):
        victim = start(processes, config, "crawl")
        # Its run recorded, not only the lock taken: a kill between the two leaves no run
        # to find interrupted (a loaded machine once landed it there).
        wait_for("the crawl to hold the lock and record its run",
                 lambda: lock_holder(tmp_path) and _run_states(tmp_path) == ["running"])
        victim.kill()
    holder = lock_holder(tmp_path)
    assert holder is not None and holder.pid == victim.pid
    with archive(tmp_path) as store, pytest.raises(CrawlLocked, match=f"pid {victim.pid}"):
        CrawlLease(store.engine, "too early", lease_seconds=6, heartbeat_seconds=1).acquire()
    wait_for("the dead crawl's lease to run out",
             lambda: datetime.now(UTC) > holder.expires_at)
    heir = start(processes, config, "crawl")
    assert heir.wait() == 0, heir.lines
    assert any(m.startswith("took over the expired crawl lock") and f"pid {victim.pid}" in m
               for m in heir.messages())
    assert lock_holder(tmp_path) is None
    with archive(tmp_path) as store:
        from storage.status import read_status

        states = [run.state for run in read_status(store).runs]
    assert states == ["finished", "interrupted"]


def test_a_restarted_daemon_keeps_each_job_s_next_run_time(
    clean_sample_server: SampleSiteServer, tmp_path: Path,
    processes: list[Command],
) -> None:
    config = write_config(tmp_path, clean_sample_server, "every 1h")

    def next_runs() -> dict[str, datetime | None]:
        with archive(tmp_path) as store:
            return {job.id: job.next_run_at for job in scheduled_jobs(store)}

    first = start(processes, config, "schedule")
    wait_for("the daemon to start", lambda: _running(first))
    before = next_runs()
    assert first.stop() == 0
    assert any(m.startswith("job crawl:xay-dung-dang added") for m in first.messages())
    second = start(processes, config, "schedule")
    wait_for("the daemon to start", lambda: _running(second))
    assert second.stop() == 0
    assert any(m.startswith("job crawl:xay-dung-dang kept") for m in second.messages())
    assert next_runs() == before
    # A changed schedule is a new schedule: that job is rescheduled.
    write_config(tmp_path, clean_sample_server, "every 2h")
    third = start(processes, config, "schedule")
    wait_for("the daemon to start", lambda: _running(third))
    assert third.stop() == 0
    assert any(m.startswith("job crawl:xay-dung-dang rescheduled") for m in third.messages())
    assert next_runs() != before


# --- helpers -----------------------------------------------------------------------------


def _slow(seconds: float):  # type: ignore[no-untyped-def]
    from scraper.sample_site.server import Fault

    return Fault(delay=seconds)


def _last_report(store: Store) -> dict[str, object]:
    from sqlalchemy import select

    from storage.models import CrawlRunRow

    with store.engine.connect() as conn:
        report = conn.execute(
            select(CrawlRunRow.report).order_by(CrawlRunRow.id.desc()).limit(1)
        ).scalar_one()
    return dict(report or {})


def _running(command: Command) -> bool:
    return any(m.startswith("scheduler running") for m in command.messages())


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_stops_a_cron_crawl_cleanly_with_exit_0(
    clean_sample_server: SampleSiteServer, tmp_path: Path, processes: list[Command],
    stop_signal: signal.Signals,
) -> None:
    # SIGHUP: the terminal of a crawl started by hand was closed (it killed it, lock held).
    config = write_config(tmp_path, clean_sample_server, "every 1h", concurrency=1)
    with clean_sample_server.faults.injected(ARTICLE_PAGE, _slow(0.3)):
        crawl = start(processes, config, "crawl")
        wait_for("a few stored articles", lambda: _articles(tmp_path) >= 3)
        crawl.process.send_signal(stop_signal)
        assert crawl.wait() == 0
    assert lock_holder(tmp_path) is None
    assert any(m.startswith(f"{stop_signal.name} received") for m in crawl.messages())
    assert any(m.startswith("crawl finished: exit 0") for m in crawl.messages())


def test_a_second_sigterm_stops_a_crawl_at_once_with_exit_130_recorded(
    clean_sample_server: SampleSiteServer, tmp_path: Path, processes: list[Command],
) -> None:
    server = clean_sample_server
    config = write_config(tmp_path, server, "every 1h", concurrency=2)
    with server.faults.injected(ARTICLE_PAGE, _slow(5.0)):  # answers that keep it waiting
        crawl = start(processes, config, "crawl")
        wait_for("article requests in flight",
                 lambda: any(ARTICLE_PAGE.search(r.path) for r in server.requests))
        crawl.process.send_signal(signal.SIGTERM)
        wait_for("the first signal", lambda: any(
            line.startswith('{') and "SIGTERM received" in line for line in crawl.lines))
        crawl.process.send_signal(signal.SIGTERM)
        # Not 1 ("some URLs failed", click's "Aborted!"), and without waiting for the
        # answers in flight.
        assert crawl.wait() == 130
    assert crawl.lines[-1] == "error: interrupted: stopped at once\n"
    assert lock_holder(tmp_path) is None
    with archive(tmp_path) as store:
        assert _last_report(store)["exit_code"] == 130
    text = subprocess.run([str(BIN), "--config", str(config), "status"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=WAIT)
    assert re.search(r"#1 .* exit 130 ", text.stdout), text.stdout


def test_status_shows_runs_next_runs_lock_and_size(
    clean_sample_server: SampleSiteServer, tmp_path: Path, processes: list[Command],
) -> None:
    config = write_config(tmp_path, clean_sample_server, "every 1h")
    assert start(processes, config, "crawl").wait() == 0
    daemon = start(processes, config, "schedule")
    wait_for("the daemon to start", lambda: _running(daemon))
    assert daemon.stop() == 0
    text = subprocess.run([str(BIN), "--config", str(config), "status"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=WAIT)
    assert text.returncode == 0, text.stderr
    assert re.search(r"#1 .* exit  0  new \d+", text.stdout)
    assert "crawl:xay-dung-dang: crawl xay-dung-dang: every 1h" in text.stdout
    assert "crawl lock:\n  free" in text.stdout
    assert "failed URLs waiting for a retry: 0" in text.stdout
    as_json = subprocess.run([str(BIN), "--config", str(config), "status", "--json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=WAIT)
    data = json.loads(as_json.stdout)
    assert data["runs"][0]["exit_code"] == 0 and data["runs"][0]["new"] >= 30
    assert [job["id"] for job in data["next_runs"]] == ["crawl:xay-dung-dang"]
    assert data["archive"]["articles"] >= 30 and data["archive"]["database_bytes"] > 0


def test_a_log_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN), "--log-file", str(tmp_path / "no" / "such" / "dir.log"), "status"],
        cwd=tmp_path, capture_output=True, text=True, timeout=WAIT,
    )
    assert result.returncode == 2
    assert "dir.log" in result.stderr


def _articles(folder: Path) -> int:
    with archive(folder) as store:
        return store.counts()["articles"]
