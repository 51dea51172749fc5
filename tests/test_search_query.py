"""The search query language and filters: how typed text becomes terms, without a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scraper.errors import QueryError
from storage.query import SearchFilters, SearchQuery, parse_day, parse_query


def folded(query: str) -> list[list[tuple[str, ...]]]:
    return [[term.folded for term in group] for group in parse_query(query).groups]


def test_words_are_separate_terms_that_all_must_match() -> None:
    assert folded("Dân vận khéo") == [[("dan",)], [("van",)], [("kheo",)]]


def test_and_between_words_changes_nothing() -> None:
    assert folded("dân AND vận") == folded("dân vận")


def test_a_quoted_phrase_is_one_term_with_exact_words() -> None:
    [[term]] = parse_query("“Huyện uỷ”").groups
    assert term.folded == ("huyen", "uy")
    assert term.exact == ("huyện", "ủy")  # tone mark placed the new way


def test_or_joins_the_terms_on_either_side() -> None:
    assert folded('dân OR "nông thôn" khéo') == [[("dan",), ("nong", "thon")], [("kheo",)]]


def test_minus_and_not_exclude() -> None:
    parsed = parse_query('dân -vận NOT "nông thôn"')
    assert [term.folded for term in parsed.excluded] == [("van",), ("nong", "thon")]
    assert [term.folded for term in parsed.terms] == [("dan",)]


def test_a_trailing_star_makes_a_prefix() -> None:
    [[term]] = parse_query("khé*").groups
    assert (term.folded, term.exact, term.prefix) == (("khe",), ("khé",), True)


def test_title_prefix_restricts_one_term() -> None:
    parsed = parse_query('title:"dân vận" khéo title: đảng')
    assert [(term.folded, term.title_only) for term in parsed.terms] == [
        (("dan", "van"), True),
        (("kheo",), False),
        (("dang",), True),
    ]


def test_title_only_restricts_every_term_but_not_exclusions() -> None:
    parsed = parse_query("dân vận -khéo", title_only=True)
    assert all(term.title_only for term in parsed.terms)
    assert not parsed.excluded[0].title_only


def test_punctuation_chunks_are_ignored() -> None:
    assert folded("dân – vận - *") == [[("dan",)], [("van",)]]


def test_the_same_words_typed_twice_count_once_keeping_the_first_spelling() -> None:
    [[term]] = parse_query("Đảng dang ĐẢNG").groups
    assert term.exact == ("đảng",)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("OR", "OR needs a word or phrase on each side"),
        ("dân OR", "OR needs a word or phrase after it"),
        ("OR dân", "OR needs a word or phrase on each side"),
        ("dân -vận OR khéo", "OR needs a word or phrase on each side"),
        ("dân NOT", "NOT needs a word or phrase after it"),
        ("title:", "title: needs a word or phrase after it"),
        ('"dân', "unbalanced quotes"),
        ("!!! ...", "no searchable words"),
        ("x" * 10_000, "query too long"),
        ('"' + "dân " * 200, "unbalanced quotes"),
        ("a" * 300, r"no searchable words in query 'a+'… \(a word of over 100 letters"),
    ],
)
def test_a_query_that_cannot_run_is_one_clear_line(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(query)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 200


def test_only_exclusions_need_a_filter() -> None:
    with pytest.raises(QueryError, match="only excludes"):
        SearchQuery("-dân").parsed()
    parsed = SearchQuery("-dân", SearchFilters(tag="Hương Sơn")).parsed()
    assert parsed.groups == () and len(parsed.excluded) == 1


def test_filters_alone_are_a_search() -> None:
    assert SearchQuery("", SearchFilters(with_images=True)).parsed().groups == ()
    with pytest.raises(QueryError, match="no searchable words"):
        SearchQuery("").parsed()


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-10-15", date(2024, 10, 15)),
        ("15/10/2024", date(2024, 10, 15)),
        ("1/2/2024", date(2024, 2, 1)),
    ],
)
def test_days_are_iso_or_day_first(text: str, day: date) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["2024-13-01", "31/02/2024", "10/15", "yesterday", ""])
def test_a_bad_day_names_itself(text: str) -> None:
    with pytest.raises(QueryError, match="is not a day"):
        parse_day(text)


def test_date_range_covers_whole_days_in_ha_tinh_time() -> None:
    start, stop = SearchFilters(
        date_from=date(2024, 10, 1), date_to=date(2024, 10, 31)
    ).time_range()
    assert start is not None and stop is not None
    assert start.isoformat() == "2024-10-01T00:00:00+07:00"
    assert stop.isoformat() == "2024-11-01T00:00:00+07:00"
    assert isinstance(start, datetime)


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(QueryError, match="before --from"):
        SearchFilters(date_from=date(2024, 10, 2), date_to=date(2024, 10, 1)).time_range()


def test_text_filters_compare_folded_and_need_a_letter() -> None:
    keys = SearchFilters(section="xay-dung-dang", author="Thu Hà", tag="DÂN VẬN KHÉO").keys()
    assert keys == {"section": "xay dung dang", "author": "thu ha", "tag": "dan van kheo"}
    with pytest.raises(QueryError, match="--author"):
        SearchFilters(author=" - ").keys()


@pytest.mark.parametrize("name", ["section", "author", "tag"])
def test_a_filter_word_longer_than_the_index_keeps_is_named_too_long(name: str) -> None:
    with pytest.raises(QueryError) as caught:
        SearchFilters(**{name: "a" * 300}).keys()  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"--{name} '{'a' * 80}'… has a word of 300 letters or digits")
    assert "too long to compare" in message and len(message) < 200


def test_an_unknown_sort_is_refused() -> None:
    with pytest.raises(QueryError, match="unknown sort"):
        SearchQuery("dân", sort="random").parsed()  # type: ignore[arg-type]
