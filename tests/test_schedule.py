"""Scheduling in-process: schedule expressions, the [schedule]/[lock] config, the daemon's
jobs on SQLite and PostgreSQL, stopping a crawl, the status and the log lines."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from scraper.demo import demo_settings
from scraper.errors import ConfigError, CrawlLocked
from scraper.logs import JsonFormatter, TextFormatter, configure_logging
from scraper.runner import run_exclusive_crawl
from scraper.sample_site import SampleSiteServer
from scraper.sample_site.server import Fault
from scraper.schedule import Daemon, job_specs
from scraper.settings import Section, Settings, settings_from_dict
from scraper.triggers import build_trigger, check_expression
from storage import Store
from storage.jobs import job_store, scheduled_jobs
from storage.lock import CrawlLease
from storage.status import read_status

SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ARTICLE_PAGE = re.compile(r"-post\d+\.html")
WAIT = 60.0


def next_fire(expression: str, zone: str = "UTC", after: datetime = SATURDAY) -> datetime:
    trigger = build_trigger(expression, timezone=zone, jitter_seconds=0)
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None
    return fire


# --- schedule expressions ----------------------------------------------------------------


def test_weekday_numbers_mean_what_they_mean_in_crontab() -> None:
    assert next_fire("10 4 * * 0").strftime("%A %H:%M") == "Sunday 04:10"
    assert next_fire("10 4 * * 7").strftime("%A") == "Sunday"
    assert next_fire("0 9 * * 1-5").strftime("%A") == "Monday"
    assert next_fire("0 9 * * 6").strftime("%A %d") == "Saturday 05"
    assert next_fire("0 9 * * sat").strftime("%A %d") == "Saturday 05"


def test_weekday_and_month_steps_and_names_mean_what_they_mean_in_crontab() -> None:
    # Steps count from Sunday (APScheduler counted from Monday), over names too.
    assert fires("0 3 * * */2", 4) == ["Tue 01", "Thu 03", "Sat 05", "Sun 06"]
    assert fires("0 3 * * 1/2", 4) == ["Mon 30", "Wed 02", "Fri 04", "Sun 06"]
    assert fires("0 3 * * sun-sat", 2) == ["Mon 30", "Tue 01"]  # from Sunday noon
    # Every third month from January, by names or numbers (APScheduler ran it monthly).
    for months in ("jan-dec/3", "1-12/3", "*/3"):
        assert fires(f"0 3 1 {months} *", 2, "%b %d") == ["Jan 01", "Apr 01"]


def fires(expression: str, count: int, style: str = "%a %d") -> list[str]:
    trigger = build_trigger(expression, timezone="UTC", jitter_seconds=0)
    now, previous, found = datetime(2026, 11, 29, 12, tzinfo=UTC), None, []
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        assert previous is not None
        found.append(previous.strftime(style))
        now = previous
    return found


def test_cron_expressions_run_in_the_configured_time_zone() -> None:
    fire = next_fire("40 2 * * *", "Asia/Ho_Chi_Minh")
    assert fire.astimezone(UTC) == datetime(2026, 11, 28, 19, 40, tzinfo=UTC)


def test_an_interval_runs_every_so_often() -> None:
    first = next_fire("every 30m")
    trigger = build_trigger("every 30m", timezone="UTC", jitter_seconds=0)
    assert trigger.get_next_fire_time(first, first) == first + timedelta(minutes=30)


@pytest.mark.parametrize("bad", ["every 0s", "every day", "61 * * * *", "* * *", "0 0 * * 8",
                                 "0 0 * * mon#2", "0 0 * * fri-mon", "0 0 * * */0",
                                 "0 0 1 13 *", "0 0 1 foo *"])
def test_a_bad_schedule_is_refused_quoting_it(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        check_expression(bad)


# --- config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"schedule": {"crawl": "every fortnight"}}, "schedule.crawl"),
        ({"schedule": {"recheck": "99 2 * * *"}}, "schedule.recheck"),
        ({"schedule": {"timezone": "Mars/Olympus"}}, "schedule.timezone"),
        ({"schedule": {"jitter_seconds": -1}}, "schedule.jitter_seconds"),
        ({"schedule": {"misfire_grace_seconds": 0}}, "schedule.misfire_grace_seconds"),
        ({"sections": [{"slug": "a", "name": "A", "schedule": "often"}]}, "sections[0].schedule"),
        ({"lock": {"lease_seconds": 30, "heartbeat_seconds": 20}}, "lock.lease_seconds"),
        ({"lock": {"heartbeat_seconds": 0}}, "lock.heartbeat_seconds"),
    ],
)
def test_a_bad_schedule_or_lock_setting_names_its_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key)):
        settings_from_dict(data, source="config.toml")


def test_each_section_gets_a_job_and_empty_schedules_are_off() -> None:
    settings = settings_from_dict({
        "sections": [{"slug": "xay-dung-dang", "name": "Xây dựng Đảng"},
                     {"slug": "thoi-su", "name": "Thời sự", "schedule": "every 6h"}],
        "schedule": {"crawl": "every 2h", "sitemap": ""},
    })
    specs = {spec.id: (spec.expression, spec.sections) for spec in job_specs(settings)}
    assert specs == {
        "crawl:xay-dung-dang": ("every 2h", ("xay-dung-dang",)),
        "crawl:thoi-su": ("every 6h", ("thoi-su",)),
        "recheck": ("40 2 * * *", ("xay-dung-dang", "thoi-su")),
    }


# --- the daemon, in-process, on both databases --------------------------------------------


def daemon_settings(server: SampleSiteServer, db_url: str, crawl: str) -> Settings:
    base = demo_settings(Settings(), server.base_url, db_url)
    schedule = replace(base.schedule, crawl=crawl, recheck="", sitemap="", jitter_seconds=0)
    return replace(base, schedule=schedule)


def run_daemon(
    settings: Settings, store: Store, until: Callable[[list[str]], object]
) -> list[str]:
    """Run a daemon in a thread until ``until(its log messages)`` is true; return them."""
    records = _capture("baohatinh")
    stop = threading.Event()
    daemon = Daemon(settings, store, job_store(store), stop=stop)
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not until(records.messages) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(WAIT)
        logging.getLogger("baohatinh").removeHandler(records)
    assert not thread.is_alive()
    return records.messages


def test_the_job_store_keeps_next_run_times_across_daemons(
    clean_sample_server: SampleSiteServer, db_url: str
) -> None:
    settings = daemon_settings(clean_sample_server, db_url, "every 1h")
    with Store.open(db_url) as store:
        said = run_daemon(settings, store, lambda _: scheduled_jobs(store))
        before = scheduled_jobs(store)
        assert [job.id for job in before] == ["crawl:xay-dung-dang"]
        assert any("added" in m for m in said)
        said = run_daemon(settings, store, _started)
        assert any(m.startswith("job crawl:xay-dung-dang kept") for m in said)
        assert scheduled_jobs(store) == before
        fewer = replace(settings, sections=(Section("thoi-su", "Thời sự"),))
        said = run_daemon(fewer, store, _started)
        assert "job crawl:xay-dung-dang removed: no longer in the config" in said
        assert [job.id for job in scheduled_jobs(store)] == ["crawl:thoi-su"]


def test_the_daemon_crawls_and_records_runs_on_either_database(
    clean_sample_server: SampleSiteServer, db_url: str
) -> None:
    settings = daemon_settings(clean_sample_server, db_url, "every 1s")
    with Store.open(db_url) as store:
        run_daemon(settings, store, lambda said: any(m.startswith("crawl finished") for m in said))
        assert store.counts()["articles"] >= 30
        assert store.lock_holder() is None


def test_the_weekly_sweep_merges_the_search_index_under_the_lock(
    clean_sample_server: SampleSiteServer, db_url: str
) -> None:
    base = daemon_settings(clean_sample_server, db_url, "")
    settings = replace(base, schedule=replace(base.schedule, sitemap="every 1s"))
    with Store.open(db_url) as store:
        said = run_daemon(settings, store, lambda said: any("index optimized" in m for m in said))
        assert any(m.startswith("search index optimized in") for m in said)
        assert store.counts()["articles"] >= 30 and store.lock_holder() is None
        if store.dialect == "sqlite":  # one segment left: every query looks in one place
            with store.engine.connect() as conn:
                segments = conn.execute(
                    sql("SELECT count(DISTINCT segid) FROM article_search_idx")
                ).scalar_one()
            assert segments == 1


def test_a_job_that_finds_the_archive_locked_skips_its_turn(
    clean_sample_server: SampleSiteServer, db_url: str
) -> None:
    settings = daemon_settings(clean_sample_server, db_url, "every 1s")
    with Store.open(db_url) as store, \
            store.crawl_lease("baohatinh crawl", lease_seconds=60, heartbeat_seconds=10):
        said = run_daemon(settings, store, lambda said: any("skipped" in m for m in said))
        assert store.counts()["crawl_runs"] == 0
    assert any("skipped this turn" in m and "baohatinh crawl" in m for m in said)


def _started(said: list[str]) -> bool:
    return any(m.startswith("scheduler running") for m in said)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _capture(name: str) -> _Records:
    handler = _Records()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


# --- stopping a crawl --------------------------------------------------------------------


def test_a_sweep_ended_by_its_time_limit_leaves_merging_the_index_to_the_next_one(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    base = demo_settings(Settings(), clean_sample_server.base_url, sqlite_url)
    # At most one request every 0.1 s: the sweep cannot end within its 0.5 s.
    limited = replace(base.crawl, delay_seconds=0.1, concurrency=1, max_run_minutes=0.5 / 60)
    records = _capture("baohatinh")
    with Store.open(sqlite_url) as store:
        report = run_exclusive_crawl(
            replace(base, crawl=limited), store, holder="test", optimize_index=True
        )
        assert store.lock_holder() is None
    assert report.stopped and report.exit_code == 0
    assert not [m for m in records.messages if "index optimized" in m]
    assert "search index not merged: the run was stopped (baohatinh db optimize merges it)" in (
        records.messages
    )


def test_a_stopped_crawl_keeps_what_it_stored_records_the_run_and_exits_0(
    clean_sample_server: SampleSiteServer, db_url: str
) -> None:
    settings = replace(demo_settings(Settings(), clean_sample_server.base_url, db_url),
                       crawl=replace(Settings().crawl, delay_seconds=0, concurrency=1))
    stop = threading.Event()
    with Store.open(db_url) as store, \
            clean_sample_server.faults.injected(ARTICLE_PAGE, Fault(delay=0.2)):
        timer = threading.Timer(1.5, stop.set)
        timer.start()
        report = run_exclusive_crawl(settings, store, holder="test", stop=stop)
        timer.join()
        counts = store.counts()
        assert store.lock_holder() is None
        run = read_status(store).runs[0]
    assert report.exit_code == 0 and report.failed_total == 0
    assert 0 < report.new < report.discovered
    assert counts["articles"] == counts["revisions"] == report.new
    assert report.stopped
    assert run.state == "finished" and run.exit_code == 0


def test_a_crawl_that_lost_its_lease_stops_and_leaves_the_lock_to_its_heir(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    base = demo_settings(Settings(), clean_sample_server.base_url, sqlite_url)
    settings = replace(base, crawl=replace(base.crawl, concurrency=1),
                       lock=replace(base.lock, lease_seconds=1.0, heartbeat_seconds=0.2))
    with Store.open(sqlite_url) as store, \
            clean_sample_server.faults.injected(ARTICLE_PAGE, Fault(delay=0.2)):
        reports = []
        crawl = threading.Thread(target=lambda: reports.append(
            run_exclusive_crawl(settings, store, holder="stalled crawl")))
        crawl.start()
        while store.counts()["articles"] < 2:
            time.sleep(0.05)
        # A crawl whose clock says the lease ran out takes the lock over.
        ahead = datetime.now(UTC) + timedelta(seconds=30)
        CrawlLease(store.engine, "heir", lease_seconds=60, heartbeat_seconds=10,
                   clock=lambda: ahead).acquire()
        crawl.join(WAIT)
        holder = store.lock_holder()
    [report] = reports
    assert report.stopped
    assert report.new < report.discovered
    assert holder is not None and holder.holder == "heir"
    # Not 0: cron must hear of it (75, as when another crawl holds the archive).
    assert report.lock_lost and report.exit_code == 75
    with Store.open(sqlite_url) as store:
        assert read_status(store).runs[0].exit_code == 75


def test_a_second_crawl_while_one_runs_raises_crawl_locked(
    clean_sample_server: SampleSiteServer, sqlite_url: str
) -> None:
    settings = demo_settings(Settings(), clean_sample_server.base_url, sqlite_url)
    with Store.open(sqlite_url) as store, \
            store.crawl_lease("baohatinh schedule (job crawl:x)", lease_seconds=60,
                              heartbeat_seconds=10):
        with pytest.raises(CrawlLocked, match=r"baohatinh schedule \(job crawl:x\)"):
            run_exclusive_crawl(settings, store, holder="baohatinh crawl")
        assert store.counts()["crawl_runs"] == 0


# --- status ------------------------------------------------------------------------------


def test_status_lists_urls_still_failing_but_not_those_fetched_since(store: Store) -> None:
    from tests.fixtures_db import make_article, make_raw

    run = store.begin_run()
    store.record_failure("https://baohatinh.vn/a-post1.html", "http-503", run_id=run)
    store.record_failure("https://baohatinh.vn/a-post1.html", "timeout", run_id=run)
    store.record_failure("https://baohatinh.vn/b-post2.html", "not-an-article: empty")
    cured = make_article("3")
    store.record_failure(cured.url, "http-500", run_id=run)
    store.save_article(cured, make_raw(cured, fetched_at=datetime.now(UTC) + timedelta(1)))
    store.finish_run(run, {"new": 1, "failed": {"http-503": 1}}, 1)
    status = read_status(store)
    assert status.failed_url_total == 1
    [failure] = status.failed_urls
    assert (failure.url, failure.reason, failure.failures) == (
        "https://baohatinh.vn/a-post1.html", "timeout", 2)
    [summary] = status.runs
    assert (summary.state, summary.exit_code, summary.counts["new"], summary.failed) == (
        "finished", 1, 1, 1)
    assert status.counts["articles"] == 1 and status.database_bytes
    data = json.loads(json.dumps(status.to_dict()))
    assert data["failed_urls"]["total"] == 1 and data["lock"] is None


def test_status_and_stats_give_the_same_database_size(store: Store) -> None:
    # One measure for both: on PostgreSQL the archive's own schema (not the whole
    # database, catalogs and other schemas included), on SQLite the file and its WAL.
    from storage.stats import archive_stats
    from tests.fixtures_db import make_article, make_raw

    article = make_article()
    store.save_article(article, make_raw(article))
    size = read_status(store).database_bytes
    assert size and size == archive_stats(store)["database_bytes"]


def test_status_tells_a_running_crawl_from_one_that_died(store: Store) -> None:
    store.begin_run()  # died: no lock, never finished
    store.begin_run()
    with store.crawl_lease("baohatinh crawl", lease_seconds=60, heartbeat_seconds=10):
        status = read_status(store)
        assert [run.state for run in status.runs] == ["running", "interrupted"]
        assert status.lock is not None and not status.lock_expired


def test_a_run_that_wrote_no_report_shows_what_the_archive_kept_of_it(store: Store) -> None:
    from scraper.status import render_status
    from tests.fixtures_db import make_article, make_raw

    old = make_article("2")
    store.save_article(old, make_raw(old))  # archived long before
    killed = store.begin_run()  # then killed: its articles committed, its report never written
    for article in (make_article("1"), replace(old, title="Tiêu đề đã sửa")):
        store.save_article(article, make_raw(article, fetched_at=datetime.now(UTC)), run_id=killed)
    later = store.begin_run()
    third = make_article("3")
    store.save_article(third, make_raw(third, fetched_at=datetime.now(UTC)), run_id=later)
    store.finish_run(later, {"new": 1, "fetched": 1}, 0)

    finished, interrupted = read_status(store).runs
    assert (interrupted.state, interrupted.counted_from) == ("interrupted", "archive")
    assert {key: interrupted.counts[key] for key in ("fetched", "new", "updated")} == {
        "fetched": 2, "new": 1, "updated": 1}
    assert (finished.counted_from, finished.counts["new"]) == ("report", 1)
    text = render_status(read_status(store))
    assert "fetched 2, new 1, updated 1 (from the archive: the run wrote no report)" in text
    assert read_status(store).to_dict()["runs"][1]["counted_from"] == "archive"


# --- log lines ---------------------------------------------------------------------------


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("baohatinh.schedule", logging.WARNING, __file__, 1, message, args,
                             exc_info)


def test_text_log_lines_are_one_line_even_with_an_error() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError as exc:
        line = TextFormatter().format(_record("job %s failed", "recheck", exc=exc))
    assert "\n" not in line
    assert line.endswith("WARNING baohatinh.schedule: job recheck failed (ValueError: bad thing)")


def test_json_log_lines_carry_time_level_message_and_extras() -> None:
    record = _record("crawl finished: exit %d", 0)
    record.job = "crawl:xay-dung-dang"
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "crawl finished: exit 0"
    assert data["level"] == "warning" and data["job"] == "crawl:xay-dung-dang"
    assert datetime.fromisoformat(data["time"]).tzinfo is not None


def test_logging_goes_to_stderr_and_the_log_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    log_file = tmp_path / "baohatinh.log"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("info", "json", log_file)
        logging.getLogger("baohatinh.test").info("hello %s", "Hà Tĩnh")
        logging.getLogger("apscheduler.scheduler").info("noise")
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    for text in (stderr.getvalue(), log_file.read_text(encoding="utf-8")):
        [line] = text.splitlines()
        assert json.loads(line)["message"] == "hello Hà Tĩnh"


def test_a_job_store_write_the_database_refuses_is_tried_again_not_fatal(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # APScheduler's thread died on such an error (db optimize holding the write lock): the
    # daemon ran on, never starting a job again.
    import sqlite3

    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import create_engine

    from storage import jobs

    monkeypatch.setattr(jobs, "RETRY_SECONDS", (0.1,))
    with Store.open(sqlite_url) as store:
        path = sqlite_url.removeprefix("sqlite:///")
        impatient = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
        jobstore = jobs.PatientJobStore(engine=impatient, tablename=jobs.JOBS_TABLE)
        scheduler = BackgroundScheduler(jobstores={"default": jobstore}, timezone="UTC")
        scheduler.start(paused=True)
        try:
            first = datetime(2030, 1, 1, tzinfo=UTC)
            scheduler.add_job("scraper.schedule:run_job", "interval", args=["crawl"],
                              id="crawl", hours=1, next_run_time=first)
            job = jobstore.lookup_job("crawl")
            later = first + timedelta(hours=1)
            job._modify(next_run_time=later)
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")  # as db optimize holds it
            writer = threading.Thread(target=jobstore.update_job, args=(job,))
            with caplog.at_level(logging.WARNING, logger="baohatinh.schedule"):
                writer.start()
                time.sleep(0.5)
                assert writer.is_alive()  # still trying, not dead
                holder.execute("COMMIT")
                writer.join(timeout=10)
            assert not writer.is_alive()
            holder.close()
            assert [j.next_run_at for j in scheduled_jobs(store)] == [later]
            assert "saving the next run of job crawl failed" in caplog.text
            assert jobstore.get_next_run_time() == later
        finally:
            scheduler.shutdown(wait=False)
            impatient.dispose()


def test_a_page_that_failed_to_parse_and_was_archived_since_waits_for_no_retry(
    store: Store,
) -> None:
    # As reparse recovers it: the failed fetch's own page, archived after the failure.
    from tests.fixtures_db import make_article, make_raw

    article = make_article("5")
    raw = make_raw(article)
    store.record_failure(article.url, "parse-error", raw)
    assert read_status(store).failed_url_total == 1
    store.save_article(article, raw)
    assert read_status(store).failed_url_total == 0
    store.record_failure(article.url, "parse-error", raw)  # the same bytes fail again
    later = replace(raw, fetched_at=raw.fetched_at + timedelta(days=1))
    store.record_failure(article.url, "parse-error", later)  # and a later fetch of them
    assert read_status(store).failed_url_total == 1
