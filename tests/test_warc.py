"""WARC 1.1 export: request, response and metadata records that ``warcio check`` accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from storage import Store
from storage.warc import export_warc
from tests.fixtures_db import FETCHED_AT, make_article, make_raw

WARCIO = Path(sys.executable).parent / "warcio"


def archive_two_versions(store: Store) -> None:
    article = make_article()
    raw = replace(
        make_raw(article, body="<html><p>Hương Sơn</p></html>".encode()),
        headers={"content-type": "text/html; charset=utf-8", "content-encoding": "gzip",
                 "content-length": "12"},
    )
    store.save_article(article, raw)
    edited = replace(article, title="Tiêu đề đã sửa")
    store.save_article(
        edited, make_raw(edited, body=b"<html>v2</html>", fetched_at=FETCHED_AT + timedelta(1))
    )
    store.record_failure("https://baohatinh.vn/loi-post9.html", "parse-error", make_raw())


def write_warc(store: Store, path: Path, **options: object) -> int:
    with path.open("wb") as handle:
        return export_warc(store, handle, user_agent="baohatinh-archive/test (+x@y.z)", **options)


def records(path: Path) -> list[tuple[str, str | None, object]]:
    out = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            out.append((record.rec_type, uri, record))
            record.content_stream().read()
    return out


def test_warcio_check_accepts_the_export(store: Store, tmp_path: Path) -> None:
    archive_two_versions(store)
    path = tmp_path / "archive.warc.gz"
    assert write_warc(store, path) == 3
    checked = subprocess.run(
        [str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout


def test_each_fetch_is_a_request_a_response_and_for_articles_a_metadata_record(
    store: Store, tmp_path: Path
) -> None:
    archive_two_versions(store)
    path = tmp_path / "archive.warc.gz"
    write_warc(store, path)
    found = records(path)
    assert [kind for kind, _, _ in found] == [
        "warcinfo",
        "response", "request", "metadata",  # warcio writes the response first
        "response", "request", "metadata",
        "response", "request",  # the listing page of the failure: no article, no metadata
    ]
    assert all(r.rec_headers.get_header("WARC-Type") for _, _, r in found)
    assert found[0][2].rec_headers.protocol == "WARC/1.1"


def test_the_response_holds_the_body_as_fetched_with_honest_length(
    store: Store, tmp_path: Path
) -> None:
    archive_two_versions(store)
    path = tmp_path / "archive.warc.gz"
    write_warc(store, path)
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                headers = record.http_headers
                body = record.content_stream().read()
                break
    assert body == "<html><p>Hương Sơn</p></html>".encode()
    assert headers.get_statuscode() == "200"
    assert headers.get_header("Content-Length") == str(len(body))
    assert headers.get_header("Content-Encoding") is None  # the body is stored decoded
    assert headers.get_header("X-Archive-Orig-content-encoding") == "gzip"


def test_metadata_holds_the_revision_current_at_each_fetch(store: Store, tmp_path: Path) -> None:
    archive_two_versions(store)
    path = tmp_path / "archive.warc.gz"
    write_warc(store, path)
    responses, metadata = {}, []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type == "response":
                responses[record_id] = record.rec_headers.get_header("WARC-Date")
            if record.rec_type == "metadata":
                assert record.rec_headers.get_header("Content-Type") == "application/json"
                refers = record.rec_headers.get_header("WARC-Refers-To")
                metadata.append((refers, json.loads(record.content_stream().read())))
    assert [m["revision"] for _, m in metadata] == [1, 2]
    assert [m["article"]["title"] for _, m in metadata][1] == "Tiêu đề đã sửa"
    assert all(refers in responses for refers, _ in metadata)
    assert metadata[0][1]["parser_version"] == "1" and len(metadata[0][1]["content_sha256"]) == 64


def test_warc_of_chosen_articles_leaves_the_rest_out(store: Store, tmp_path: Path) -> None:
    archive_two_versions(store)
    other = make_article("777")
    store.save_article(other, make_raw(other))
    path = tmp_path / "one.warc.gz"
    assert write_warc(store, path, article_ids={"777"}) == 1
    uris = {uri for kind, uri, _ in records(path) if kind == "response"}
    assert uris == {other.url}


def test_each_fetch_of_the_same_bytes_answers_with_its_own_headers(
    store: Store, tmp_path: Path
) -> None:
    article = make_article()
    body = "<html><p>Hương Sơn</p></html>".encode()
    for day, etag in ((0, '"v1"'), (2, '"v3"')):  # the same bytes, fetched again later
        fetched = FETCHED_AT + timedelta(day)
        raw = replace(
            make_raw(article, body=body, fetched_at=fetched),
            headers={"content-type": "text/html", "etag": etag,
                     "date": fetched.strftime("%a, %d %b %Y %H:%M:%S GMT")},
        )
        store.save_article(article, raw)
    assert store.counts()["raw_pages"] == 1  # the body is stored once
    with store.engine.connect() as conn:  # the first fetch's are its raw page's: NULL
        own = conn.exec_driver_sql("SELECT headers IS NULL FROM fetch_log ORDER BY id").all()
    assert [bool(row[0]) for row in own] == [True, False]
    path = tmp_path / "archive.warc.gz"
    write_warc(store, path)
    answers = [
        (record.rec_headers.get_header("WARC-Date")[:10], record.http_headers.get_header("etag"),
         record.http_headers.get_header("date"))
        for kind, _, record in records(path) if kind == "response"
    ]
    assert answers == [
        ("2024-10-16", '"v1"', "Wed, 16 Oct 2024 01:00:00 GMT"),
        ("2024-10-18", '"v3"', "Fri, 18 Oct 2024 01:00:00 GMT"),
    ]


def test_a_redirected_fetch_is_filed_under_the_url_that_answered(
    store: Store, tmp_path: Path
) -> None:
    article = make_article("274411")
    old = "https://baohatinh.vn/xay-dung-dang/huong-son-bieu-duong/274411.htm"
    store.save_article(article, replace(make_raw(article), url=old))
    path = tmp_path / "archive.warc.gz"
    write_warc(store, path)
    found, payloads, request_lines = set(), [], []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            found.add((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
            if record.rec_type == "request":
                headers = record.http_headers
                request_lines.append(f"{headers.protocol} {headers.statusline}")
            if record.rec_type == "metadata":
                payloads.append(json.loads(record.content_stream().read()))
    found.discard(("warcinfo", None))
    assert found == {
        ("request", article.url), ("response", article.url), ("metadata", article.url)}
    assert request_lines == [f"GET /{article.url.split('/', 3)[3]} HTTP/1.1"]
    assert [payload["requested_url"] for payload in payloads] == [old]
