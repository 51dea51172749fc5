"""Snapshots of records: the shortcut by exact type gives what the definition gives."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import storage.convert  # noqa: F401  (the module, as sys.modules holds it)
from scraper.records import Article, Image, RelatedLink
from storage.convert import content_hash, snapshot

convert = sys.modules["storage.convert"]


def _reference_jsonable(value: Any) -> Any:
    """``_jsonable`` as first written: the specification of the snapshot."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _reference_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {key: _reference_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reference_jsonable(item) for item in value]
    return value


class _Text(str):
    pass


class _Moment(datetime):
    pass


@dataclass(frozen=True)
class _Other:
    name: str
    when: datetime | None
    items: tuple[Any, ...] = ()


_TEXT = st.text(max_size=20) | st.builds(_Text, st.text(max_size=5))
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3))])
_TIMES = (
    st.none()
    # The times an article can hold: those parse_datetime gives (years 1900 to 2200).
    | st.datetimes(datetime(1900, 1, 2), datetime(2200, 12, 30), timezones=_ZONES)
    | st.builds(_Moment, st.integers(1900, 2900), st.just(1), st.just(2), tzinfo=_ZONES)
)
_OPTIONAL = st.none() | _TEXT
_ARTICLES = st.builds(
    Article,
    url=_TEXT,
    article_id=_TEXT,
    title=_TEXT,
    lead=_OPTIONAL,
    published_at=_TIMES,
    updated_at=_TIMES,
    author=_OPTIONAL,
    tags=st.tuples(_TEXT) | st.lists(_TEXT, max_size=3).map(tuple),
    body_paragraphs=st.lists(_TEXT, max_size=5).map(tuple),
    images=st.lists(
        st.builds(Image, url=_TEXT, caption=_OPTIONAL, alt=_OPTIONAL, position=st.integers()),
        max_size=3,
    ).map(tuple),
    related=st.lists(
        st.builds(
            RelatedLink,
            url=_TEXT,
            title=_TEXT,
            summary=_OPTIONAL,
            kind=st.sampled_from(["doc-them", "inline"]),
        ),
        max_size=2,
    ).map(tuple),
    sources=st.dictionaries(_TEXT, _TEXT, max_size=3),
    warnings=st.lists(_TEXT, max_size=2).map(tuple),
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT | _TIMES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        | st.builds(_Other, _TEXT, _TIMES, st.lists(inner, max_size=2).map(tuple))
    ),
    max_leaves=12,
)


@given(_ARTICLES)
def test_a_snapshot_is_the_reference_data_of_the_record(article: Article) -> None:
    expected = _reference_jsonable(article)
    assert snapshot(article) == expected
    # Equal is not enough for the stored bytes: the same types, the same key order.
    assert json.dumps(snapshot(article)) == json.dumps(expected)


@given(_VALUES)
def test_any_value_is_made_json_ready_as_the_reference_makes_it(value: Any) -> None:
    found = convert._jsonable(value)
    expected = _reference_jsonable(value)
    assert json.dumps(found) == json.dumps(expected)
    assert repr(found) == repr(expected)  # a str subclass stays itself, as it did


# --- the text a content hash covers ---------------------------------------------------------

_WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace()]
_SPACED = st.lists(
    st.sampled_from([*_WHITESPACE, "a", "Đảng", "x\u0301", "\u2000", "\u0301", "İ", "\x00"])
    | st.text(max_size=3),
    max_size=12,
).map("".join)


@given(st.none() | _SPACED | st.text())
def test_normalised_text_is_nfc_with_whitespace_runs_collapsed(value: str | None) -> None:
    expected = None if value is None else " ".join(unicodedata.normalize("NFC", value).split())
    assert convert._norm(value) == expected


def test_every_whitespace_but_the_space_is_unprintable() -> None:
    # _norm returns printable text without double, leading or trailing spaces as it is.
    assert [char for char in _WHITESPACE if char.isprintable()] == [" "]


def _reference_content_hash(article: Article) -> str:
    """``content_hash`` as first written (regex whitespace, json.dumps): the specification."""

    def norm(value: str | None) -> str | None:
        if value is None:
            return None
        return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()

    def utc(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value is not None else None

    content = {
        "title": norm(article.title),
        "lead": norm(article.lead),
        "published_at": utc(article.published_at),
        "updated_at": utc(article.updated_at),
        "author": norm(article.author),
        "section": norm(article.section),
        "tags": [norm(tag) for tag in article.tags],
        "body": [norm(paragraph) for paragraph in article.body_paragraphs],
        "images": [
            [norm(image.url), norm(image.caption), norm(image.alt), image.position]
            for image in article.images
        ],
        "related": [
            [norm(link.url), norm(link.title), norm(link.summary), link.kind]
            for link in article.related
        ],
    }
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@given(_ARTICLES)
def test_the_content_hash_is_the_reference_hash(article: Article) -> None:
    assert content_hash(article) == _reference_content_hash(article)


@given(_SPACED, _SPACED)
def test_the_content_hash_of_spaced_text_is_the_reference_hash(title: str, body: str) -> None:
    article = Article(url="u", article_id="1", title=title, body_paragraphs=(body, title))
    assert content_hash(article) == _reference_content_hash(article)
