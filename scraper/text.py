"""Text normalisation for everything the parser keeps (pure functions, no I/O).

Text is kept as printed: NFC only composes code points, so the two tone-mark placements
the newspaper uses (``hoà``/``hòa``, ``thuỷ``/``thủy``) both survive unchanged. Folding for
search (accents, ``đ`` → ``d``) is ``storage``'s job, not this module's.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that CMS editors paste in: they split words for search and for
# byte-wise comparison without changing what a reader sees. ZWJ is on the list as the brief
# asks: the archive keeps news text, not emoji sequences.
# (A regex, not str.translate with a table: translate walks the string in Python-level
# lookups and cost more than the rest of clean_text on long paragraphs.)
_INVISIBLE = re.compile(
    "["
    "\u200b"  # zero width space
    "\u200c"  # zero width non-joiner
    "\u200d"  # zero width joiner
    "\u2060"  # word joiner
    "\ufeff"  # zero width no-break space / BOM
    "\u00ad"  # soft hyphen
    # Bidirectional marks, embeddings, overrides and isolates: pasted from word processors
    # and right-to-left sources, meaningless in Vietnamese text.
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u061c"  # Arabic letter mark
    "\u202a-\u202e"  # embeddings and overrides, and their pop
    "\u2066-\u2069"  # isolates, and their pop
    "]"
)

# Some CMS pages escape twice, so the entity itself is printed; a reader sees a space.
_LITERAL_NBSP = re.compile(r"&nbsp;?", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Return ``text`` normalised for storage and comparison.

    Zero-width characters, soft hyphens and bidirectional marks (``U+200E`` …) are
    removed, the result is NFC-normalised, ``U+00A0`` and a literal ``&nbsp;`` become
    spaces, every run of whitespace becomes one space, and the ends are stripped. Never
    raises for a ``str``.
    """
    if not text:
        return ""
    # Remove invisible characters before NFC, so that a base letter and a combining mark
    # they separated can compose.
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    if "&" in text:
        text = _LITERAL_NBSP.sub(" ", text)
    # str.split() splits on every Unicode space, U+00A0 and U+202F included.
    return " ".join(text.split())


def same_text(a: str, b: str) -> bool:
    """Tell whether two strings read the same once cleaned and case-folded."""
    return clean_text(a).casefold() == clean_text(b).casefold()


def contains_text(haystack: str, needle: str) -> bool:
    """Tell whether ``needle`` occurs in ``haystack``, both cleaned and case-folded."""
    return clean_text(needle).casefold() in clean_text(haystack).casefold()
