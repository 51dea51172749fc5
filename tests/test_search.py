"""Search: however a reader types Vietnamese, the same articles come back, on both databases."""

from __future__ import annotations

import sys
import unicodedata
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.errors import QueryError
from storage import Store, fold, search
from storage.search import SearchResults, parse_query
from tests.fixtures_db import VN, make_article, make_raw

search_module = sys.modules["storage.search"]  # the package exports a function of its name


def _article(article_id: str, day: datetime, title: str, body: str, **changes: object):
    return make_article(
        article_id,
        title=title,
        lead=changes.pop("lead", None),
        body_paragraphs=tuple(body.split("\n\n")),
        published_at=day,
        tags=changes.pop("tags", ()),
        images=(),
        related=(),
        **changes,
    )


CORPUS = [
    _article(
        "1",
        datetime(2024, 10, 20, 8, 0, tzinfo=VN),
        "Huyện ủy Hương Sơn lan tỏa phong trào Dân vận khéo",
        "Phong trào thi đua “Dân vận khéo” giai đoạn 2019 - 2024 đạt kết quả tốt.\n\n"
        "Đảng bộ huyện đã xây dựng 839 mô hình.",
        lead="(Baohatinh.vn) - Hương Sơn biểu dương các mô hình điển hình.",
        tags=("Dân vận khéo", "Hương Sơn"),
    ),
    _article(
        "2",
        datetime(2024, 10, 18, 8, 0, tzinfo=VN),
        "Xây dựng nông thôn mới ở Can Lộc",
        "Cán bộ khéo léo vận động người dân hiến đất làm đường.",
    ),
    _article(
        "3",
        datetime(2024, 10, 10, 8, 0, tzinfo=VN),
        "Công tác dân vận ở Thạch Hà",
        "Ban Thường vụ Huyện uỷ Thạch Hà chỉ đạo sát sao.",
    ),
    _article(
        "4",
        datetime(2024, 9, 1, 8, 0, tzinfo=VN),
        "Nâng cao chất lượng sinh hoạt chi bộ",
        "Chi bộ thôn bàn việc xây dựng nông thôn mới cùng nhiều việc khác của thôn xóm, "
        "từ giao thông đến thủy lợi, văn hóa và an ninh trật tự.",
    ),
    _article(
        "5",
        datetime(2024, 8, 1, 8, 0, tzinfo=VN),
        "Thuỷ lợi và hoà giải ở cơ sở",
        "Đảng viên gương mẫu đi đầu.",
    ),
    _article("6", datetime(2024, 7, 1, 8, 0, tzinfo=VN), "Kỳ họp HĐND tỉnh", "Khai mạc kỳ họp."),
    _article("7", datetime(2024, 7, 5, 8, 0, tzinfo=VN), "Kỳ họp HĐND tỉnh", "Khai mạc kỳ họp."),
]


def load(store: Store) -> Store:
    for article in CORPUS:
        store.save_article(article, make_raw(article))
    return store


@pytest.fixture
def corpus(store: Store) -> Store:
    return load(store)


def ids(results: SearchResults) -> list[str]:
    return [hit.article_id for hit in results.hits]


# --- folding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queries", "expected"),
    [
        (["dân vận khéo", "dan van kheo", "DÂN VẬN KHÉO", "Dân Vận Khéo"], {"1", "2"}),
        (["Huyện uỷ", "Huyện ủy", "huyen uy"], {"1", "3"}),
        (["dang", "Đảng", "ĐẢNG"], {"1", "5"}),
        (["thủy lợi", "thuỷ lợi", "thuy loi"], {"4", "5"}),
        (["hòa giải", "hoà giải"], {"5"}),
    ],
)
def test_every_spelling_finds_the_same_articles(
    corpus: Store, queries: list[str], expected: set[str]
) -> None:
    for query in queries:
        results = search(corpus, query)
        assert set(ids(results)) == expected, query
        assert results.total == len(expected)


def test_decomposed_query_matches_composed_text(corpus: Store) -> None:
    assert set(ids(search(corpus, unicodedata.normalize("NFD", "Thạch Hà")))) == {"3"}


# --- words and phrases -------------------------------------------------------------------


def test_words_must_all_match(corpus: Store) -> None:
    assert set(ids(search(corpus, "dân vận"))) == {"1", "2", "3"}
    assert set(ids(search(corpus, "dân vận khéo"))) == {"1", "2"}
    assert ids(search(corpus, "dân vận Hà Nội")) == []


def test_a_phrase_needs_its_words_in_order(corpus: Store) -> None:
    assert set(ids(search(corpus, '"dân vận khéo"'))) == {"1"}
    assert set(ids(search(corpus, "“dân vận khéo”"))) == {"1"}  # curly quotes as typed
    assert ids(search(corpus, '"khéo vận dân"')) == []


