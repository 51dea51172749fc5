"""``baohatinh crawl`` as a user and cron run it: options, report, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.sample_site import SampleSiteServer
from tests.test_cli import run

REPORT_KEYS = {
    "discovered", "fetched", "new", "updated", "unchanged", "not_modified", "removed",
    "failed", "skipped_by_robots", "waited_seconds", "bytes", "duration_seconds",
    "coverage", "coverage_warnings", "requests", "mode", "exit_code",
}


def config_for(server: SampleSiteServer, tmp_path: Path) -> Path:
    config = tmp_path / "site.toml"
    config.write_text(
        f"""
[site]
base_url = "{server.base_url}"
allowed_hosts = ["127.0.0.1", "localhost"]
[database]
url = "sqlite:///{tmp_path / 'archive.db'}"
[crawl]
delay_seconds = 0
concurrency = 4
""",
        encoding="utf-8",
    )
    return config


def test_crawl_json_reports_everything_and_a_second_run_fetches_no_article(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    config = config_for(sample_server, tmp_path)
    first = run("--config", str(config), "crawl", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) >= REPORT_KEYS
    assert report["new"] == report["coverage_articles"] >= 30
    assert set(report["coverage"]) == {
        "title", "time", "author", "lead", "body", "images", "related"
    }
    second = run("--config", str(config), "crawl", "--json", cwd=tmp_path)
    again = json.loads(second.stdout)
    assert second.returncode == 0 and again["fetched"] == 0 and again["requests"] <= 5


def test_crawl_prints_plain_lines_without_a_terminal(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    config = config_for(sample_server, tmp_path)
    result = run("--config", str(config), "crawl", "--full", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr  # no progress bar under cron
    assert "(full run)" in result.stdout and "field coverage over" in result.stdout


def test_max_minutes_ends_the_run_and_the_report_says_so(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    config = config_for(sample_server, tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8").replace("delay_seconds = 0", "delay_seconds = 0.2"),
        encoding="utf-8",
    )
    result = run("--config", str(config), "crawl", "--json", "--max-minutes", "0.01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stopped"] is True
    assert "time limit of 0.01 min reached (crawl.max_run_minutes)" in report["notes"]


@pytest.mark.parametrize("minutes", ["-5", "inf", "nan", "1e12"])
def test_a_time_limit_that_is_no_duration_is_a_usage_error(tmp_path: Path, minutes: str) -> None:
    result = run("crawl", "--max-minutes", minutes, cwd=tmp_path)
    assert result.returncode == 2
    assert "--max-minutes: must be from 0 to 527040 (a year), got" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-folder/archive.db", "postgresql+psycopg://postgres@127.0.0.1:1/x"],
)
def test_an_archive_that_cannot_be_opened_is_exit_5_not_some_urls_failed(
    tmp_path: Path, url: str
) -> None:
    # Exit 1 means "some URLs failed, retried later", which cron lets pass: a broken
    # database must say more.
    result = run("crawl", cwd=tmp_path, env={"BAOHATINH_DATABASE_URL": url})
    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_full_and_since_together_are_a_usage_error(tmp_path: Path) -> None:
    result = run("crawl", "--full", "--since", "2019-01-01", cwd=tmp_path)
    assert result.returncode == 2
    assert "--full and --since" in result.stderr


def test_a_malformed_since_date_is_a_usage_error(tmp_path: Path) -> None:
    result = run("crawl", "--since", "2019-13-45", cwd=tmp_path)
    assert result.returncode == 2
    assert "--since" in result.stderr
