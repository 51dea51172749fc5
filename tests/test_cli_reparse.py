"""``baohatinh reparse``, run for real as a user runs it (a subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

from storage import Store
from tests.test_cli import run


def test_reparse_reports_counts_and_a_config_override_makes_revisions(
    tmp_path: Path,
) -> None:
    made = run("demo", "--db", "demo.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}

    same = run("reparse", "--json", cwd=tmp_path, env=env)
    assert same.returncode == 0, same.stderr
    report = json.loads(same.stdout)
    assert report["reparsed"] >= 30 and report["changed"] == report["failed"] == 0

    config = tmp_path / "config.toml"
    config.write_text('[selectors]\ncaption = ["figcaption"]\n', encoding="utf-8")
    changed = run("--config", str(config), "reparse", "--since", "2000-01-01", cwd=tmp_path,
                  env=env)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.startswith(f"reparsed {report['reparsed']}: changed ")
    assert "changed 0," not in changed.stdout


def test_reparse_exit_1_when_pages_fail_and_2_for_a_bad_date(tmp_path: Path) -> None:
    made = run("demo", "--db", "demo.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    config = tmp_path / "config.toml"
    config.write_text("[url_patterns]\narticle = '^/never-(?P<id>\\d+)$'\n", encoding="utf-8")
    failed = run("--config", str(config), "reparse", cwd=tmp_path, env=env)
    assert failed.returncode == 1
    assert "failed: article 274411: not an article" in failed.stdout

    bad = run("reparse", "--since", "15/10/2024", cwd=tmp_path, env=env)
    assert bad.returncode == 2
    assert "--since" in bad.stderr and "15/10/2024" in bad.stderr


def test_reparse_refuses_an_empty_since_instead_of_reparsing_everything(tmp_path: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{tmp_path / 'archive.db'}"}
    result = run("reparse", "--since", "", cwd=tmp_path, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert "Invalid value for '--since': not a date or ISO 8601 time: ''" in result.stderr


def test_reparse_waits_for_no_crawl_it_exits_75_naming_the_holder(tmp_path: Path) -> None:
    made = run("demo", "--db", "demo.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {"BAOHATINH_DATABASE_URL": url}
    with Store.open(url) as store:
        # A crawl archiving an edit meanwhile would have it overwritten by the older page.
        with store.crawl_lease("baohatinh crawl", lease_seconds=600, heartbeat_seconds=60):
            locked = run("reparse", cwd=tmp_path, env=env)
        assert locked.returncode == 75 and locked.stderr.count("\n") == 1, locked.stderr
        assert "baohatinh crawl" in locked.stderr and locked.stdout == ""
        after = run("reparse", cwd=tmp_path, env=env)
        assert after.returncode == 0, after.stderr
        assert store.lock_holder() is None  # released when done
