"""Search folding: one function makes Vietnamese text comparable, without moving letters."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import storage.fold  # noqa: F401  (the module; the package exports a function of its name)
from storage.fold import fold, tokens, word_pairs

fold_module = sys.modules["storage.fold"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đảng", "dang"),
        ("ĐẢNG", "dang"),
        ("đ", "d"),
        ("Hương Sơn", "huong son"),
        ("Dân vận khéo", "dan van kheo"),
        ("DÂN VẬN KHÉO", "dan van kheo"),
        ("Nghệ Tĩnh", "nghe tinh"),
        ("Ðảng", "dang"),  # Icelandic eth typed for Đ
        ("Café", "cafe"),
        ("2019 – 2024", "2019 – 2024"),  # digits and punctuation stay
    ],
)
def test_fold_removes_case_diacritics_and_stroke(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("uỷ", "ủy"), ("Huyện uỷ", "Huyện ủy"), ("khoẻ", "khỏe")],
)
def test_both_tone_mark_placements_fold_alike(old_style: str, new_style: str) -> None:
    assert fold(old_style) == fold(new_style)


def test_decomposed_input_folds_like_composed() -> None:
    title = "Hương Sơn biểu dương mô hình Dân vận khéo"
    decomposed = unicodedata.normalize("NFD", title)
    assert decomposed != title
    assert fold(decomposed) == fold(title)


@pytest.mark.parametrize(
    "text",
    [
        "Hương Sơn biểu dương 19 mô hình “Dân vận khéo” giai đoạn 2019 - 2024",
        "İstanbul straße ǅ ﬁ",  # lower() of İ is two characters: the first is kept
        "한국어 中文 русский Ελληνικά",
        "x\u0301\u0302 e\u0301",  # marks with no precomposed letter
    ],
)
def test_fold_keeps_length_so_positions_map_back(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    assert len(fold(text)) == len(nfc)


@given(st.text())
def test_fold_is_length_preserving_for_any_text(text: str) -> None:
    assert len(fold(text)) == len(unicodedata.normalize("NFC", text))


def test_match_position_in_folded_text_is_valid_in_original() -> None:
    original = "Ban Thường vụ Huyện ủy Hương Sơn tổ chức hội nghị"
    start = fold(original).index("huyen uy")
    assert original[start : start + len("huyen uy")] == "Huyện ủy"


def test_other_scripts_keep_their_letters() -> None:
    assert fold("한국어") == "한국어"  # Hangul recomposes after decomposition
    assert fold("РУССКИЙ") == "русскии"  # й loses its breve like any diacritic


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Dân vận khéo", ["dan", "van", "kheo"]),
        ("giai đoạn 2019-2024", ["giai", "doan", "2019", "2024"]),
        ("50,8 tỷ đồng", ["50", "8", "ty", "dong"]),
        ("snake_case", ["snake", "case"]),
        ("“Dân vận khéo”!", ["dan", "van", "kheo"]),
        ("  ...  ", []),
        ("ab\u0302c", ["abc"]),  # a leftover mark stays inside its word
    ],
)
def test_tokens_are_folded_letter_and_digit_runs(text: str, words: list[str]) -> None:
    assert tokens(text) == words


@given(st.text())
def test_word_pairs_split_both_forms_where_the_folded_words_are(text: str) -> None:
    # The fast path splits the folded and the lower-case text apart; it must agree with
    # cutting each folded word's span out of the lower-case text.
    nfc = unicodedata.normalize("NFC", text)
    lowered = fold_module._lower_same_length(nfc)
    folded = fold(nfc)
    strip = fold_module._MARK_RE.search(lowered) is not None
    assert word_pairs(text) == fold_module._pairs_by_spans(lowered, folded, strip)


@pytest.mark.parametrize(
    "text",
    [
        "Huyện uỷ Thạch Hà",
        "hoà thuỷ khoẻ quý Hoà_bình THUỶ hoàng hoặc khoèo uỷ-ban",
        "a²b c₂d ŉ ǅx",
        "x\u0301y",
        "Ⅻ ⑫ ﬁ İstanbul",
        "đ-ð_ɖ",
    ],
)
def test_word_pairs_agree_with_the_spans_on_odd_letters(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    lowered = fold_module._lower_same_length(nfc)
    strip = fold_module._MARK_RE.search(lowered) is not None
    assert word_pairs(text) == fold_module._pairs_by_spans(lowered, fold(nfc), strip)


@given(st.text())
def test_word_spans_are_the_token_spans_as_two_lists(text: str) -> None:
    folded = fold(text)
    expected = list(fold_module.token_spans(folded))
    spans, words = fold_module.word_spans(folded)
    assert spans == [(start, end) for start, end, _ in expected]
    assert words == [word for _, _, word in expected]


@pytest.mark.parametrize("text", ["a" * 101 + " b", "x\u0301y z", "", " . ", "hồ chí minh"])
def test_word_spans_leave_out_what_token_spans_leave_out(text: str) -> None:
    folded = fold(text)
    assert fold_module.word_spans(folded)[1] == [w for _, _, w in fold_module.token_spans(folded)]


@given(st.text())
def test_an_exact_word_unlike_its_folded_word_is_never_a_folded_word(text: str) -> None:
    # The SQLite index writes such words unmarked (storage.index.sqlite_exact_word): no
    # folded word may equal them, or an exact query would find folded ones.
    for folded, exact in word_pairs(text):
        assert exact == folded or fold(exact) != exact


# --- word_pairs token by token ------------------------------------------------------------


def _reference_word_pairs(text: str) -> list[tuple[str, str]]:
    """``word_pairs`` as it was written before it went token by token (whole text at once),
    kept here verbatim as the specification of its output."""
    m = fold_module
    nfc = unicodedata.normalize("NFC", text)
    lowered = m._lower_same_length(nfc)
    folded = nfc.translate(m._TABLE)
    strip = m._MARK_RE.search(lowered) is not None
    if not strip:
        words, exacts = m._WORD_RE.findall(folded), m._WORD_RE.findall(lowered)
        if len(words) == len(exacts):
            if m._OLD_STYLE_IN_TEXT.search(lowered):
                exacts = [m.exact_word(exact) for exact in exacts]
            return [
                pair
                for pair in zip(words, exacts, strict=True)
                if len(pair[0]) <= m.MAX_TOKEN_LENGTH
            ]
    return m._pairs_by_spans(lowered, folded, strip)


_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())

# Pieces of text that exercise every special case of the whole-text way: Vietnamese
# letters of both cases and both tone placements, "q" before "uy", combining marks with
# and without a precomposed letter, letters whose lower() is two characters (İ) or depends
# on context (Σ), letters that fold to several or none, over-long words, punctuation,
# every kind of whitespace.
_PIECES = st.sampled_from(
    [
        *"aAoOeEuUyYqQđĐiIìÌ_-.,“”()0123456789",
        *"àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴươƯƠâÂêÊôÔăĂ",
        "hoà",
        "Hoà",
        "HOÀ",
        "thuỷ",
        "THUỶ",
        "quý",
        "quỳ",
        "khoẻ",
        "uỷ",
        "Huyện",
        "đảng",
        "\u0300",
        "\u0301",
        "\u0302",
        "\u0309",
        "\u0323",
        "\u1ab0",
        "\u20d0",
        "x\u0301",
        "İ",
        "Σ",
        "ΑΣ",
        "ς",
        "ǅ",
        "ﬁ",
        "ß",
        "ŉ",
        "²",
        "Ⅻ",
        "한국어",
        "\ue000",
        "a" * 100,
        "b" * 101,
        "ô" * 101,
        *_WHITESPACE,
    ]
)
_TEXTS = st.one_of(st.lists(_PIECES, max_size=40).map("".join), st.text())


@given(_TEXTS)
def test_word_pairs_are_the_whole_text_pairs(text: str) -> None:
    # Tokens met by earlier examples come from the remembered tables, new ones are learnt:
    # both ways must give what the whole text at once gives.
    assert word_pairs(text) == _reference_word_pairs(text)
    assert word_pairs(text) == _reference_word_pairs(text)


@given(_TEXTS)
def test_word_pairs_from_fresh_tables_are_the_whole_text_pairs(text: str) -> None:
    saved = fold_module._token_pairs
    fold_module._token_pairs = fold_module._TokenPairs()
    try:
        assert word_pairs(text) == _reference_word_pairs(text)
    finally:
        fold_module._token_pairs = saved


@given(st.lists(_TEXTS, max_size=5))
def test_word_pairs_of_a_text_do_not_depend_on_texts_before_it(texts: list[str]) -> None:
    for text in texts:
        assert word_pairs(text) == _reference_word_pairs(text)


@pytest.mark.parametrize(
    "text",
    [
        "Huyện uỷ Thạch Hà",  # an old-style tone fixes every word of the text
        "hoà bình\u00a0ΑΣ\u2003quý",
        "ΑΣ İstanbul",  # İ elsewhere lowers the whole text letter by letter: σ, not ς
        "ΑΣ\u3000Β Σ\x1cα",
        "x\u0301y z hoà",  # a leftover mark: the long way, for the whole text
        "a" * 100 + " " + "b" * 101 + " hoà",
        "",
        " \t\n ",
    ],
)
def test_word_pairs_agree_with_the_whole_text_on_known_cases(text: str) -> None:
    assert word_pairs(text) == _reference_word_pairs(text)


@pytest.mark.parametrize("space", list(_WHITESPACE))
def test_whitespace_ends_the_context_of_lower_case_sigma(space: str) -> None:
    # word_pairs lowers each whitespace-delimited token alone; that is the same as lowering
    # the whole text only because no whitespace is "case-ignorable" to str.lower(), which
    # looks past such characters to decide whether Σ ends a word (ς) or not (σ).
    assert ("AΣ" + space + "B").lower()[1] == "ς"
    assert ("A" + space + "Σ").lower()[-1] == "σ"


def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fold_module, "_TOKEN_CACHE_SIZE", 10)
    monkeypatch.setattr(fold_module, "_token_pairs", fold_module._TokenPairs())
    text = " ".join(f"từ{n}" for n in range(30))
    for _ in range(3):
        assert word_pairs(text) == _reference_word_pairs(text)
    assert len(fold_module._token_pairs.plain) <= 10 + 30
