"""The archive's commands as a user runs them: show --revisions/--diff, export, stats,
db backup, and the one-line errors for a bad archive."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage import Store
from tests.fixtures_db import FETCHED_AT, make_article, make_raw
from tests.test_cli import BIN, run


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite archive: article 123456 in two revisions linking to archived 200."""
    path = tmp_path_factory.mktemp("archive") / "archive.db"
    with Store.open(f"sqlite:///{path}") as store:
        article = make_article()
        store.save_article(article, make_raw(article))
        edited = replace(article, title="Hương Sơn biểu dương 20 mô hình")
        store.save_article(edited, make_raw(edited, fetched_at=FETCHED_AT + timedelta(days=1)))
        target = make_article("200", related=(), title="Lan tỏa phong trào")
        store.save_article(target, make_raw(target))
    return path


def env_for(path: Path) -> dict[str, str]:
    return {"BAOHATINH_DATABASE_URL": f"sqlite:///{path}"}


def test_show_revisions_lists_each_version(archive: Path) -> None:
    result = run("show", "123456", "--revisions", cwd=archive.parent, env=env_for(archive))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "1" and "2024-10-16 01:00 UTC" in lines[0]
    assert lines[1].split()[0] == "2" and "Hương Sơn biểu dương 20 mô hình" in lines[1]


def test_show_diff_is_a_unified_diff(archive: Path) -> None:
    result = run("show", "123456", "--diff", "1", "2", cwd=archive.parent, env=env_for(archive))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- 123456 revision 1")
    assert "-title: Hương Sơn biểu dương 19 mô hình" in result.stdout
    assert "+title: Hương Sơn biểu dương 20 mô hình" in result.stdout


