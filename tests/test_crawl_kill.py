"""A crawler killed with SIGKILL at random moments loses nothing, duplicates nothing and
never fetches again an article it had stored: the frontier lives in the database.

A real ``baohatinh crawl`` process runs against the sample site; the site's request log
shows what each run fetched.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from scraper.sample_site import SampleSiteServer
from storage import Store
from tests.processes import descendants, wait_until_ended

SECTION = "xay-dung-dang"
KILLS = 5


def write_config(path: Path, server: SampleSiteServer, database_url: str) -> Path:
    path.write_text(
        f"""
[site]
base_url = "{server.base_url}"
allowed_hosts = ["127.0.0.1", "localhost"]

[database]
url = "{database_url}"

[crawl]
delay_seconds = 0.0
concurrency = 2
backoff_seconds = 0.05
retry_base_seconds = 0.0

# A killed crawl leaves the archive's lock behind until its lease runs out; keep that short
# so that each rerun can take it over.
[lock]
lease_seconds = 1.0
heartbeat_seconds = 0.2
""",
        encoding="utf-8",
    )
    return path


def crawl_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "scraper", "--config", str(config), "crawl", "--no-progress"]


def archived(database_url: str) -> set[str]:
    with Store.open(database_url) as store:
        return store.archived_ids()


def paths_of(server: SampleSiteServer, ids: set[str]) -> set[str]:
    return {server.site.article(article_id).path for article_id in ids}


def wait_for_lock_to_expire(database_url: str) -> None:
    """Wait until the lock of a killed crawl has run out (or was never taken)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Store.open(database_url) as store:
            holder = store.lock_holder()
        if holder is None or holder.expires_at < datetime.now(UTC):
            return
        time.sleep(0.05)
    raise AssertionError(f"the crawl lock of {database_url} did not expire")


def wait_for_requests(server: SampleSiteServer, process: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 60
    while len(server.requests) < n and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def test_kill_9_at_random_moments_then_a_rerun_finishes_the_job(
    clean_sample_server: SampleSiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    server = clean_sample_server
    # Slow article pages a little, so that kills land in the middle of the work.
    server.faults.delay(re.compile(r"-post\d+\.html$"), 0.05)
    config = write_config(tmp_path / "config.toml", server, sqlite_url)
    archived(sqlite_url)  # create the schema before the first kill can interrupt it
    rng = random.Random(4)
    kills_landed = 0
    orphans_watched: set[int] = set()  # parser workers of killed crawls
    progress: list[int] = []  # articles stored after each kill
    for _ in range(KILLS):
        wait_for_lock_to_expire(sqlite_url)
        stored_before = archived(sqlite_url)
        server.clear_log()
        process = subprocess.Popen(crawl_command(config), stdout=subprocess.DEVNULL)
        # Kill at a random point of the work: after a random number of its requests.
        wait_for_requests(server, process, rng.randint(1, 45))
        if process.poll() is None:
            children = descendants(process.pid)
            process.send_signal(signal.SIGKILL)
            kills_landed += 1
            orphans_watched |= children
            # The crawl's parser workers end with it: none is left parsing for nobody.
            assert not wait_until_ended(children), "a worker outlived its killed crawl"
        process.wait(timeout=30)
        progress.append(len(archived(sqlite_url)))
        fetched = {request.path for request in server.requests}
        assert not fetched & paths_of(server, stored_before), "refetched a stored article"
    assert kills_landed >= 3, progress  # most kills hit a live crawl
    assert len(set(progress)) >= 3, progress  # at different points of the work
    assert orphans_watched, "no kill landed while a parser worker ran"

    wait_for_lock_to_expire(sqlite_url)
    stored_before = archived(sqlite_url)
    server.clear_log()
    finished = subprocess.run(crawl_command(config), stdout=subprocess.DEVNULL, timeout=120)
    assert finished.returncode == 0
    assert not {r.path for r in server.requests} & paths_of(server, stored_before)

    truth = {a.article_id for a in server.site.articles if a.section_slug == SECTION}
    with Store.open(sqlite_url) as store:
        assert store.archived_ids() == truth
        counts = store.counts()
        assert counts["revisions"] == counts["articles"] == len(truth)
