"""The article body: noise removal, images, paragraphs and cleaned HTML (pure, no I/O).

The functions work on the body container element of a parsed page and, where they say
so, change it in place (the parser owns the tree it builds and never reuses it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import lxml.html

from .css import closest, forget
from .document import (
    BLOCK_TAGS,
    NO_TEXT_TAGS,
    Element,
    all_matches,
    element_text,
    first_match,
    is_inside,
    union_matches,
)
from .profile import SiteProfile
from .records import Image
from .text import clean_text
from .urls import join_or_none

# A byline paragraph is short: a name or two ("Thu Hà - Minh Phúc"), never a sentence.
_BYLINE_MAX_WORDS = 8
# One Vietnamese name has at most about six words (Nguyễn Thị Thu Hà has four).
_NAME_MAX_WORDS = 6
# Between the names of a shared byline.
_NAME_SEPARATORS = re.compile(r"\s+[-–—&]\s+|\s*,\s*|\s+và\s+")
# Punctuation of a sentence, a question, a heading or an aside: never in a name.
_NOT_IN_NAMES = frozenset('!?:;()[]…"“”')
_NOT_OPENING_NAMES = tuple("-–—*+•")
# The credit label some bylines open with ("Nội dung: Thu Hà", "Bài và ảnh: Minh Phúc"):
# the author is the name after it.
_BYLINE_LABEL = re.compile(
    r"^(?:bài và ảnh|bài, ảnh|bài - ảnh|bài|nội dung|thực hiện|tác giả)\s*:\s*", re.IGNORECASE
)
_BOLD_TAGS = frozenset({"b", "strong"})


def drop_elements(elements: Iterable[Element]) -> None:
    """Remove each element with its content, keeping the text that follows it."""
    for element in elements:
        if element.getparent() is not None:
            forget(element)  # the selector index must not find it any more
            element.drop_tree()


def body_images(body: Element, base: str, profile: SiteProfile) -> list[Image]:
    """Return the body's images in reading order, each URL once.

    The URL is the first usable one of the profile's ``image_src_attrs`` (``data-src``
    before ``src``, whose value is often a ``data:`` placeholder), made absolute against
    ``base``; each image's ``src`` is rewritten to it so that ``body_html`` shows it.
    The caption is the first ``caption`` match inside the nearest ``image_box``.
    """
    images: list[Image] = []
    seen: set[str] = set()
    for img in all_matches(body, profile.select("image")):
        url = image_url(img, base, profile)
        if url is None or url in seen:
            continue
        seen.add(url)
        img.set("src", url)
        caption = _caption(img, body, profile)
        alt = clean_text(img.get("alt") or "") or None
        images.append(Image(url=url, caption=caption, alt=alt, position=len(images)))
    return images


def image_url(img: Element, base: str, profile: SiteProfile) -> str | None:
    """Return the absolute URL of the real image behind ``img``, or ``None``.

    The profile's ``image_src_attrs`` are tried in order; from a ``srcset`` (or
    ``data-srcset``) the largest candidate is taken.
    """
    for attribute in profile.select("image_src_attrs"):
        value = (img.get(attribute) or "").strip()
        if value and attribute.endswith("srcset"):
            value = _largest_candidate(value)
        if value and not value.lower().startswith(("data:", "javascript:", "about:")):
            url = join_or_none(base, value)
            if url is not None:
                return url
    return None


# One srcset candidate: its URL (trailing commas end it) and its descriptors up to a comma.
_SRCSET_URL = re.compile(r"[\s,]*(\S+)")
_DESCRIPTOR = re.compile(r"(\d+(?:\.\d+)?)[wx]$")


def _largest_candidate(srcset: str) -> str:
    """The URL of the largest candidate of a ``srcset`` (by its ``w`` or ``x``
    descriptor; one without counts as ``1x``), the first of equals; ``""`` when none."""
    best, best_size = "", 0.0
    position = 0
    while match := _SRCSET_URL.match(srcset, position):
        url, position = match.group(1), match.end()
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = srcset.find(",", position)
            end = len(srcset) if end < 0 else end
            descriptor, position = srcset[position:end].strip(), end
        size_match = _DESCRIPTOR.search(descriptor)
        size = float(size_match.group(1)) if size_match else 1.0
        if url and size > best_size:
            best, best_size = url, size
    return best


def _caption(img: Element, body: Element, profile: SiteProfile) -> str | None:
    box = closest(img, ", ".join(profile.select("image_box")))
    if box is None or box is body or not is_inside(box, body):
        return None
    found = first_match(box, profile.select("caption"))
    return (element_text(found) or None) if found is not None else None


def body_html(body: Element) -> str:
    """Serialise the (cleaned) body container, NFC-normalised, without its tail."""
    html = lxml.html.tostring(body, encoding="unicode", method="html", with_tail=False)
    return unicodedata.normalize("NFC", html)


def body_paragraphs(body: Element, skip: Iterable[Element] = ()) -> list[str]:
    """Return the body's text blocks in reading order, one string per paragraph.

    Every block element whose content is only inline gives one paragraph (``p``, ``h2``,
    ``li``, a ``.notebox`` of plain text …); a block holding other blocks is read through,
    and loose text between its children becomes a paragraph of its own, as a browser
    lays it out. Two or more ``<br>`` in a row (a blank line) end a paragraph too.
    Elements in ``skip`` (captions) give nothing; empty blocks are dropped.
    """
    paragraphs: list[str] = []
    _walk(body, set(skip), paragraphs)
    return paragraphs


def _walk(element: Element, skip: set[Element], out: list[str]) -> None:
    run: list[Element | str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in NO_TEXT_TAGS or child in skip:
            pass
        elif tag in BLOCK_TAGS or _holds_block(child):
            _flush(run, out)
            _walk(child, skip, out)
            run = []
        elif tag == "br" and _ends_with_br(run):
            # A blank line (<br><br>) is how old and migrated bodies end a paragraph.
            _flush(run, out)
        else:
            run.append(child)
        run.append(child.tail or "")
    _flush(run, out)


def _ends_with_br(run: list[Element | str]) -> bool:
    """Tell whether ``run`` ends with a ``<br>``, give or take blank text after it."""
    for piece in reversed(run):
        if not isinstance(piece, str):
            return piece.tag == "br"
        if piece.strip():
            return False
    return False


def _holds_block(element: Element) -> bool:
    """Tell whether an inline element wraps blocks (``<a><div>…</div></a>`` happens)."""
    return any(
        isinstance(node.tag, str) and node.tag in BLOCK_TAGS for node in element.iterdescendants()
    )


def _flush(run: list[Element | str], out: list[str]) -> None:
    text = clean_text(_join_inline(run))
    if text:
        out.append(text)
    run.clear()


def _join_inline(run: list[Element | str]) -> str:
    # Inline elements join their neighbours without a space ("Đ<i>ảng</i>" is one word);
    # element_text adds spaces only for <br> and blocks inside them.
    parts: list[str] = []
    for piece in run:
        if isinstance(piece, str):
            parts.append(piece)
        else:
            parts.append(_inline_text(piece))
    return "".join(parts)


def _inline_text(element: Element) -> str:
    if element.tag == "br":
        return " "
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in NO_TEXT_TAGS:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def bold_byline(body: Element, profile: SiteProfile) -> str | None:
    """Return the last paragraph's text, less a credit label ("Nội dung:"), when it is a
    short line set wholly in bold that reads as a name or names.

    Some articles print their author only that way (SITE.md marks it a guess), so the
    caller uses this as the last resort for the author. Paragraphs in image captions are
    passed over; closing lines that are no name ("(Còn nữa)", "Kỳ 2: …", "Xin trân
    trọng cảm ơn ông!") give ``None``.
    """
    captions = union_matches(body, profile.select("caption"))
    for paragraph in reversed(list(body.iter("p"))):
        text = element_text(paragraph)
        if not text or any(is_inside(paragraph, caption) for caption in captions):
            continue
        if _unbold_text(paragraph).strip() or len(text.split()) > _BYLINE_MAX_WORDS:
            return None
        names = _BYLINE_LABEL.sub("", text)
        return names if _reads_as_names(names, profile) else None
    return None


def _reads_as_names(text: str, profile: SiteProfile) -> bool:
    """Tell whether ``text`` has the shape of a byline: one or a few short names, without
    a sentence's punctuation, a list's dash, or a closing formula of the profile."""
    if not text or text.startswith(_NOT_OPENING_NAMES) or _NOT_IN_NAMES & set(text):
        return False
    if any(len(name.split()) > _NAME_MAX_WORDS for name in _NAME_SEPARATORS.split(text)):
        return False
    words = text.casefold().split()
    for phrase in profile.select("byline_not_words"):
        if words[: len(phrase.split())] == clean_text(phrase).casefold().split():
            return False
    series = {clean_text(word).casefold() for word in profile.select("byline_series_words")}
    return not (len(words) > 1 and words[0] in series and _is_number(words[1]))


def _is_number(word: str) -> bool:
    """An arabic or roman number, as a series writes its parts ("Kỳ 2", "Phần II")."""
    word = word.rstrip(".,-–:")
    return word.isdigit() or (bool(word) and set(word) <= set("ivxlc"))


def _unbold_text(element: Element) -> str:
    """The text of ``element`` outside its ``<b>``/``<strong>`` children."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _BOLD_TAGS | NO_TEXT_TAGS:
            parts.append(_unbold_text(child))
        parts.append(child.tail or "")
    return clean_text("".join(parts))
