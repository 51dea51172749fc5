"""Export: the JSON Lines keys are a promise to other tools, in name and in order."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta

from storage import EXPORT_KEYS, Store, export_csv, export_jsonl
from storage.convert import content_hash
from storage.export import CITATION_KEYS
from tests.fixtures_db import FETCHED_AT, VN, make_article, make_raw

PROMISED_KEYS = [
    "url",
    "article_id",
    "title",
    "lead",
    "published_at",
    "updated_at",
    "author",
    "section",
    "tags",
    "body_text",
    "images",
    "related",
    "first_seen_at",
    "last_fetched_at",
    "revisions",
]
CITATION = ["archived_at", "revision", "content_sha256", "parser_version", "removed", "removed_at"]


def export_lines(store: Store) -> list[dict]:
    out = io.StringIO()
    count = export_jsonl(store, out)
    lines = out.getvalue().splitlines()
    assert count == len(lines)
    return [json.loads(line) for line in lines]


def test_jsonl_keys_are_the_promised_ones_in_order_then_the_citation_keys(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    [record] = export_lines(store)
    assert list(record) == PROMISED_KEYS + CITATION
    assert list(EXPORT_KEYS) == PROMISED_KEYS
    assert list(CITATION_KEYS) == CITATION


def test_jsonl_values(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    changed = replace(article, title="Tiêu đề mới")
    store.save_article(changed, make_raw(changed, fetched_at=FETCHED_AT + timedelta(hours=1)))
    [record] = export_lines(store)
    assert record["url"] == article.url
    assert record["article_id"] == "123456"
    assert record["title"] == "Tiêu đề mới"
    assert record["published_at"] == "2024-10-15T10:12:00+07:00"
    assert record["updated_at"] == "2024-10-15T11:30:00+07:00"
    assert record["tags"] == ["Dân vận khéo", "Hương Sơn"]
    assert record["body_text"] == "\n\n".join(article.body_paragraphs)
    assert record["images"][0] == {
        "url": "https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg",
        "caption": "Đại biểu",
        "alt": None,
    }
    assert list(record["related"][0]) == ["url", "title", "summary", "kind"]
    assert record["related"][0]["kind"] == "doc-them"
    assert record["first_seen_at"] == "2024-10-16T01:00:00+00:00"
    assert record["last_fetched_at"] == "2024-10-16T02:00:00+00:00"
    assert record["revisions"] == 2


def test_jsonl_keeps_vietnamese_readable(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    out = io.StringIO()
    export_jsonl(store, out)
    assert "Hương Sơn" in out.getvalue()
    assert "\\u" not in out.getvalue()


def test_jsonl_lists_newest_first(store: Store) -> None:
    older = make_article("1", published_at=datetime(2024, 10, 1, 9, 0, tzinfo=VN))
    newer = make_article("2", published_at=datetime(2024, 10, 2, 9, 0, tzinfo=VN))
    for article in (older, newer):
        store.save_article(article, make_raw(article))
    assert [record["article_id"] for record in export_lines(store)] == ["2", "1"]


def test_empty_archive_exports_nothing(store: Store) -> None:
    out = io.StringIO()
    assert export_jsonl(store, out) == 0
    assert out.getvalue() == ""


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(store: Store) -> None:
    # The archive holds a third party's words; JSON Lines keeps them as they are.
    article = make_article(
        title='=HYPERLINK("http://x.example","bấm")', lead="+cmd|' /C calc'!A0",
        author="@SUM(1+1)", tags=("-Dân vận", "Hương Sơn"),
    )
    store.save_article(article, make_raw(article))
    out = io.StringIO(newline="")
    export_csv(store, out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"), newline="")))
    assert row["title"] == "'" + article.title
    assert row["lead"] == "'" + (article.lead or "")
    assert row["author"] == "'@SUM(1+1)"
    assert json.loads(row["tags"]) == ["-Dân vận", "Hương Sơn"]  # a JSON list starts with [
    assert row["url"] == article.url
    lines = io.StringIO()
    export_jsonl(store, lines)
    assert json.loads(lines.getvalue())["title"] == article.title


def test_csv_has_the_same_columns_with_lists_as_json(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    out = io.StringIO(newline="")
    assert export_csv(store, out) == 1
    # The byte-order mark first: Excel takes the file for UTF-8 only with it.
    assert out.getvalue().startswith("\ufeffurl,article_id,")
    reader = csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"), newline=""))
    assert reader.fieldnames == PROMISED_KEYS + CITATION
    [row] = list(reader)
    assert row["removed"] == "false" and row["removed_at"] == ""
    assert json.loads(row["tags"]) == ["Dân vận khéo", "Hương Sơn"]
    assert json.loads(row["images"])[1]["alt"] == "ảnh"
    assert row["body_text"] == article.body_text  # the blank line survives quoting
    assert row["revisions"] == "1"


def test_citation_keys_name_the_version_a_researcher_cites(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    changed = replace(article, title="Tiêu đề mới", parser_version="2")
    later = FETCHED_AT + timedelta(days=3)
    store.save_article(changed, make_raw(changed, fetched_at=later))
    store.save_article(changed, make_raw(changed, fetched_at=later + timedelta(days=1)))
    [record] = export_lines(store)
    assert record["archived_at"] == later.isoformat()  # when this content was first kept
    assert record["last_fetched_at"] == (later + timedelta(days=1)).isoformat()
    assert record["revision"] == 2
    assert record["content_sha256"] == content_hash(changed) != content_hash(article)
    assert record["parser_version"] == "2"
    assert record["removed"] is False and record["removed_at"] is None


def test_export_of_chosen_articles_only(store: Store) -> None:
    for article_id in ("1", "2", "3"):
        article = make_article(article_id)
        store.save_article(article, make_raw(article))
    out = io.StringIO()
    assert export_jsonl(store, out, article_ids={"1", "3"}) == 2
    assert sorted(json.loads(line)["article_id"] for line in out.getvalue().splitlines()) == [
        "1",
        "3",
    ]
    csv_out = io.StringIO(newline="")
    assert export_csv(store, csv_out, article_ids=set()) == 0
