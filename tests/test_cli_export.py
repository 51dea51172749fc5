"""`baohatinh export` with the query and filters of `baohatinh search`, on an archive
crawled from the sample site: exactly the matching articles, in result order."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
from pathlib import Path

import pytest

from scraper.demo import DEMO_QUERY, run_demo
from tests.test_cli import BIN, run


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "demo.db"
    run_demo(db_path=str(path))
    return path


def baohatinh(path: Path, *args: str) -> tuple[str, str]:
    result = run(*args, cwd=path.parent, env={"BAOHATINH_DATABASE_URL": f"sqlite:///{path}"})
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def searched_ids(path: Path, *criteria: str) -> list[str]:
    out, _ = baohatinh(path, "search", *criteria, "--format", "jsonl", "--limit", "1000")
    return [json.loads(line)["article_id"] for line in out.splitlines()]


def exported_ids(path: Path, *criteria: str) -> list[str]:
    out, _ = baohatinh(path, "export", *criteria)
    return [json.loads(line)["article_id"] for line in out.splitlines()]


CRITERIA = [
    (DEMO_QUERY,),
    ("dan van", "--sort", "oldest"),
    ("dân OR đảng", "--sort", "newest"),
    ("đảng -khéo",),
    ("đảng", "--title-only"),
    ("--with-images", "--sort", "oldest"),
    ("--from", "2024-01-01", "--to", "31/12/2025"),
]


@pytest.mark.parametrize("criteria", CRITERIA, ids=" ".join)
def test_export_writes_exactly_what_search_finds_in_its_order(
    crawled: Path, criteria: tuple[str, ...]
) -> None:
    expected = searched_ids(crawled, *criteria)
    everything = exported_ids(crawled)
    assert expected and len(expected) <= len(everything)
    assert exported_ids(crawled, *criteria) == expected


def test_every_article_oldest_first_with_sort_oldest_and_no_query(crawled: Path) -> None:
    newest = exported_ids(crawled)
    assert exported_ids(crawled, "--sort", "oldest") != newest
    published = {
        json.loads(line)["article_id"]: json.loads(line)["published_at"]
        for line in baohatinh(crawled, "export")[0].splitlines()
    }
    oldest = exported_ids(crawled, "--sort", "oldest")
    dated = [published[i] for i in oldest if published[i]]
    assert sorted(oldest) == sorted(newest) and dated == sorted(dated)


def test_section_author_and_tag_filters_select_as_search_does(crawled: Path) -> None:
    first = json.loads(baohatinh(crawled, "export")[0].splitlines()[0])
    for option, value in [("--section", first["section"]), ("--author", first["author"]),
                          ("--tag", (first["tags"] or [""])[0])]:
        if value:
            expected = searched_ids(crawled, option, value)
            assert first["article_id"] in expected
            assert exported_ids(crawled, option, value) == expected


def test_a_filtered_csv_export_to_a_file_says_how_many(crawled: Path) -> None:
    target = crawled.parent / "dan-van.csv"
    _, said = baohatinh(crawled, "export", DEMO_QUERY, "--format", "csv", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row["article_id"] for row in rows] == searched_ids(crawled, DEMO_QUERY)
    assert said == f"exported {len(rows)} article(s) to {target}\n"


def test_a_filtered_warc_export_keeps_only_the_matching_articles(crawled: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from scraper.urls import article_id

    target = crawled.parent / "dan-van.warc.gz"
    baohatinh(crawled, "export", DEMO_QUERY, "--format", "warc", "-o", str(target))
    with target.open("rb") as handle:
        uris = {record.rec_headers.get_header("WARC-Target-URI")
                for record in ArchiveIterator(handle) if record.rec_type == "response"}
    assert {article_id(uri) for uri in uris} == set(searched_ids(crawled, DEMO_QUERY))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (('"dân vận',), "error: unbalanced quotes in query '\"dân vận'"),
        (("--from", "2024-13-01"), "error: --from: '2024-13-01' is not a day"),
        (("--from", ""), "error: --from: '' is not a day"),
        (("--to", ""), "error: --to: '' is not a day"),
        (("--to", "2024-01-01", "--from", "2024-02-01"), "error: --to 2024-01-01 is before"),
        (("--", "-dân"), "only excludes"),  # after "--", "-dân" is the query, not an option
    ],
)
def test_a_bad_query_fails_before_writing_anything(
    crawled: Path, criteria: tuple[str, ...], message: str
) -> None:
    target = crawled.parent / "never.jsonl"
    result = run("export", "-o", str(target), *criteria, cwd=crawled.parent,
                 env={"BAOHATINH_DATABASE_URL": f"sqlite:///{crawled}"})
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not target.exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "warc"])
@pytest.mark.parametrize("target", ["/nonexistent/folder/out", "", "/dev/full"])
def test_an_output_that_cannot_be_written_is_one_line_exit_2(
    crawled: Path, fmt: str, target: str
) -> None:
    if target == "/dev/full" and not os.path.exists(target):
        pytest.skip("no /dev/full here")
    result = run("export", "--format", fmt, "-o", target, cwd=crawled.parent,
                 env={"BAOHATINH_DATABASE_URL": f"sqlite:///{crawled}"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: cannot write {target or repr(target)}: ")


def _small_files() -> None:  # in the child: files may not grow past 40 kB ("disk full")
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, resource.RLIM_INFINITY))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "warc"])
def test_an_export_cut_short_by_a_write_error_leaves_no_file(crawled: Path, fmt: str) -> None:
    target = crawled.parent / f"cut-short.{fmt}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ["BAOHATINH_DATABASE_URL"] = f"sqlite:///{crawled}"
    result = subprocess.run(
        [str(BIN), "export", "--format", fmt, "-o", str(target)], cwd=crawled.parent,
        env=environ, capture_output=True, text=True, timeout=120, preexec_fn=_small_files,
    )
    assert result.returncode == 2
    assert result.stderr == f"error: cannot write {target}: File too large\n"
    assert not target.exists()


def test_an_export_to_a_full_standard_output_is_one_line_exit_2(crawled: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ["BAOHATINH_DATABASE_URL"] = f"sqlite:///{crawled}"
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(BIN), "export"], cwd=crawled.parent, env=environ,
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "error: cannot write standard output: No space left on device\n"