def test_show_refuses_revisions_and_diff_together(archive: Path) -> None:
    result = run(
        "show",
        "123456",
        "--revisions",
        "--diff",
        "1",
        "2",
        cwd=archive.parent,
        env=env_for(archive),
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --revisions and --diff exclude each other")
    assert result.stderr.count("\n") == 1


def test_show_diff_with_an_unknown_revision_is_one_line(archive: Path) -> None:
    result = run("show", "123456", "--diff", "1", "5", cwd=archive.parent, env=env_for(archive))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no revision 5" in result.stderr


def test_show_marks_the_related_articles_in_the_archive(archive: Path) -> None:
    result = run("show", "123456", cwd=archive.parent, env=env_for(archive))
    assert result.returncode == 0, result.stderr
    assert "Lan tỏa phong trào “Dân vận khéo”  [archived: 200]" in result.stdout
    # The links set in the body too, as the web page and the export have them.
    inline = result.stdout.split("Bài liên quan trong bài (in the body):\n", 1)[1]
    assert inline.startswith("  - Bài liên quan\n    https://baohatinh.vn/khac-post201.html")


def test_export_warc_writes_a_gzipped_warc(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "hs-2024.warc.gz"
    result = run("export", "--format", "warc", "-o", str(out), cwd=tmp_path, env=env_for(archive))
    assert result.returncode == 0, result.stderr
    assert "exported 3 fetch(es)" in result.stderr
    with gzip.open(out) as warc:
        assert warc.read(9) == b"WARC/1.1\r"
    with out.open("rb") as stream:
        info = next(iter(ArchiveIterator(stream)))
    assert info.rec_type == "warcinfo"
    assert info.rec_headers.get_header("WARC-Filename") == "hs-2024.warc.gz"  # its own name


def test_export_warc_needs_a_file(archive: Path, tmp_path: Path) -> None:
    result = run("export", "--format", "warc", cwd=tmp_path, env=env_for(archive))
    assert result.returncode == 2 and "-o FILE" in result.stderr


def test_export_jsonl_carries_the_citation_keys(archive: Path, tmp_path: Path) -> None:
    result = run("export", cwd=tmp_path, env=env_for(archive))
    records = {r["article_id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert records["123456"]["revision"] == 2 and records["123456"]["removed"] is False
    assert records["123456"]["archived_at"] == "2024-10-17T01:00:00+00:00"


def test_stats_report_bytes_per_article(archive: Path) -> None:
    result = run("stats", "--json", cwd=archive.parent, env=env_for(archive))
    figures = json.loads(result.stdout)
    assert figures["articles"] == 2 and figures["revisions"] == 3
    assert figures["raw_bytes_per_article"] > 0 and figures["raw_pages_by_codec"] == {"zstd": 3}
    table = run("stats", cwd=archive.parent, env=env_for(archive)).stdout
    assert "raw_stored_bytes_per_article" in table


def test_db_backup_copies_and_refuses_to_overwrite(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    result = run("db", "backup", str(copy), cwd=tmp_path, env=env_for(archive))
    assert result.returncode == 0, result.stderr
    assert "backed up 2 article(s)" in result.stdout
    again = run("db", "backup", str(copy), cwd=tmp_path, env=env_for(archive))
    assert again.returncode == 2 and again.stderr.count("\n") == 1  # bad input
    assert "already exists" in again.stderr


def test_db_backup_to_an_empty_path_says_the_path_is_empty(archive: Path, tmp_path: Path) -> None:
    result = run("db", "backup", "", cwd=tmp_path, env=env_for(archive))
    assert result.returncode == 2
    assert result.stderr.startswith("error: Invalid value for 'PATH': empty path")
    assert "already exists" not in result.stderr and list(tmp_path.iterdir()) == []


def test_an_archive_from_a_newer_version_is_one_line_exit_2(archive: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    run("db", "backup", str(newer), cwd=tmp_path, env=env_for(archive))
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042'")
    conn.close()
    result = run("stats", cwd=tmp_path, env=env_for(newer))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "newer.db" in result.stderr and "newer version" in result.stderr


def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"PK\x03\x04 not a database at all" * 100)
    result = run("stats", cwd=tmp_path, env=env_for(notes))
    assert result.returncode == 5 and result.stderr.count("\n") == 1  # the archive failed
    assert "notes.db: not an SQLite database" in result.stderr


def _segments(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count = conn.execute("SELECT count(DISTINCT segid) FROM article_search_idx").fetchone()[0]
    conn.close()
    return int(count)


def test_db_optimize_merges_the_search_index_and_search_still_works(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Store.open(f"sqlite:///{path}") as store:
        for number in range(1, 6):  # one article a transaction: one index segment each
            article = make_article(str(number), url=f"https://baohatinh.vn/a-post{number}.html")
            store.save_article(article, make_raw(article))
    assert _segments(path) > 1
    result = run("db", "optimize", cwd=tmp_path, env=env_for(path))
    assert result.returncode == 0, result.stderr
    assert "search index optimized" in result.stdout
    assert _segments(path) == 1
    found = run("search", "dan van kheo", "--format", "json", cwd=tmp_path, env=env_for(path))
    assert json.loads(found.stdout)["total"] == 5


def test_db_optimize_waits_for_no_crawl_it_exits_75(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Store.open(f"sqlite:///{path}") as store:
        lease = store.crawl_lease("baohatinh crawl", lease_seconds=600, heartbeat_seconds=60)
        with lease:
            result = run("db", "optimize", cwd=tmp_path, env=env_for(path))
    assert result.returncode == 75 and result.stderr.count("\n") == 1
    assert "baohatinh crawl" in result.stderr


@pytest.mark.parametrize(("fmt", "suffix"), [("jsonl", ""), ("csv", "-wal"), ("warc", "")])
def test_an_export_aimed_at_the_archive_itself_is_refused_and_the_archive_kept(
    tmp_path: Path, fmt: str, suffix: str
) -> None:
    path = tmp_path / "archive.db"
    with Store.open(f"sqlite:///{path}") as store:
        article = make_article()
        store.save_article(article, make_raw(article))
    target = f"{path}{suffix}"  # `-o archive.db` typed for `-o archive.jsonl`
    result = run("export", "--format", fmt, "-o", target, cwd=tmp_path, env=env_for(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: cannot write {target}: it is the archive")
    with Store.open(f"sqlite:///{path}") as store:
        assert store.counts()["articles"] == 1


def test_a_search_does_not_wait_for_a_writer_holding_the_archive(archive: Path) -> None:
    holder = sqlite3.connect(archive, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a crawl committing, `db optimize` merging
    try:
        result = run("search", "hương sơn", cwd=archive.parent, env=env_for(archive))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 0, result.stderr
    assert "123456" in result.stdout


@pytest.fixture(params=["plain", "odd name"])
def read_only_share(archive: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A copy of the archive in a folder nobody may write (a share, a disc); its name,
    for the second, holds what a URI reads otherwise (``#``, ``?``, ``%20``)."""
    odd = "-a#b?c%20d" if request.param == "odd name" else ""
    share = Path(tempfile.mkdtemp(prefix=f"baohatinh-share{odd}-", dir="/tmp"))
    try:
        with sqlite3.connect(archive) as source, sqlite3.connect(share / "archive.db") as copy:
            source.backup(copy)  # a whole copy: no -wal, no -shm beside it
        (share / "archive.db").chmod(0o444)
        share.chmod(0o555)
        yield share / "archive.db"
    finally:
        share.chmod(0o755)
        shutil.rmtree(share)


def as_reader(*args: str, archive: Path) -> subprocess.CompletedProcess[str]:
    """Run baohatinh as a user who may not write the share (root may write anything)."""
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ["BAOHATINH_DATABASE_URL"] = str(archive)  # a bare path: any character goes
    command = [*(drop if os.geteuid() == 0 else []), str(BIN), *args]
    return subprocess.run(
        command, cwd="/", env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("command", "shows"),
    [
        (("search", "hương sơn"), "123456"),
        (("show", "123456"), "Hương Sơn biểu dương 20 mô hình"),
        (("export",), '"article_id": "123456"'),
        (("stats",), "articles"),
        (("status",), "archive size: 2 articles"),
    ],
)
def test_an_archive_on_a_read_only_share_can_still_be_read(
    read_only_share: Path, command: tuple[str, ...], shows: str
) -> None:
    result = as_reader(*command, archive=read_only_share)
    assert result.returncode == 0, result.stderr
    assert shows in result.stdout
    assert sorted(p.name for p in read_only_share.parent.iterdir()) == ["archive.db"]


def test_writing_to_an_archive_on_a_read_only_share_is_one_line_naming_it(
    read_only_share: Path,
) -> None:
    result = as_reader("db", "optimize", archive=read_only_share)
    assert result.returncode == 5 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: sqlite:///{read_only_share} (read-only): ")


def test_an_archive_someone_may_write_is_not_frozen_for_its_readers(tmp_path: Path) -> None:
    # The crawler owns the file while `serve` runs as another user: a reader must see the
    # crawler's later commits, which an immutable open would hide for good.
    from storage import make_engine

    path = tmp_path / "archive.db"
    with Store.open(f"sqlite:///{path}"):
        pass
    path.chmod(0o644)
    assert "immutable" not in str(make_engine(f"sqlite:///{path}").url)
    path.chmod(0o444)
    tmp_path.chmod(0o555)  # now nobody may write either
    try:
        assert "immutable=1" in str(make_engine(f"sqlite:///{path}").url)
    finally:
        tmp_path.chmod(0o755)
