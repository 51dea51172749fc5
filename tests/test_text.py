"""clean_text: text kept as printed, but comparable byte for byte."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.text import clean_text, contains_text, same_text


def test_nfd_is_composed_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Xây dựng Đảng")
    assert decomposed != "Xây dựng Đảng"
    assert clean_text(decomposed) == "Xây dựng Đảng"


def test_no_break_spaces_become_spaces() -> None:
    assert clean_text("Sáng 15/10,\u00a0Ban Thường vụ") == "Sáng 15/10, Ban Thường vụ"


def test_a_literal_nbsp_entity_becomes_a_space() -> None:
    # Pages escaped twice print the entity itself; a reader sees a space.
    assert clean_text("Hà&nbsp;Tĩnh and Hà&NBSP;Tĩnh") == "Hà Tĩnh and Hà Tĩnh"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"])
def test_zero_width_characters_are_removed(invisible: str) -> None:
    assert clean_text(f"Hương Sơn{invisible} cùng") == "Hương Sơn cùng"
    assert clean_text(f"Đả{invisible}ng") == "Đảng"


@pytest.mark.parametrize(
    "mark",
    ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]
    + ["\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_bidirectional_marks_are_removed(mark: str) -> None:
    assert clean_text(f"{mark}Hà{mark} Tĩnh{mark}") == "Hà Tĩnh"
    assert clean_text(f"Hà{mark}Tĩnh") == "HàTĩnh"


def test_a_zero_width_space_inside_a_decomposed_letter_does_not_block_composition() -> None:
    # "ả" written as a + U+0309 with a zero-width space between them.
    assert clean_text("Đa\u200b\u0309ng") == "Đảng"


def test_whitespace_runs_collapse_and_ends_are_stripped() -> None:
    assert clean_text("  Hà\t\tTĩnh \n\n  hôm nay\u202f ") == "Hà Tĩnh hôm nay"


def test_tone_mark_placement_is_kept_as_printed() -> None:
    # Both spellings appear in the newspaper; neither is "corrected" into the other.
    assert clean_text("hoà bình") == "hoà bình"
    assert clean_text("hòa bình") == "hòa bình"
    assert clean_text("thuỷ lợi, uỷ ban") == "thuỷ lợi, uỷ ban"


def test_empty_input_gives_empty_text() -> None:
    assert clean_text("") == ""
    assert clean_text(" \u00a0\u200b ") == ""


def test_same_text_and_contains_text_ignore_case_form_and_spacing() -> None:
    assert same_text(unicodedata.normalize("NFD", "ĐỌC THÊM "), "Đọc thêm")
    assert contains_text("  Đọc\u00a0thêm  ›", "đọc thêm")
    assert not contains_text("Đọc nhiều", "Đọc thêm")


@given(st.text())
def test_clean_text_is_idempotent_and_normalised(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\u200b" not in cleaned and "\u00a0" not in cleaned
