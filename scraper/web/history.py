"""The revision history as the article page shows it: what changed, field by field.

The revisions are read through ``storage.revisions.list_revisions``; this module is the
web's own presentation of them: the fields a reader compares, labelled in Vietnamese,
line by line, and inside an edited line which words changed (``<strong>`` on the page).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from storage import Store
from storage.convert import CONTENT_FIELDS
from storage.revisions import list_revisions

__all__ = ["DiffLine", "FieldChange", "Revision", "revisions"]


# --- revisions ---------------------------------------------------------------------------

_LABELS = {
    "title": "Tiêu đề",
    "lead": "Sapo",
    "published_at": "Thời gian đăng",
    "updated_at": "Thời gian cập nhật",
    "author": "Tác giả",
    "section": "Chuyên mục",
    "tags": "Từ khóa",
    "body_paragraphs": "Nội dung",
    "images": "Ảnh",
    "related": "Bài liên quan",
}
# The fields a reader compares between two versions, in reading order, as labelled: all
# those that make a new revision (a field left out showed its revision as no difference).
# A field without a label fails here, at import, not on a reader's page.
_COMPARED = tuple((name, _LABELS[name]) for name in CONTENT_FIELDS)
_RELATED_KINDS = {"doc-them": "Đọc thêm", "inline": "Trong bài"}

@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a field's difference: ``kind`` is same, removed, added or skipped (then
    ``text`` is how many unchanged lines were folded). ``segments`` split the text into
    ``(words, changed)`` runs, so a reader sees which words of a paragraph changed."""

    kind: Literal["same", "removed", "added", "skipped"]
    text: str
    segments: tuple[tuple[str, bool], ...] = ()


DiffOp = DiffLine
# Unchanged lines shown around each change; longer unchanged runs fold into one "…".
_CONTEXT = 1


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs from the previous revision, line by line."""

    name: str
    label: str
    lines: list[DiffOp]


@dataclass(frozen=True, slots=True)
class Revision:
    """One archived version of an article and what changed since the one before."""

    number: int
    seen_at: datetime
    title: str
    changes: list[FieldChange]


def revisions(store: Store, article_id: str) -> list[Revision]:
    """Return the revisions of the article with site id ``article_id``, oldest first.

    Each revision but the first lists its changes against the previous one, field by
    field. Raises ``ArticleNotFound`` for an unknown article, ``StoreError`` if the
    database refuses.
    """
    out: list[Revision] = []
    previous: Mapping[str, Any] | None = None
    for info in list_revisions(store, article_id):
        changes = _changes(previous, info.snapshot) if previous is not None else []
        out.append(Revision(info.number, info.seen_at, info.title, changes))
        previous = info.snapshot
    return out


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    found = []
    for name, label in _COMPARED:
        old, new = _lines(name, before.get(name)), _lines(name, after.get(name))
        if old != new:
            found.append(FieldChange(name, label, _line_diff(old, new)))
    return found


def _lines(name: str, value: Any) -> list[str]:
    """A snapshot field as lines of text: one per paragraph, tag, image or link."""
    if value is None:
        return []
    if name == "images":
        return [_image_line(image) for image in value]
    if name == "related":
        return [_related_line(link) for link in value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def _image_line(image: Mapping[str, Any]) -> str:
    """Every part of an image the content hash covers: place, caption, URL, alt text."""
    alt = image.get("alt")
    parts = [
        f"Ảnh {int(image.get('position') or 0) + 1}",
        image.get("caption") or "",
        image.get("url") or "",
        f"văn bản thay thế: {alt}" if alt else "",
    ]
    return " — ".join(part for part in parts if part)


def _related_line(link: Mapping[str, Any]) -> str:
    """Every part of a related link the content hash covers: kind, title, URL, summary."""
    kind = str(link.get("kind") or "")
    summary = link.get("summary")
    parts = [
        f"[{_RELATED_KINDS.get(kind, kind)}] {link.get('title') or ''}".strip(),
        link.get("url") or "",
        f"tóm tắt: {summary}" if summary else "",
    ]
    return " — ".join(part for part in parts if part)


def _line_diff(old: list[str], new: list[str]) -> list[DiffOp]:
    ops: list[DiffOp] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            at_end = i2 == len(old) and j2 == len(new)
            ops += _context(old[i1:i2], first=i1 == 0 and j1 == 0, last=at_end)
            continue
        removed, added = old[i1:i2], new[j1:j2]
        if len(removed) == len(added):  # edited in place: show which words changed
            pairs = list(zip(removed, added, strict=True))
            words = [_word_diff(before, after) for before, after in pairs]
            ops += [DiffLine("removed", b, w[0]) for (b, _), w in zip(pairs, words, strict=True)]
            ops += [DiffLine("added", a, w[1]) for (_, a), w in zip(pairs, words, strict=True)]
        else:
            ops += [DiffLine("removed", line, ((line, True),)) for line in removed]
            ops += [DiffLine("added", line, ((line, True),)) for line in added]
    return ops


Segments = tuple[tuple[str, bool], ...]


def _word_diff(before: str, after: str) -> tuple[Segments, Segments]:
    """Return both lines as ``(text, changed)`` runs, word by word (spaces kept)."""
    old, new = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    old_runs: list[tuple[str, bool]] = []
    new_runs: list[tuple[str, bool]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append_run(old_runs, "".join(old[i1:i2]), tag != "equal")
        _append_run(new_runs, "".join(new[j1:j2]), tag != "equal")
    return tuple(old_runs), tuple(new_runs)


def _append_run(runs: list[tuple[str, bool]], text: str, changed: bool) -> None:
    if not text:
        return
    if runs and runs[-1][1] == changed:
        runs[-1] = (runs[-1][0] + text, changed)
    else:
        runs.append((text, changed))


def _context(same: list[str], *, first: bool, last: bool) -> list[DiffOp]:
    """Keep ``_CONTEXT`` unchanged lines next to each change and fold the rest."""
    keep_head = 0 if first else _CONTEXT
    keep_tail = 0 if last else _CONTEXT
    if len(same) <= keep_head + keep_tail + 1:
        return [DiffLine("same", line, ((line, False),)) for line in same]
    head = [DiffLine("same", line, ((line, False),)) for line in same[:keep_head]]
    tail = [DiffLine("same", line, ((line, False),)) for line in same[len(same) - keep_tail :]]
    folded = DiffLine("skipped", str(len(same) - keep_head - keep_tail))
    return [*head, folded, *tail]
