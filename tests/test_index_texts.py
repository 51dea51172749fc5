"""The words and texts the search index is written from: the ways that save work give
what the plain definitions give."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from storage.fold import tokens, word_pairs
from storage.index import (
    ABOUT_MARK,
    FTS_COLUMNS,
    GAP,
    TITLE_MARK,
    SearchDocument,
    document_sqlite_texts,
    facet_words,
    field_words,
    key_of,
    sqlite_exact_word,
    sqlite_texts,
)

_WORDS = st.sampled_from(
    [
        "Đảng",
        "bộ",
        "hoà",
        "Huyện",
        "uỷ",
        "chi",
        "minh",
        "mình",
        "quý",
        "THUỶ",
        "2019-2024",
        "“Dân",
        "vận",
        "khéo”",
        "x\u0301y",
        "İ",
        "ΑΣ",
        "a" * 101,
        "_",
        ".",
        "ban",
    ]
)
_TEXT = st.one_of(
    st.lists(_WORDS, max_size=12).map(" ".join),
    st.text(max_size=40),
)
_DOCUMENTS = st.builds(
    SearchDocument,
    title=_TEXT,
    lead=st.none() | _TEXT,
    body=_TEXT,
    tags=st.lists(_TEXT, max_size=4),
    author=st.none() | _TEXT,
    section=st.none() | _TEXT,
    published_at=st.none() | st.just(datetime(2024, 10, 15, 3, 12, tzinfo=UTC)),
    has_images=st.booleans(),
)


def _reference_field_words(document: SearchDocument) -> dict[str, list[str]]:
    """``field_words`` as first written, word by word: the specification."""
    pairs = {
        "title": word_pairs(document.title),
        "lead": word_pairs(document.lead or ""),
        "body": word_pairs(document.body),
        "tags": [],
    }
    for tag in document.tags:
        found = word_pairs(tag)
        if pairs["tags"] and found:
            pairs["tags"].append((GAP, GAP))
        pairs["tags"] += found
    words: dict[str, list[str]] = {}
    for field, found in pairs.items():
        words[field] = [folded for folded, _ in found]
        words[f"{field}_exact"] = [exact for _, exact in found]
    words["title_key"] = [TITLE_MARK + word for word in words["title"]]
    lead, tags = words["lead"], words["tags"]
    about = [*lead, GAP, *tags] if lead and tags else [*lead, *tags]
    words["about_key"] = [word if word == GAP else ABOUT_MARK + word for word in about]
    words["facet_key"] = facet_words(document)
    return words


@given(_DOCUMENTS)
def test_field_words_are_the_words_of_each_field(document: SearchDocument) -> None:
    assert field_words(document) == _reference_field_words(document)


@given(_DOCUMENTS)
def test_document_texts_are_the_texts_of_its_field_words(document: SearchDocument) -> None:
    expected = sqlite_texts(field_words(document))
    assert document_sqlite_texts(document) == expected
    assert list(document_sqlite_texts(document)) == list(FTS_COLUMNS)


@given(_DOCUMENTS)
def test_exact_columns_mark_the_words_without_diacritics(document: SearchDocument) -> None:
    words = field_words(document)
    texts = document_sqlite_texts(document)
    for field in ("title", "lead", "body", "tags"):
        pairs = zip(words[field], words[f"{field}_exact"], strict=True)
        exact = [sqlite_exact_word(folded, word) for folded, word in pairs]
        assert texts[f"{field}_exact"] == " ".join(exact)


@given(st.none() | _TEXT)
def test_a_key_is_the_folded_words_space_joined(value: str | None) -> None:
    assert key_of(value) == " ".join(tokens(value or ""))
    assert key_of(value) == " ".join(tokens(value or ""))  # remembered: the same
