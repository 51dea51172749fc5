"""Search folding: one Python function for the index and the query, on every database.

``fold`` turns Vietnamese text into the form that search compares: lower case, tone marks
and other diacritics removed, ``đ``/``Đ`` turned into ``d`` (Unicode gives ``đ`` no
decomposition, so plain accent stripping would leave it). Both tone-mark placements
(``hoà``/``hòa``, ``thuỷ``/``thủy``) fold alike, because after NFC each is one character
that folds to its base letter.

Folding is *length-preserving*: each character of the NFC text becomes exactly one
character, so a match found at ``[i, j)`` in ``fold(text)`` sits at ``[i, j)`` in
``unicodedata.normalize("NFC", text)``. Snippets are cut from the original text that way.

``tokens`` splits folded text into the words the index holds. SQLite and PostgreSQL each
tokenise differently (PostgreSQL reads ``2019-2024`` as ``2019`` and ``-2024``), so the
store hands both databases words already split here, and both agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate, chain

__all__ = [
    "MAX_TOKEN_LENGTH",
    "exact_word",
    "fold",
    "fold_char",
    "token_spans",
    "tokens",
    "word_pairs",
]

# Longer "words" are noise (base64, hashes); PostgreSQL refuses lexemes over 2047 bytes.
MAX_TOKEN_LENGTH = 100

# A word is a run of letters and digits; "_" is punctuation here (it is for both indexes).
# Combining marks left over by NFC (a letter with no precomposed form) stay inside the
# word they sit on, and are dropped from the word itself.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD_RE = re.compile(r"[^\W_]+")
_WORD_SPLIT_RE = re.compile(r"([^\W_]+)")
_WORD_WITH_MARKS_RE = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*")
_MARK_RE = re.compile(rf"[{_MARKS}]")

# Letters that have no decomposition but read as a plain Latin letter to a Vietnamese
# reader. U+00D0/U+00F0 (Icelandic eth) and U+0189/U+0256 (African D) get typed in place
# of Đ/đ by some keyboards and fonts.
_SPECIAL = {"đ": "d", "ð": "d", "ɖ": "d", "ø": "o", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i"}

# Precomputed range: Basic Latin to Latin Extended-B, combining marks, and Latin Extended
# Additional (every precomposed Vietnamese letter lives in U+1EA0–U+1EF9).
_TABLE_RANGES = ((0x0000, 0x0250), (0x0300, 0x0370), (0x1E00, 0x1F00))


def fold_char(char: str) -> str:
    """Return the one-character folded form of ``char`` (a single code point)."""
    lower = char.lower()[:1] or char  # "İ".lower() is two characters: keep the first
    if lower in _SPECIAL:
        return _SPECIAL[lower]
    marks_removed = "".join(
        part for part in unicodedata.normalize("NFD", lower) if not unicodedata.combining(part)
    )
    # Recompose what is left: a Hangul syllable decomposes into letters, not marks, and
    # must come back whole. A lone combining mark folds to itself (lengths stay equal).
    base = unicodedata.normalize("NFC", marks_removed)
    if len(base) != 1:
        return lower
    return _SPECIAL.get(base, base)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table: the common range built once, other characters folded
    on first sight and remembered (at most one entry per distinct code point)."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


def _build_table() -> _FoldTable:
    table = _FoldTable()
    for start, stop in _TABLE_RANGES:
        for codepoint in range(start, stop):
            table[codepoint] = fold_char(chr(codepoint))
    return table


_TABLE = _build_table()


def fold(text: str) -> str:
    """Return ``text`` NFC-normalised, lower-cased, without diacritics, ``đ`` as ``d``.

    The result has the same length as ``unicodedata.normalize("NFC", text)``, character
    for character.
    """
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def token_spans(folded: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, word)`` for each indexable word of already-folded text."""
    has_marks = _MARK_RE.search(folded) is not None  # rare: keep the common path fast
    for match in (_WORD_WITH_MARKS_RE if has_marks else _WORD_RE).finditer(folded):
        word = _MARK_RE.sub("", match.group()) if has_marks else match.group()
        if len(word) <= MAX_TOKEN_LENGTH:
            yield match.start(), match.end(), word


