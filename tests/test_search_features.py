"""Search features for researchers: exact diacritics first, the query language, filters,
sort and paging, marked snippets, and the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.errors import QueryError
from storage import SearchFilters, SearchQuery, Store, mark_html, matching_ids, search
from storage.search import MAX_OFFSET, SearchHit, SearchResults
from tests.fixtures_db import VN, make_article, make_raw


def _article(article_id: str, day: tuple[int, int, int], title: str, body: str, **changes: object):
    return make_article(
        article_id,
        url=f"https://baohatinh.vn/bai-{article_id}-post{article_id}.html",
        title=title,
        lead=changes.pop("lead", None),
        body_paragraphs=tuple(body.split("\n\n")),
        published_at=datetime(*day, 9, 0, tzinfo=VN),
        tags=changes.pop("tags", ()),
        images=changes.pop("images", ()),
        related=(),
        **changes,
    )


IMAGE = make_article().images[:1]

CORPUS = [
    _article(
        "11",
        (2024, 3, 1),
        "Đảng bộ xã Sơn Kim tổng kết năm",
        "Đảng bộ xã đã hoàn thành các chỉ tiêu.",
        author="Thu Hà",
        section="Xây dựng Đảng",
        section_slug="xay-dung-dang",
        tags=("Đảng bộ", "Hương Sơn"),
        images=IMAGE,
    ),
    _article(
        "12",
        (2024, 5, 2),
        "Nông dân đang vào mùa gặt",
        "Bà con nông dân đang thu hoạch lúa hè thu.",
        author="Minh Anh",
        section="Kinh tế",
        section_slug="kinh-te",
        tags=("Nông nghiệp",),
    ),
    _article(
        "13",
        (2024, 7, 3),
        "Hội nghị cán bộ chủ chốt",
        "Hội nghị quán triệt nghị quyết của Đảng về công tác cán bộ.",
        author="Thu Hà - Minh Anh",
        section="Xây dựng Đảng",
        section_slug="xay-dung-dang",
        tags=("Công tác cán bộ",),
        images=IMAGE,
    ),
    _article(
        "14",
        (2024, 9, 4),
        "Phong trào Dân vận khéo",
        "Các mô hình được biểu dương.",
        author="Lê Văn",
        section="Xây dựng Đảng",
        section_slug="xay-dung-dang",
        tags=("Dân vận khéo",),
    ),
    _article(
        "15",
        (2024, 11, 5),
        "Chuyện ở thôn",
        "Dân vận khéo ở thôn. Dân vận khéo ở xã. Dân vận khéo ở huyện. Dân vận khéo mãi.",
        author="Lê Văn",
        section="Xây dựng Đảng",
        section_slug="xay-dung-dang",
    ),
    _article(
        "16",
        (2025, 1, 6),
        "Công tác hoà giải ở cơ sở",
        "Tổ hoà giải thôn hoạt động hiệu quả; Huyện uỷ đánh giá cao.",
        author=None,
        section="Xây dựng Đảng",
        section_slug="xay-dung-dang",
        tags=("Hòa giải",),
    ),
]


@pytest.fixture
def corpus(store: Store) -> Store:
    return load(store)


def load(store: Store) -> Store:
    for article in CORPUS:
        store.save_article(article, make_raw(article))
    return store


def ids(results: SearchResults) -> list[str]:
    return [hit.article_id for hit in results.hits]


def found(store: Store, text: str = "", **options: object) -> list[str]:
    filters = SearchFilters(**options.pop("filters", {}))  # type: ignore[arg-type]
    request = SearchQuery(text, filters, **options)  # type: ignore[arg-type]
    return ids(search(store, request, limit=50))


# --- exact diacritics first --------------------------------------------------------------


def test_exact_diacritics_rank_above_folded_only_matches(corpus: Store) -> None:
    # "Đảng" is in the title of 11 and the body of 13; 12 only has "đang" (folds alike).
    assert found(corpus, "Đảng") == ["11", "13", "12"]


def test_a_query_without_diacritics_finds_every_spelling_and_ranks_titles_first(
    corpus: Store,
) -> None:
    assert found(corpus, "dang")[2] == "13"  # titles (11 Đảng, 12 đang) before a body mention


def test_both_tone_mark_placements_count_as_exact(corpus: Store) -> None:
    assert found(corpus, "hòa giải") == found(corpus, "hoà giải") == ["16"]
    assert found(corpus, "Huyện ủy") == ["16"]


def test_a_title_match_ranks_above_many_mentions_in_the_body(corpus: Store) -> None:
    assert found(corpus, "dân vận khéo") == ["14", "15"]


# --- the query language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"hội nghị" OR gặt', {"12", "13"}),
        ('"nông dân" OR "hoà giải"', {"12", "16"}),
        ("đảng -hội", {"11", "12"}),
        ('đảng -"hội nghị"', {"11", "12"}),
        ("đảng NOT nông", {"11", "13"}),
        ("nghiệ*", {"12"}),
        ("hoạ*", {"11", "12", "16"}),  # hoàn, hoạch, hoà: the prefix is folded too
        ("nông*", {"12"}),
        ('"dân vận kh"*', {"14", "15"}),
        ("title:đảng", {"11", "12"}),  # đang folds alike; Đảng ranks first
        ('title:"dân vận"', {"14"}),
        ("title:dang", {"11", "12"}),
    ],
)
def test_or_exclusion_prefix_and_title(corpus: Store, query: str, expected: set[str]) -> None:
    assert set(found(corpus, query)) == expected


def test_title_only_restricts_every_word(corpus: Store) -> None:
    assert found(corpus, "dân vận", title_only=True) == ["14"]
    assert found(corpus, "thôn", title_only=True) == ["15"]


# --- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"date_from": date(2024, 7, 3)}, {"13", "14", "15", "16"}),
        ({"date_to": date(2024, 7, 3)}, {"11", "12", "13"}),
        ({"date_from": date(2024, 5, 1), "date_to": date(2024, 9, 4)}, {"12", "13", "14"}),
        ({"section": "kinh-te"}, {"12"}),
        ({"section": "Kinh tế"}, {"12"}),
        ({"section": "xây dựng đảng"}, {"11", "13", "14", "15", "16"}),
        ({"author": "Minh Anh"}, {"12", "13"}),
        ({"author": "thu ha"}, {"11", "13"}),
        ({"author": "Minh"}, {"12", "13"}),
        ({"author": "Anh Thu"}, set()),
        ({"tag": "dan van kheo"}, {"14"}),
        ({"tag": "Hòa giải"}, {"16"}),
        ({"tag": "hoà giải"}, {"16"}),
        ({"tag": "Đảng"}, set()),  # a whole tag, not a word of one
        ({"with_images": True}, {"11", "13"}),
    ],
)
def test_filters_alone(corpus: Store, filters: dict[str, object], expected: set[str]) -> None:
    assert set(found(corpus, filters=filters)) == expected


def test_filters_narrow_a_word_search(corpus: Store) -> None:
    assert found(corpus, "dang", filters={"section": "xay-dung-dang"}) == ["11", "13"]
    assert found(corpus, "dang", filters={"with_images": True, "author": "Minh Anh"}) == ["13"]
    assert found(corpus, "-hội", filters={"with_images": True}) == ["11"]


def test_filters_and_sort_can_be_passed_beside_the_text(corpus: Store) -> None:
    results = search(corpus, "dang", filters=SearchFilters(section="Kinh tế"), sort="oldest")
    assert ids(results) == ["12"]


# --- sort, paging, ids -------------------------------------------------------------------


def test_sort_by_date(corpus: Store) -> None:
    assert found(corpus, "dang", sort="newest") == ["13", "12", "11"]
    assert found(corpus, "dang", sort="oldest") == ["11", "12", "13"]
    assert found(corpus, filters={"section": "xay-dung-dang"}, sort="oldest")[0] == "11"


def test_paging_keeps_the_total(corpus: Store) -> None:
    request = SearchQuery("dang")
    pages = [search(corpus, request, limit=2, offset=offset) for offset in (0, 2)]
    assert [page.total for page in pages] == [3, 3]
    assert ids(pages[0]) + ids(pages[1]) == found(corpus, "dang")


@pytest.mark.parametrize(
    ("text", "filters", "sort"),
    [
        ("dang", {}, "relevance"),
        ("đảng -hội", {}, "relevance"),
        ('"hội nghị" OR gặt', {}, "newest"),
        ("title:dang", {}, "oldest"),
        ("dang", {"section": "xay-dung-dang"}, "relevance"),
        ("-hội", {"with_images": True}, "relevance"),
        ("dang", {"date_from": date(2024, 5, 1), "author": "Minh Anh"}, "newest"),
        ("", {"tag": "dan van kheo"}, "relevance"),
    ],
)
def test_the_total_counts_exactly_the_articles_the_pages_list(
    corpus: Store, text: str, filters: dict[str, object], sort: str
) -> None:
    # The total is counted apart from the ranked pages (without scores or unused joins):
    # both must describe the same articles.
    request = SearchQuery(text, SearchFilters(**filters), sort)  # type: ignore[arg-type]
    pages = [search(corpus, request, limit=1, offset=offset) for offset in range(8)]
    listed = [hit.article_id for page in pages for hit in page.hits]
    assert {page.total for page in pages} == {len(listed)}
    assert listed == list(matching_ids(corpus, request))


def test_matching_ids_yields_every_match_in_result_order(corpus: Store) -> None:
    request = SearchQuery("dang", SearchFilters(date_from=date(2024, 1, 1)))
    assert list(matching_ids(corpus, request, batch_size=1)) == found(corpus, "dang")
    assert list(matching_ids(corpus, SearchQuery("", SearchFilters(tag="Nông nghiệp")))) == ["12"]


# --- marked snippets ---------------------------------------------------------------------


def test_title_and_snippet_carry_highlight_spans(corpus: Store) -> None:
    [hit] = search(corpus, "title:khéo dân").hits
    assert [hit.title[s:e] for s, e in hit.title_highlights] == ["Dân", "khéo"]


def test_mark_html_escapes_everything_but_the_marks() -> None:
    hit = SearchHit(
        "1", "u", "<b>Đảng</b> & dân", None, None, "a <i> Đảng & b", ((6, 10), (11, 12)), ((3, 7),)
    )
    assert mark_html(hit) == "a &lt;i&gt; <mark>Đảng</mark> <mark>&amp;</mark> b"
    assert mark_html(hit, "title") == "&lt;b&gt;<mark>Đảng</mark>&lt;/b&gt; &amp; dân"


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ['"dân', "OR", "-", "!!!", "x" * 10_000, "dân OR", "NOT", "title:", "-dân"]
)
def test_bad_queries_are_query_errors_never_sql_errors(corpus: Store, query: str) -> None:
    with pytest.raises(QueryError) as caught:
        search(corpus, query)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "paging", [{"offset": 2**63 - 1}, {"limit": 2**63}, {"offset": MAX_OFFSET + 1}]
)
def test_a_page_beyond_any_archive_is_a_query_error_not_an_overflow(
    corpus: Store, paging: dict[str, int]
) -> None:
    with pytest.raises(QueryError, match="too large"):
        search(corpus, "dang", **paging)
    assert search(corpus, "dang", offset=MAX_OFFSET).hits == []


@pytest.mark.parametrize(
    "query",
    [
        "dân'; DROP TABLE articles; --",
        "dân') OR ('1'='1",
        "NEAR(dân vận)",
        "{title}: dân",
        "^dân",
        "a:b",
    ],
)
def test_sql_and_engine_syntax_in_a_query_are_just_words(corpus: Store, query: str) -> None:
    results = search(corpus, query)
    assert results.total == len(results.hits)
    assert search(corpus, "dang").total == 3  # the archive is intact


# --- SQLite and PostgreSQL agree ---------------------------------------------------------

PARITY = [
    SearchQuery("Đảng"),
    SearchQuery("dang"),
    SearchQuery("dân vận khéo"),
    SearchQuery('"dân vận khéo"'),
    SearchQuery('"hội nghị" OR gặt'),
    SearchQuery("đảng -hội"),
    SearchQuery("hoạ*"),
    SearchQuery("title:đảng"),
    SearchQuery('"dân vận kh"*'),
    SearchQuery("title:dang"),
    SearchQuery("dân vận", title_only=True),
    SearchQuery("hòa giải"),
    SearchQuery("Huyện ủy"),
    SearchQuery("dang", SearchFilters(section="xay-dung-dang")),
    SearchQuery("dang", sort="oldest"),
    SearchQuery("", SearchFilters(author="Minh Anh")),
    SearchQuery("", SearchFilters(date_from=date(2024, 5, 1), date_to=date(2024, 9, 4))),
    SearchQuery("-hội", SearchFilters(with_images=True)),
    SearchQuery("", SearchFilters(tag="Hòa giải")),
    SearchQuery("không có đâu"),
]


def test_sqlite_and_postgresql_find_the_same_articles(
    sqlite_store: Store, postgres_store: Store
) -> None:
    load(sqlite_store)
    load(postgres_store)
    for request in PARITY:
        on_sqlite = search(sqlite_store, request)
        on_postgres = search(postgres_store, request)
        assert on_sqlite.total == on_postgres.total, request
        by_id = {hit.article_id: hit for hit in on_postgres.hits}
        assert {hit.article_id: hit for hit in on_sqlite.hits} == by_id, request
        assert set(matching_ids(sqlite_store, request)) == set(by_id), request


def test_sqlite_and_postgresql_give_the_same_order(
    sqlite_store: Store, postgres_store: Store
) -> None:
    # Relevance is tiers (exact, then title) and then the date, on both: no score that
    # one database computes and the other does not.
    load(sqlite_store)
    load(postgres_store)
    for request in PARITY:
        on_sqlite = list(matching_ids(sqlite_store, request))
        assert on_sqlite == list(matching_ids(postgres_store, request)), request
        assert on_sqlite == ids(search(sqlite_store, request)), request


QUERY_TEXT = st.text(
    alphabet=st.sampled_from(list("dânvậkhéoĐảng\"-*:()|^{}'; ORNTtile\u0301\u00b7\ue000")),
    max_size=40,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=QUERY_TEXT)
def test_any_typed_text_either_searches_or_is_a_query_error(corpus: Store, text: str) -> None:
    try:
        results = search(corpus, text, limit=5)
    except QueryError as exc:
        assert "\n" not in str(exc)
    else:
        assert results.total >= len(results.hits)
