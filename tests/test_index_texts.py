"""The words and texts the search index is written from: the ways that save work give
what the plain definitions give."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from storage.fold import tokens, word_pairs
from storage.index import (
    ABOUT_MARK,
    EXACT_FIELDS,
    FIELDS,
    FTS_COLUMNS,
    GAP,
    PG_MAX_POSITION,
    PG_WEIGHTS,
    TITLE_MARK,
    SearchDocument,
    document_sqlite_texts,
    facet_words,
    field_words,
    key_of,
    sqlite_exact_word,
    sqlite_texts,
    tsvector_literal,
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


# --- PostgreSQL tsvector literals -----------------------------------------------------------


def _reference_tsvector_literal(words: dict[str, list[str]], fields: tuple[str, ...]) -> str:
    """``tsvector_literal`` as first written, word by word: the specification."""
    positions: dict[str, list[str]] = {}
    position = 1
    for field, name in zip(FIELDS, fields, strict=True):
        weight = PG_WEIGHTS[field]
        for word in words[name]:
            if word != GAP:
                mark = f"{min(position, PG_MAX_POSITION)}{weight}"
                positions.setdefault(word, []).append(mark)
            position += 1
        position += 1
    quoted = {word: "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in positions}
    return " ".join(f"{quoted[word]}:{','.join(marks)}" for word, marks in positions.items())


_LITERAL_WORDS = st.sampled_from(["dang", "đảng", "a", "b", GAP, "it's", "back\\slash", "ủy"])
_WORD_LISTS = st.fixed_dictionaries(
    {name: st.lists(_LITERAL_WORDS, max_size=30) for name in FIELDS + EXACT_FIELDS}
)


@given(_WORD_LISTS)
def test_a_tsvector_literal_is_the_reference_literal(words: dict[str, list[str]]) -> None:
    for fields in (FIELDS, EXACT_FIELDS):
        assert tsvector_literal(words, fields) == _reference_tsvector_literal(words, fields)


@given(_DOCUMENTS)
def test_a_document_tsvector_literal_is_the_reference_literal(document: SearchDocument) -> None:
    words = field_words(document)
    assert tsvector_literal(words) == _reference_tsvector_literal(words, FIELDS)
    assert tsvector_literal(words, EXACT_FIELDS) == _reference_tsvector_literal(words, EXACT_FIELDS)


def test_positions_past_the_last_one_postgresql_keeps_are_clamped() -> None:
    # A body longer than PG_MAX_POSITION words, with fields before and after it.
    body = [f"w{n % 50}" for n in range(PG_MAX_POSITION + 500)]
    words = {
        "title": ["tieu", "de"],
        "lead": [],
        "body": body,
        "tags": ["the", GAP, "khac"],
    }
    words.update({f"{field}_exact": list(words[field]) for field in FIELDS})
    literal = tsvector_literal(words)
    assert literal == _reference_tsvector_literal(words, FIELDS)
    assert f"'khac':{PG_MAX_POSITION}C" in literal
    assert tsvector_literal(words, EXACT_FIELDS) == literal