def word_spans(folded: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Return the ``(start, end)`` spans and the words that ``token_spans`` yields, as two
    lists: the same words, built without a Python step per word in the common case (text
    without stray combining marks or over-long tokens), which snippets of long bodies need.
    """
    if _MARK_RE.search(folded) is None:
        # [gap, word, gap, word, …, gap]: the running sum of lengths gives every span.
        pieces = _WORD_SPLIT_RE.split(folded)
        words = pieces[1::2]
        if max(map(len, words), default=0) <= MAX_TOKEN_LENGTH:
            ends = list(accumulate(map(len, pieces)))
            return list(zip(ends[0:-1:2], ends[1::2], strict=True)), words
    found = list(token_spans(folded))
    return [(start, end) for start, end, _ in found], [word for _, _, word in found]


def tokens(text: str) -> list[str]:
    """Return the indexable words of ``text`` after folding, in order."""
    return [word for _, _, word in token_spans(fold(text))]


# --- the exact form ----------------------------------------------------------------------

# Vietnamese writes the tone of a word-final "oa", "oe", "uy" on either vowel: the old
# style "hoà", "khoẻ", "thuỷ", the new style "hòa", "khỏe", "thủy". Both are the same word
# with the same diacritics, so the exact form moves the tone to the first vowel (new
# style). After "q" the "u" belongs to the consonant ("quý"), so it is left alone.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_OLD_STYLE_TONE = re.compile(rf"(?<!q)(o)([ae])([{_TONES}])$|(?<!q)(u)(y)([{_TONES}])$")


# The same, found in NFC text (tone and vowel one character) at the end of any word of it.
_OLD_STYLE_IN_TEXT = re.compile(r"(?<!q)(?:o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?![^\W_])")


def _new_style_tone(match: re.Match[str]) -> str:
    first, second, tone = (group for group in match.groups() if group is not None)
    return first + tone + second


@lru_cache(maxsize=1 << 16)  # Vietnamese has a few thousand syllables: nearly all hits
def exact_word(word: str) -> str:
    """Return one lower-case word with its diacritics, tone marks placed the new way.

    ``exact_word("uỷ") == exact_word("ủy") == "ủy"``; ``exact_word("quý") == "quý"``.
    """
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", _OLD_STYLE_TONE.sub(_new_style_tone, decomposed))


def _lower_same_length(nfc: str) -> str:
    lowered = nfc.lower()
    if len(lowered) == len(nfc):
        return lowered
    # "İ".lower() is two characters: keep the first, so positions still line up.
    return "".join(char.lower()[:1] or char for char in nfc)


# Per whitespace-delimited token of NFC text, what ``word_pairs`` makes of it: news text
# repeats a few thousand syllables, so nearly every token of a page has been seen before.
# Bounded: a new set of tables replaces a full one (see ``_TokenPairs``); 32,768 tokens
# hold some 20 MB at most (measured on tokens of a word and a number each).
_TOKEN_CACHE_SIZE = 1 << 15


class _TokenPairs:
    """``word_pairs`` of single tokens (runs of non-whitespace NFC text), remembered.

    ``old_style``: the tokens holding an old-style tone (``_OLD_STYLE_IN_TEXT``): a text
    with one of them has ``exact_word`` applied to every exact word. ``plain[token]``: the
    pairs of ``token`` as such a text or any other holds them (exact words as cut from the
    lower-case text, fixed by ``exact_word`` for an old-style token); ``tone_fixed[token]``:
    those of a token without an old-style tone in a text with one, where they differ from
    ``plain`` (hardly ever: ``exact_word`` changes little but old-style tones). A token
    that the whole-text way treats specially (a length-changing ``lower()``, a combining
    mark left by NFC, folded and lower-case words splitting apart) is never remembered.
    """

    __slots__ = ("old_style", "plain", "tone_fixed")

    def __init__(self) -> None:
        self.plain: dict[str, list[tuple[str, str]]] = {}
        self.tone_fixed: dict[str, list[tuple[str, str]]] = {}
        self.old_style: set[str] = set()

    def learn(self, token: str) -> list[tuple[str, str]] | None:
        """Remember ``token`` and return its plain pairs; None if the whole text must be
        taken the long way."""
        lowered = token.lower()
        if len(lowered) != len(token) or _MARK_RE.search(lowered) is not None:
            return None
        words, exacts = _WORD_RE.findall(token.translate(_TABLE)), _WORD_RE.findall(lowered)
        if len(words) != len(exacts):
            return None
        plain = [
            pair for pair in zip(words, exacts, strict=True) if len(pair[0]) <= MAX_TOKEN_LENGTH
        ]
        fixed = [(word, exact_word(exact)) for word, exact in plain]
        if _OLD_STYLE_IN_TEXT.search(lowered):
            plain = fixed  # a text holding this token is a text with an old-style tone
            self.old_style.add(token)
        elif fixed != plain:
            self.tone_fixed[token] = fixed
        self.plain[token] = plain
        return plain


_token_pairs = _TokenPairs()


def word_pairs(text: str) -> list[tuple[str, str]]:
    """Return ``(folded, exact)`` for each indexable word of ``text``, in order.

    Both lists of words split the text at the same places, so a phrase sits at the same
    positions in each: ``word_pairs("Huyện uỷ") == [("huyen", "huyện"), ("uy", "ủy")]``.

    The same pairs as ``_whole_text_pairs`` (the reference, tested to agree on any text),
    put together from the pairs of each whitespace-delimited token: no word runs across
    whitespace, and neither does the context of ``str.lower()`` (final sigma).
    """
    global _token_pairs
    nfc = unicodedata.normalize("NFC", text)
    cache = _token_pairs  # one set of tables for the whole call, even if replaced meanwhile
    if len(cache.plain) > _TOKEN_CACHE_SIZE:
        cache = _token_pairs = _TokenPairs()
    tokens_ = nfc.split()
    found = list(map(cache.plain.get, tokens_))
    if None in found:
        for index, token in enumerate(tokens_):
            if found[index] is None:
                pairs = cache.plain.get(token)
                if pairs is None:
                    pairs = cache.learn(token)
                    if pairs is None:
                        return _whole_text_pairs(nfc)
                found[index] = pairs
    # An old-style tone anywhere makes the whole-text way fix up every exact word.
    if cache.tone_fixed and not cache.old_style.isdisjoint(tokens_):
        found = list(map(cache.tone_fixed.get, tokens_, found))  # default: the plain pairs
    return list(chain.from_iterable(found))


def _whole_text_pairs(text: str) -> list[tuple[str, str]]:
    """``word_pairs`` of the whole text at once: the reference for the token-wise way."""
    nfc = unicodedata.normalize("NFC", text)
    lowered = _lower_same_length(nfc)
    folded = nfc.translate(_TABLE)
    # A mark left over by NFC (no precomposed letter) is dropped here as in the folded word.
    strip = _MARK_RE.search(lowered) is not None
    if not strip:
        # The common case, in C: folding keeps letters letters and the rest not, so both
        # texts split into words at the same places (checked by the counts, and by a test).
        words, exacts = _WORD_RE.findall(folded), _WORD_RE.findall(lowered)
        if len(words) == len(exacts):
            if _OLD_STYLE_IN_TEXT.search(lowered):
                exacts = [exact_word(exact) for exact in exacts]
            # else every word is already its exact form (NFC, lower case, tones placed
            # the new way): no call per word.
            return [
                pair for pair in zip(words, exacts, strict=True) if len(pair[0]) <= MAX_TOKEN_LENGTH
            ]
    return _pairs_by_spans(lowered, folded, strip)


def _pairs_by_spans(lowered: str, folded: str, strip: bool) -> list[tuple[str, str]]:
    """``word_pairs`` the long way: each folded word's span cut out of the lower-case text."""
    return [
        (word, exact_word(_MARK_RE.sub("", lowered[start:end]) if strip else lowered[start:end]))
        for start, end, word in token_spans(folded)
    ]
