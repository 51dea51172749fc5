"""Revisions and the link graph: every distinct version is kept, listed, and diffable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from scraper.errors import ArticleNotFound
from scraper.records import Article, RelatedLink
from scraper.render import render_article, render_revisions
from scraper.web import history
from storage import Store
from storage.convert import content_hash, snapshot
from storage.links import linked_from, related_links
from storage.revisions import diff_revisions, list_revisions, revision_text
from tests.fixtures_db import FETCHED_AT, make_article, make_raw


def save_versions(store: Store) -> None:
    """Three fetches: the original, a byte-only change (no revision), an edited body."""
    article = make_article()
    store.save_article(article, make_raw(article))
    noisy = make_raw(
        article, body=b"<html>rotating ad 2</html>", fetched_at=FETCHED_AT + timedelta(hours=1)
    )
    store.save_article(article, noisy)
    edited = replace(
        article,
        body_paragraphs=(article.body_paragraphs[0], "Toàn huyện đã xây dựng 840 mô hình."),
        parser_version="2",
    )
    store.save_article(edited, make_raw(edited, fetched_at=FETCHED_AT + timedelta(days=1)))


def test_revisions_are_listed_oldest_first_with_time_hash_and_parser(store: Store) -> None:
    save_versions(store)
    revisions = list_revisions(store, "123456")
    assert [r.number for r in revisions] == [1, 2]
    assert [r.seen_at for r in revisions] == [FETCHED_AT, FETCHED_AT + timedelta(days=1)]
    assert [r.parser_version for r in revisions] == ["1", "2"]
    assert revisions[0].content_hash == content_hash(make_article())
    assert revisions[0].snapshot["body_paragraphs"][1].startswith("Toàn huyện đã xây dựng và")
    listing = render_revisions(revisions)
    assert listing.count("\n") == 2 and "parser 2" in listing and "2024-10-17 01:00 UTC" in listing


def test_diff_shows_exactly_the_changed_paragraph(store: Store) -> None:
    save_versions(store)
    diff = diff_revisions(store, "123456", 1, 2)
    assert diff.startswith("--- 123456 revision 1 (2024-10-16 01:00 UTC)\n+++ 123456 revision 2")
    body = diff.splitlines()[2:]
    removed = [line for line in body if line.startswith("-")]
    added = [line for line in body if line.startswith("+")]
    assert removed == ["-Toàn huyện đã xây dựng và nhân rộng được 839 mô hình."]
    assert added == ["+Toàn huyện đã xây dựng 840 mô hình."]


def test_diff_of_a_revision_with_itself_is_empty(store: Store) -> None:
    save_versions(store)
    assert diff_revisions(store, "123456", 2, 2) == ""


def test_diff_with_a_missing_revision_names_it_and_the_known_ones(store: Store) -> None:
    save_versions(store)
    with pytest.raises(ArticleNotFound, match=r"no revision 7 \(it has: 1, 2\)"):
        diff_revisions(store, "123456", 1, 7)


def test_revision_text_holds_what_decides_a_revision() -> None:
    article = make_article()
    lines = revision_text(snapshot(article))
    assert f"title: {article.title}" in lines
    assert "image 1: https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg" in lines
    assert "  caption: Đại biểu" in lines
    assert any(line.startswith("related (doc-them): Lan tỏa") for line in lines)


def _image(a: Article, **changes: object) -> Article:
    return replace(a, images=(replace(a.images[0], **changes), *a.images[1:]))


def _link(a: Article, **changes: object) -> Article:
    return replace(a, related=(replace(a.related[0], **changes), *a.related[1:]))


# One edit of each part of an article that ``content_hash`` covers, and nothing else.
ONE_PART_EDITS: dict[str, Callable[[Article], Article]] = {
    "title": lambda a: replace(a, title="Tiêu đề đã sửa"),
    "lead": lambda a: replace(a, lead="Sapo đã sửa."),
    "published_at": lambda a: replace(a, published_at=a.published_at + timedelta(hours=1)),
    "updated_at": lambda a: replace(a, updated_at=a.updated_at + timedelta(hours=1)),
    "author": lambda a: replace(a, author="Thu Hà - Minh Đức"),
    "section": lambda a: replace(a, section="Chính trị"),
    "tags": lambda a: replace(a, tags=(*a.tags, "Công tác dân vận")),
    "body": lambda a: replace(a, body_paragraphs=(*a.body_paragraphs, "Đoạn thêm.")),
    "image url": lambda a: _image(a, url="https://cdn.baohatinh.vn/images/ab/moi.jpg"),
    "image caption": lambda a: _image(a, caption="Chú thích đã sửa"),
    "image alt": lambda a: _image(a, alt="Ảnh: đại biểu nhận khen thưởng"),
    "image position": lambda a: _image(a, position=5),
    "related url": lambda a: _link(a, url="https://baohatinh.vn/dan-van-kheo-post300.html"),
    "related title": lambda a: _link(a, title="Tiêu đề liên kết đã sửa"),
    "related summary": lambda a: _link(a, summary="Tóm tắt đã sửa."),
    "related kind": lambda a: _link(a, kind="inline"),
}


def test_every_edit_that_makes_a_revision_shows_in_both_diffs(store: Store) -> None:
    # A revision is made when the content hash changes; neither `show --diff` nor the
    # web page's history may then say the two versions read the same.
    article = make_article()
    store.save_article(article, make_raw(article))
    for n, (part, edit) in enumerate(ONE_PART_EDITS.items(), start=1):
        edited = edit(article)
        assert content_hash(edited) != content_hash(article), part
        later = FETCHED_AT + timedelta(hours=n)
        assert store.save_article(edited, make_raw(edited, fetched_at=later)) == "updated"
        assert diff_revisions(store, "123456", n, n + 1) != "", part
        article = edited
    web = history.revisions(store, "123456")
    unchanged = [part for part, r in zip(ONE_PART_EDITS, web[1:], strict=True) if not r.changes]
    assert unchanged == []


def test_the_web_history_labels_every_compared_field_in_vietnamese(store: Store) -> None:
    article = make_article()
    store.save_article(article, make_raw(article))
    edited = _link(replace(article, section="Chính trị"), summary="Tóm tắt đã sửa.")
    store.save_article(edited, make_raw(edited, fetched_at=FETCHED_AT + timedelta(hours=1)))
    changes = history.revisions(store, "123456")[1].changes
    assert [change.label for change in changes] == ["Chuyên mục", "Bài liên quan"]


def test_related_links_resolve_to_archived_targets_even_when_archived_later(store: Store) -> None:
    source = make_article()
    store.save_article(source, make_raw(source))
    assert [link.archived for link in related_links(store, "123456")] == [False, False]
    target = make_article("200", related=(), title="Lan tỏa phong trào “Dân vận khéo”")
    store.save_article(target, make_raw(target))
    links = related_links(store, "123456")
    assert [(link.target_article_id, link.archived) for link in links] == [
        ("200", True),
        ("201", False),
    ]
    assert links[0].archived_title == target.title
    assert linked_from(store, "200") == [("123456", source.title)]
    shown = render_article(store.get_article("123456"), links=links)
    assert "Lan tỏa phong trào “Dân vận khéo”  [archived: 200]" in shown


def test_a_link_outside_the_site_has_no_target(store: Store) -> None:
    article = make_article(
        related=(RelatedLink("https://example.org/other", "Ngoài trang", None, "inline"),)
    )
    store.save_article(article, make_raw(article))
    [link] = related_links(store, "123456")
    assert link.target_article_id is None and not link.archived


def test_each_revision_and_the_record_note_their_parser_version(store: Store) -> None:
    save_versions(store)
    assert store.get_article("123456").article.parser_version == "2"
    reparsed = replace(store.get_article("123456").article, parser_version="3")
    store.save_article(reparsed, make_raw(reparsed, fetched_at=FETCHED_AT + timedelta(days=2)))
    # The same content under a newer parser: the record notes it, no new revision.
    assert store.get_article("123456").article.parser_version == "3"
    assert [r.parser_version for r in list_revisions(store, "123456")] == ["1", "2"]


def test_the_content_hash_of_a_record_never_changes_between_releases() -> None:
    # Archived rows keep the hash their version was stored with: a hash computed another
    # way would make every article look edited at its next fetch. (Value from release 0.1.)
    expected = "45dba203f4f633bbab89c7a65058ba2ba28775927cf2ea1916e6fc742a4d763d"
    assert content_hash(make_article()) == expected


def test_whitespace_of_any_kind_is_no_content_change() -> None:
    plain = replace(
        make_article(), title="Hương Sơn biểu dương", body_paragraphs=("Một hai ba", "bốn năm")
    )
    spaced = replace(
        plain,
        title=" Hương\u00a0Sơn \u2003biểu\tdương\n\x1c ",
        body_paragraphs=("Một\u3000hai  ba", " bốn\u2028năm "),
    )
    assert content_hash(spaced) == content_hash(plain)
    expected = "5937105f5a1f54c135ce4737cb7ca6236e16cdb1989b99a3a7531e1ff1d6f62e"  # release 0.1
    assert content_hash(plain) == expected