def test_phrase_and_words_combine(corpus: Store) -> None:
    assert set(ids(search(corpus, '"dân vận" thạch'))) == {"3"}


def test_hyphenated_chunk_is_a_phrase(corpus: Store) -> None:
    assert set(ids(search(corpus, "2019-2024"))) == {"1"}


def test_a_phrase_does_not_run_from_one_field_or_tag_into_the_next(corpus: Store) -> None:
    # Article 1: title ends "... Dân vận khéo", its tags are "Dân vận khéo", "Hương Sơn".
    assert ids(search(corpus, '"khéo hương"')) == []


def test_operator_characters_alone_fold_away(corpus: Store) -> None:
    assert set(ids(search(corpus, "khéo - *"))) == set(ids(search(corpus, "khéo")))


# --- ranking and paging ------------------------------------------------------------------


def test_title_match_ranks_above_a_mention_in_the_body(corpus: Store) -> None:
    assert ids(search(corpus, "nông thôn mới")) == ["2", "4"]


def test_ties_go_to_the_newest_article(corpus: Store) -> None:
    assert ids(search(corpus, "kỳ họp")) == ["7", "6"]


def test_limit_and_offset_page_through_the_same_order(corpus: Store) -> None:
    full = ids(search(corpus, "dân vận"))
    pages = [ids(search(corpus, "dân vận", limit=1, offset=n)) for n in range(4)]
    assert sum(pages, []) == full
    assert search(corpus, "dân vận", limit=1).total == 3
    assert search(corpus, "dân vận", limit=0).hits == []


# --- hits and snippets -------------------------------------------------------------------


def test_hit_carries_the_article_facts(corpus: Store) -> None:
    [hit] = search(corpus, "Thạch Hà").hits
    assert hit.article_id == "3"
    assert hit.url == CORPUS[2].url
    assert hit.title == "Công tác dân vận ở Thạch Hà"
    assert hit.section == "Xây dựng Đảng"
    assert hit.published_at is not None
    assert hit.published_at.isoformat() == "2024-10-10T08:00:00+07:00"


def test_snippet_is_original_text_with_spans_on_the_matches(corpus: Store) -> None:
    [hit] = search(corpus, "huyen uy thach ha").hits
    assert hit.snippet == "Ban Thường vụ Huyện uỷ Thạch Hà chỉ đạo sát sao."
    marked = [hit.snippet[start:end] for start, end in hit.highlights]
    assert marked == ["Huyện", "uỷ", "Thạch", "Hà"]


def test_snippet_highlights_a_phrase_as_one_span(corpus: Store) -> None:
    [hit] = search(corpus, '"dan van kheo"').hits
    marked = [hit.snippet[start:end] for start, end in hit.highlights]
    assert "Dân vận khéo" in marked


def test_snippet_of_a_long_body_is_cut_around_the_first_match(store: Store) -> None:
    filler = " ".join(f"từ{n}" for n in range(200))
    body = f"{filler} Ban chấp hành Đảng bộ tỉnh họp phiên thường kỳ. {filler}"
    article = _article("42", datetime(2024, 1, 1, tzinfo=VN), "Tin", body)
    store.save_article(article, make_raw(article))
    [hit] = search(store, "đảng bộ tỉnh").hits
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert len(hit.snippet.split()) <= 30 + 2
    assert "Đảng bộ tỉnh" in hit.snippet  # diacritics from the original
    assert [fold(hit.snippet[s:e]) for s, e in hit.highlights] == ["dang", "bo", "tinh"]


def test_snippet_prefers_the_window_holding_the_most_query_words(store: Store) -> None:
    filler = " ".join(f"từ{n}" for n in range(60))
    body = f"Người dân đến dự. {filler} Phong trào Dân vận khéo lan tỏa. {filler}"
    article = _article("43", datetime(2024, 1, 1, tzinfo=VN), "Tin", body)
    store.save_article(article, make_raw(article))
    [hit] = search(store, "dân vận khéo").hits
    assert "Phong trào Dân vận khéo lan tỏa" in hit.snippet
    assert "Người dân đến dự" not in hit.snippet


def test_title_only_match_shows_the_start_of_the_text(corpus: Store) -> None:
    [hit] = search(corpus, '"sinh hoạt chi bộ"').hits
    assert hit.snippet.startswith("Chi bộ thôn bàn việc")
    assert hit.highlights == ()


