"""The ``baohatinh`` command, run for real as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.sample_site import SampleSiteServer

BIN = Path(sys.executable).parent / "baohatinh"
EXPORT_KEYS = [
    "url", "article_id", "title", "lead", "published_at", "updated_at", "author", "section",
    "tags", "body_text", "images", "related", "first_seen_at", "last_fetched_at", "revisions",
]


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ.update(env or {})
    return subprocess.run(
        [str(BIN), *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive made by ``baohatinh demo --db``, shared by the read-only commands."""
    folder = tmp_path_factory.mktemp("demo")
    result = run("demo", "--db", "demo.db", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "demo.db"


def test_demo_crawls_the_sample_site_and_finds_the_seed_article(
    demo_db: Path, tmp_path: Path
) -> None:
    result = run("demo", "--db", str(tmp_path / "again.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    new = re.search(r"new (\d+)", result.stdout)
    assert new is not None and int(new.group(1)) >= 30
    assert "failed 0" in result.stdout
    assert "Hương Sơn biểu dương 19 mô hình" in result.stdout


def test_a_second_demo_into_the_same_archive_fetches_no_stored_article(
    tmp_path: Path,
) -> None:
    first = run("demo", "--db", "twice.db", cwd=tmp_path)
    second = run("demo", "--db", "twice.db", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "fetched 0: new 0, updated 0, unchanged 0" in second.stdout


def test_demo_without_db_uses_a_temporary_archive(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("query", ["dân vận khéo", "dan van kheo", "DÂN VẬN KHÉO"])
def test_search_finds_the_seed_with_or_without_diacritics(demo_db: Path, query: str) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    result = run("search", query, cwd=demo_db.parent, env=env)
    assert result.returncode == 0, result.stderr
    assert "Hương Sơn biểu dương 19 mô hình" in result.stdout
    assert "post274411.html" in result.stdout
    assert "15/10/2024" in result.stdout


def test_search_as_json_lines(demo_db: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    result = run("search", "Hương Sơn", "--format", "jsonl", cwd=demo_db.parent, env=env)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(row["article_id"] == "274411" for row in rows)


def test_show_prints_the_article_as_a_reader_sees_it(demo_db: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    result = run("show", "274411", cwd=demo_db.parent, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in [
        'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024',
        "15/10/2024 10:12",
        "(Baohatinh.vn) - Đây là những mô hình",
        "Tham dự có lãnh đạo huyện Hương Sơn",
        "img-5142-9957.jpg",
        "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm kết luận hội nghị.",
        "Đọc thêm",
        "Linh hoạt cách thức tuyên truyền bầu cử ĐBQH và đại biểu HĐND các cấp",
    ]:
        assert expected in out
    assert out.index("Tham dự có lãnh đạo") < out.index("Đọc thêm")


def test_show_an_unknown_article_is_one_line_and_exit_1(demo_db: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    result = run("show", "999999999", cwd=demo_db.parent, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "999999999" in result.stderr


def test_export_jsonl_writes_the_fixed_keys(demo_db: Path, tmp_path: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    out = tmp_path / "archive.jsonl"
    result = run("export", "--format", "jsonl", "-o", str(out), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 30
    assert all(list(row)[: len(EXPORT_KEYS)] == EXPORT_KEYS for row in rows)


def test_crawl_with_a_config_file_against_the_local_site(
    sample_server: SampleSiteServer, tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    config.write_text(
        f"""
[site]
base_url = "{sample_server.base_url}"
allowed_hosts = ["127.0.0.1", "localhost"]
[database]
url = "sqlite:///{tmp_path / 'archive.db'}"
[crawl]
delay_seconds = 0
concurrency = 4
""",
        encoding="utf-8",
    )
    result = run("--config", str(config), "crawl", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["new"] >= 30 and report["exit_code"] == 0
    stats = run("--config", str(config), "stats", "--json", cwd=tmp_path)
    assert json.loads(stats.stdout)["articles"] == report["new"]


def test_a_typo_in_the_config_is_one_line_naming_the_key_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[crawl]\nconcurency = 2\n", encoding="utf-8")
    result = run("crawl", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "crawl.concurency" in result.stderr and "config.toml" in result.stderr


def test_config_show_and_db_upgrade(tmp_path: Path) -> None:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    shown = run("config", "show", cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "delay_seconds = 1.0" in shown.stdout
    upgraded = run("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "fresh.db").exists()


def test_config_show_hides_the_password_of_the_database_url(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[database]\nurl = "postgresql+psycopg://archiver:FileSecret@db/arch"\n')
    from_file = run("config", "show", cwd=tmp_path)
    env = {"BAOHATINH_DATABASE_URL": "postgresql+psycopg://archiver:EnvSecret@db/arch"}
    from_env = run("config", "show", cwd=tmp_path, env=env)
    assert from_file.returncode == 0 and from_env.returncode == 0, from_env.stderr
    assert "FileSecret" not in from_file.stdout and "archiver:***@db/arch" in from_file.stdout
    assert "EnvSecret" not in from_env.stdout and "archiver:***@db/arch" in from_env.stdout
    assert "database.url from $BAOHATINH_DATABASE_URL" in from_env.stdout.splitlines()[0]


def test_every_command_has_help_and_appears_in_the_readme() -> None:
    from scraper.cli import cli

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    names = []
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
        assert command.help, name
    for name in names:
        assert f"`{name}`" in readme, f"README lacks `{name}`"


# --- search: options and formats ---------------------------------------------------------


def _search(demo_db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"BAOHATINH_DATABASE_URL": f"sqlite:///{demo_db}"}
    return run("search", *args, cwd=demo_db.parent, env=env)


def test_search_ranks_the_article_about_the_phrase_first(demo_db: Path) -> None:
    # Three sample articles carry "Dân vận khéo" in their titles; only the seed also names
    # it in its lead and tags. The other two follow, newest first.
    result = _search(demo_db, "dân vận khéo", "--format", "jsonl")
    top = [json.loads(line)["article_id"] for line in result.stdout.splitlines()[:3]]
    assert top == ["274411", "306029", "287558"]


def test_search_as_csv_has_plain_snippets_and_a_header(demo_db: Path) -> None:
    result = _search(demo_db, "dân vận khéo", "--format", "csv", "--limit", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "\ufeffpublished_at,title,section,url,article_id,snippet"  # for Excel
    assert len(lines) == 4
    assert "\x1b" not in result.stdout


def test_search_as_json_gives_the_total_and_highlight_spans(demo_db: Path) -> None:
    result = _search(demo_db, "Huyện ủy", "--format", "json", "--limit", "2", "--offset", "1")
    page = json.loads(result.stdout)
    assert page["total"] > 2 and page["offset"] == 1 and len(page["hits"]) == 2
    hit = page["hits"][0]
    assert all(hit["snippet"][s:e].lower() in ("huyện", "ủy", "uỷ", "huyện ủy", "huyện uỷ")
               for s, e in hit["highlights"])


def test_search_filters_and_sort_from_the_command_line(demo_db: Path) -> None:
    result = _search(demo_db, "--tag", "dan van kheo", "--from", "01/01/2024",
                     "--to", "2024-12-31", "--sort", "oldest", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    days = [row["published_at"] for row in rows]
    assert rows and days == sorted(days)
    assert all(day.startswith("2024") for day in days)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['"dân vận'], "unbalanced quotes"),
        (["OR"], "OR needs a word"),
        (["!!!"], "no searchable words"),
        (["dân " * 2500], "query too long"),
        (["dân", "--from", "31/02/2024"], "is not a day"),
        (["dân", "--author", "--"], "has no letter or digit"),
        ([], "nothing to search for: give words, or a filter (--from, --to, --section"),
        (["--sort", "oldest"], "`baohatinh export` lists every article"),
        (["dang", "--offset", "9223372036854775807"], "offset 9223372036854775807 is too large"),
        (["dang", "--from", ""], "--from: '' is not a day"),
        (["dang", "--to", ""], "--to: '' is not a day"),
        (["--tag", "a" * 300], "has a word of 300 letters or digits: too long to compare"),
    ],
)
def test_a_bad_search_is_one_line_and_exit_2(demo_db: Path, args: list[str], message: str) -> None:
    result = _search(demo_db, *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_long_value_is_quoted_cut_short_in_the_error(demo_db: Path) -> None:
    result = _search(demo_db, "--author", "a" * 100_000)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "'…" in result.stderr and len(result.stderr) < 300


# --- bad configuration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [(["--config", ""], {}, "--config"), ([], {"BAOHATINH_CONFIG": ""}, "BAOHATINH_CONFIG")],
)
def test_an_empty_config_path_is_refused_not_read_as_no_config(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = run(*args, "config", "show", cwd=tmp_path, env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {named}: empty path")


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        ("postgresql://postgres:s3cret@127.0.0.1:abc/test",
         "'postgresql://postgres:***@127.0.0.1:abc/test'", "port is not a number"),
        ("sqlite:////tmp/x%00y.db", "'sqlite:////tmp/x%00y.db'", "NUL character"),
    ],
)
def test_a_malformed_database_url_is_one_line_naming_it_without_its_password(
    tmp_path: Path, url: str, shown: str, reason: str
) -> None:
    result = run("stats", cwd=tmp_path, env={"BAOHATINH_DATABASE_URL": url})
    # 2, a config error naming where the URL came from: not 1, "some URLs failed",
    # which cron lets pass, nor 5, an archive that failed.
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: $BAOHATINH_DATABASE_URL: {shown}: not a database URL")
    assert reason in result.stderr and "s3cret" not in result.stderr


@pytest.mark.parametrize("command", [("search", "dang"), ("show", "1"), ("export",), ("stats",),
                                     ("status",), ("reparse",), ("db", "optimize")])
def test_a_read_command_on_an_archive_that_is_not_there_creates_none(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    missing = tmp_path / "archiv.db"  # a typo for archive.db
    result = run(*command, cwd=tmp_path, env={"BAOHATINH_DATABASE_URL": f"sqlite:///{missing}"})
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: $BAOHATINH_DATABASE_URL: no archive at {missing}")
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_a_database_url_in_the_config_file_that_cannot_be_read_names_the_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text('[database]\nurl = "mysql://u@h/db"\n')
    result = run("search", "dang", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: database.url: mysql://u@h/db: unsupported database")
