"""The order of results: relevance is tiers (exact diacritics, then the title) and then the
date; dates are read from search rowids that follow the publication time, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from storage import SearchFilters, SearchQuery, Store, matching_ids, search
from storage.index import search_rowid
from tests.fixtures_db import VN, make_article, make_raw


def _article(article_id: str, published: datetime | None, title: str, body: str):
    return make_article(
        article_id,
        url=f"https://baohatinh.vn/bai-{article_id}-post{article_id}.html",
        title=title,
        lead=None,
        tags=(),
        body_paragraphs=(body,),
        published_at=published,
        updated_at=None,
        images=(),
        related=(),
    )


def _ids(store: Store, request: SearchQuery, **paging: int) -> list[str]:
    return [hit.article_id for hit in search(store, request, **paging).hits]


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=VN)


# --- search rowids ------------------------------------------------------------------------


def test_search_rowids_follow_the_publication_time_then_the_primary_key() -> None:
    earlier, later = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert search_rowid(earlier, 999) < search_rowid(later, 1)
    assert search_rowid(earlier, 1) < search_rowid(earlier, 2)
    assert search_rowid(None, 5) < 0 < search_rowid(datetime(1990, 1, 1, tzinfo=UTC), 1)
    assert search_rowid(None, 1) < search_rowid(None, 2)
    # The same instant in any time zone is the same rowid.
    assert search_rowid(_at(2024, 10, 15), 7) == search_rowid(_at(2024, 10, 15).astimezone(UTC), 7)


@pytest.mark.parametrize("pk", [0, -1, 1 << 28])
def test_a_primary_key_outside_the_rowid_range_is_refused(pk: int) -> None:
    with pytest.raises(ValueError, match=str(pk)):
        search_rowid(datetime(2024, 1, 1, tzinfo=UTC), pk)


# --- relevance: tiers, then the newest ----------------------------------------------------

TIERED = [
    # exact + title
    _article("1", _at(2021, 1, 1), "Đảng bộ họp", "Nội dung."),
    _article("2", _at(2023, 1, 1), "Đảng bộ tổng kết", "Nội dung."),
    # exact, body only
    _article("3", _at(2024, 1, 1), "Tin tức", "Đảng bộ xã họp."),
    _article("4", _at(2022, 1, 1), "Tin vắn", "Đảng bộ huyện họp."),
    # folded only, in the title (đang ≠ Đảng) and in the body
    _article("5", _at(2025, 1, 1), "Đang bổ sung", "Nội dung."),
    _article("6", _at(2025, 6, 1), "Tin mới", "Đang bổ sung hồ sơ."),
    # undated, exact in the body
    _article("7", None, "Không ngày", "Đảng bộ thôn họp."),
]
TIERED_ORDER = ["2", "1", "3", "4", "7", "5", "6"]


@pytest.fixture
def tiered(store: Store) -> Store:
    for article in TIERED:
        store.save_article(article, make_raw(article))
    return store


def test_relevance_is_exact_then_title_then_newest(tiered: Store) -> None:
    assert _ids(tiered, SearchQuery("Đảng bộ")) == TIERED_ORDER


def test_a_query_without_diacritics_ranks_title_matches_first_then_newest(tiered: Store) -> None:
    # No article holds the words "dang bo" without diacritics: no exact tier at all.
    assert _ids(tiered, SearchQuery("dang bo")) == ["5", "2", "1", "6", "3", "4", "7"]


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_pages_across_tiers_join_up_to_the_whole_order(tiered: Store, limit: int) -> None:
    pages = [
        _ids(tiered, SearchQuery("Đảng bộ"), limit=limit, offset=offset)
        for offset in range(0, len(TIERED) + limit, limit)
    ]
    assert [article for page in pages for article in page] == TIERED_ORDER
    assert search(tiered, SearchQuery("Đảng bộ"), limit=limit, offset=50).hits == []


def test_an_export_lists_every_match_in_the_order_of_the_pages(tiered: Store) -> None:
    assert list(matching_ids(tiered, SearchQuery("Đảng bộ"), batch_size=2)) == TIERED_ORDER


def test_excluded_words_leave_every_tier(tiered: Store) -> None:
    assert _ids(tiered, SearchQuery("Đảng bộ -họp")) == ["2", "5", "6"]


# Words without diacritics, exact or not: "minh" typed is exact in "Hồ Chí Minh" and
# folded-only in "mình"; "di*" begins "diễn" and "dinh" exactly, "đi" and "dịch" folded only.
PLAIN = [
    _article("11", _at(2020, 1, 1), "Tin một", "Lời Bác Hồ Chí Minh."),
    _article("12", _at(2025, 1, 1), "Tin hai", "Chúng mình cùng làm."),
    _article("13", _at(2020, 2, 1), "Tin ba", "Diễn đàn của thôn."),
    _article("14", _at(2020, 3, 1), "Tin bốn", "Dinh dưỡng học đường."),
    _article("15", _at(2025, 2, 1), "Tin năm", "Đi công tác xa."),
    _article("16", _at(2025, 3, 1), "Tin sáu", "Dịch vụ công."),
]


@pytest.fixture
def plain(store: Store) -> Store:
    for article in PLAIN:
        store.save_article(article, make_raw(article))
    return store


def test_a_word_without_diacritics_is_exact_where_written_so_and_folded_elsewhere(
    plain: Store,
) -> None:
    assert _ids(plain, SearchQuery("minh")) == ["11", "12"]
    assert _ids(plain, SearchQuery("mình")) == ["12", "11"]
    assert _ids(plain, SearchQuery('"chí minh"')) == ["11"]


def test_a_prefix_without_diacritics_is_exact_for_words_with_diacritics_after_it(
    plain: Store,
) -> None:
    # Exact first (dinh, diễn), newest first; then the folded-only matches (dịch, đi).
    assert _ids(plain, SearchQuery("di*")) == ["14", "13", "16", "15"]
    assert _ids(plain, SearchQuery("diễ*")) == ["13"]


# --- dates ----------------------------------------------------------------------------------


def test_undated_articles_come_last_whichever_way_dates_are_sorted(tiered: Store) -> None:
    newest = _ids(
        tiered, SearchQuery("", sort="newest", filters=SearchFilters(section="xay-dung-dang"))
    )
    oldest = _ids(
        tiered, SearchQuery("", sort="oldest", filters=SearchFilters(section="xay-dung-dang"))
    )
    assert newest == ["6", "5", "3", "2", "4", "1", "7"]
    assert oldest == ["1", "4", "2", "3", "5", "6", "7"]
    assert _ids(tiered, SearchQuery("họp", sort="oldest")) == ["1", "4", "3", "7"]


def test_a_date_range_leaves_out_undated_articles(tiered: Store) -> None:
    since = SearchFilters(date_from=date(2000, 1, 1))
    until = SearchFilters(date_to=date(2100, 1, 1))
    assert "7" not in _ids(tiered, SearchQuery("Đảng bộ", filters=since))
    assert "7" not in _ids(tiered, SearchQuery("", filters=until))
    assert search(tiered, SearchQuery("Đảng bộ", filters=until)).total == 6


def test_a_date_range_includes_its_first_and_last_day(tiered: Store) -> None:
    day = SearchFilters(date_from=date(2023, 1, 1), date_to=date(2023, 1, 1))
    assert _ids(tiered, SearchQuery("Đảng", filters=day)) == ["2"]
    assert _ids(tiered, SearchQuery("", filters=day)) == ["2"]


def test_a_new_publication_time_moves_the_article(tiered: Store) -> None:
    moved = replace(TIERED[0], published_at=_at(2026, 1, 1))
    tiered.save_article(moved, make_raw(moved, body=b"<html>v2</html>"))
    assert _ids(tiered, SearchQuery("Đảng bộ"))[:2] == ["1", "2"]
    old_day = SearchFilters(date_from=date(2021, 1, 1), date_to=date(2021, 1, 1))
    new_day = SearchFilters(date_from=date(2026, 1, 1), date_to=date(2026, 1, 1))
    assert _ids(tiered, SearchQuery("Đảng", filters=old_day)) == []
    assert _ids(tiered, SearchQuery("Đảng", filters=new_day)) == ["1"]
    assert search(tiered, SearchQuery("Đảng bộ")).total == len(TIERED)  # once, not twice


def test_times_a_second_apart_keep_their_order(store: Store) -> None:
    first = _article("21", _at(2024, 5, 5), "Hội nghị", "Nội dung.")
    second = _article("20", _at(2024, 5, 5) + timedelta(seconds=1), "Hội nghị", "Nội dung.")
    for article in (second, first):
        store.save_article(article, make_raw(article))
    assert _ids(store, SearchQuery("hội nghị")) == ["20", "21"]


def test_among_title_matches_those_naming_it_in_the_lead_or_tags_come_first(
    store: Store,
) -> None:
    about = [
        replace(
            _article("31", _at(2020, 1, 1), "Dân vận khéo ở Hương Sơn", "Nội dung."),
            lead="Những mô hình Dân vận khéo điển hình.",
        ),
        replace(
            _article("32", _at(2021, 1, 1), "Dân vận khéo ở Kỳ Anh", "Nội dung."),
            tags=("Dân vận khéo",),
        ),
        _article("33", _at(2025, 1, 1), "Dân vận khéo ở Cẩm Xuyên", "Nội dung."),
        # in the tags, but not in the title: after every title match
        replace(_article("34", _at(2026, 1, 1), "Tin vắn", "Nội dung."), tags=("Dân vận khéo",)),
        # the words apart, in two tags: no phrase across tags
        replace(
            _article("35", _at(2026, 2, 1), "Dân vận khéo", "Nội dung."),
            tags=("Dân vận", "khéo tay"),
        ),
    ]
    for article in about:
        store.save_article(article, make_raw(article))
    assert _ids(store, SearchQuery('"dân vận khéo"')) == ["32", "31", "35", "33", "34"]


def test_outside_titles_the_lead_does_not_lift_an_article_the_newest_comes_first(
    store: Store,
) -> None:
    lead_only = replace(
        _article("41", _at(2020, 1, 1), "Tin một", "Nội dung."),
        lead="Mô hình dân vận khéo ở xã.",
    )
    body_only = _article("42", _at(2024, 1, 1), "Tin hai", "Có mô hình dân vận khéo.")
    for article in (lead_only, body_only):
        store.save_article(article, make_raw(article))
    assert _ids(store, SearchQuery("dân vận khéo")) == ["42", "41"]


def test_a_title_only_search_ranks_exact_titles_first_then_the_newest(store: Store) -> None:
    articles = [
        _article("51", _at(2020, 1, 1), "Dân vận khéo ở xã", "Nội dung."),
        _article("52", _at(2024, 1, 1), "Dẫn văn bản mới", "Nội dung."),  # folded: dan van
        _article("53", _at(2025, 1, 1), "Tin vắn", "Dân vận khéo ở thôn."),  # not in title
        _article("54", _at(2022, 1, 1), "Tin: dân vận", "Nội dung."),
    ]
    for article in articles:
        store.save_article(article, make_raw(article))
    assert _ids(store, SearchQuery("dân vận", title_only=True)) == ["54", "51", "52"]
    assert _ids(store, SearchQuery("title:dân title:vận")) == ["54", "51", "52"]
    assert _ids(store, SearchQuery("dân vận", title_only=True), limit=1, offset=2) == ["52"]


# --- years the site mistyped --------------------------------------------------------------


def test_a_mistyped_year_sorts_and_filters_as_the_nearest_edge_of_1900_to_2899(
    store: Store,
) -> None:
    # Visible dates such as "15/10/3024" or "15/10/0224" parse; such an article is saved,
    # found, and sorted as if published at the edge of the years the index spans.
    articles = [
        _article("41", datetime(3024, 10, 15, 10, 12, tzinfo=VN), "Khéo léo", "Nội dung."),
        _article("42", datetime(224, 10, 15, 10, 12, tzinfo=VN), "Khéo tay", "Nội dung."),
        _article("43", _at(2024, 10, 15), "Khéo nói", "Nội dung."),
    ]
    for article in articles:
        store.save_article(article, make_raw(article))
    assert _ids(store, SearchQuery("khéo")) == ["41", "43", "42"]
    assert _ids(store, SearchQuery("khéo", sort="oldest")) == ["42", "43", "41"]
    since_2000 = SearchFilters(date_from=date(2000, 1, 1))
    assert _ids(store, SearchQuery("khéo", filters=since_2000)) == ["41", "43"]
    until_1899 = SearchFilters(date_to=date(1899, 12, 31))
    assert _ids(store, SearchQuery("khéo", filters=until_1899)) == []


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(date_from=date(5000, 1, 1)),
        SearchFilters(date_to=date(5000, 1, 1)),
        SearchFilters(date_to=date.max),
        SearchFilters(date_from=date.min, date_to=date(1000, 1, 1)),
    ],
)
def test_far_dates_in_a_filter_search_without_error(tiered: Store, filters: SearchFilters) -> None:
    results = search(tiered, SearchQuery("Đảng bộ", filters=filters))
    dated = {article.article_id for article in TIERED if article.published_at is not None}
    expected = dated if filters.date_to and filters.date_to.year >= 5000 else set()
    assert {hit.article_id for hit in results.hits} == expected