# --- bad queries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "no searchable words"),
        ("   ", "no searchable words"),
        ("!!! ... --- “”", "no searchable words"),
        ('""', "no searchable words"),
        ('"dân vận', "unbalanced quotes"),
        ('dân "vận" "khéo', "unbalanced quotes"),
        ("dân " * 300, "too long"),
    ],
)
def test_unrunnable_query_is_a_query_error_quoting_it(
    corpus: Store, query: str, message: str
) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        search(corpus, query)
    text = str(caught.value)
    assert "\n" not in text
    assert repr(query[:60]).strip("'\"")[:20] in text


def test_negative_paging_is_a_query_error(corpus: Store) -> None:
    with pytest.raises(QueryError):
        search(corpus, "dân", limit=-1)
    with pytest.raises(QueryError):
        search(corpus, "dân", offset=-5)


def test_query_terms_are_folded_and_deduplicated() -> None:
    parsed = parse_query('Dân DAN "Dân Vận" 2019-2024')
    assert [term.folded for term in parsed.terms] == [("dan",), ("dan", "van"), ("2019", "2024")]
    assert [term.exact for term in parsed.terms] == [("dân",), ("dân", "vận"), ("2019", "2024")]


def test_the_length_limit_is_1000_characters() -> None:
    query = "ab " * 333 + "x"
    assert len(query) == 1000
    assert [term.folded for term in parse_query(query).terms] == [("ab",), ("x",)]
    with pytest.raises(QueryError, match="1001 characters"):
        parse_query(query + "y")


# --- SQLite and PostgreSQL agree ---------------------------------------------------------

PARITY_QUERIES = [
    "dân vận khéo",
    '"dân vận khéo"',
    "dan van",
    "Huyện uỷ",
    "dang",
    "thuy loi",
    "nông thôn mới",
    '"nông thôn" chi bộ',
    "kỳ họp",
    "2019-2024",
    "839",
    "khéo léo",
    "không có đâu",
]


def test_sqlite_and_postgresql_find_the_same_articles(
    sqlite_store: Store, postgres_store: Store
) -> None:
    load(sqlite_store)
    load(postgres_store)
    for query in PARITY_QUERIES:
        on_sqlite, on_postgres = search(sqlite_store, query), search(postgres_store, query)
        assert on_sqlite.total == on_postgres.total, query
        by_id = {hit.article_id: hit for hit in on_postgres.hits}
        assert {hit.article_id: hit for hit in on_sqlite.hits} == by_id, query


def test_sqlite_and_postgresql_rank_alike(sqlite_store: Store, postgres_store: Store) -> None:
    load(sqlite_store)
    load(postgres_store)
    for query in PARITY_QUERIES:
        assert ids(search(sqlite_store, query)) == ids(search(postgres_store, query)), query


def test_an_archive_in_memory_counts_on_its_own_connection() -> None:
    # Elsewhere the total is counted on a second connection while the page is read; in
    # memory a second connection would open another, empty database.
    with Store.open("sqlite://") as store:
        for number in ("1", "2"):
            article = make_article(number, url=f"https://baohatinh.vn/a-post{number}.html")
            store.save_article(article, make_raw(article))
        results = search(store, "dân vận", limit=1)
    assert (results.total, len(results.hits)) == (2, 1)


def test_the_total_counts_every_match_whatever_the_page(corpus: Store) -> None:
    whole = search(corpus, "Đảng")
    for limit, offset in [(0, 0), (1, 0), (1, 1), (5, 100)]:
        assert search(corpus, "Đảng", limit=limit, offset=offset).total == whole.total > 1


@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 4)), max_size=300),
    st.integers(0, 60),
)
def test_the_snippet_window_is_the_earliest_with_the_most_terms(
    occurrences: list[tuple[int, int]], words: int
) -> None:
    # Reference: every anchor's window counted afresh.
    found = sorted({(start, start, number) for start, number in occurrences})
    total = max([start + 1 for start, _, _ in found] + [words])
    best = (0, 0)
    for anchor, _, _ in found[: search_module._MAX_ANCHORS]:
        begin = search_module._window_start(anchor, total, words)
        seen = len({number for start, _, number in found if begin <= start < begin + words})
        if seen > best[0]:
            best = (seen, begin)
    assert search_module._best_window(found, total, words) == best


@given(st.text(alphabet=st.sampled_from(list("ab. \n\t\u00a0\u3000\x1cđ")), max_size=60))
def test_squeezing_whitespace_tells_where_each_offset_lands(piece: str) -> None:
    squeezed, where = search_module._squeezed(piece)
    assert squeezed == " ".join(piece.split())
    assert len(where) == len(piece) + 1 and where[-1] == len(squeezed)
    for offset, char in enumerate(piece):
        if not char.isspace():  # every letter lands on itself
            assert squeezed[where[offset]] == char
    assert where == sorted(where)
