"""Plain-text renderings for the terminal: an article as a reader sees it, search hits.

Pure functions from records to strings; the CLI only prints what they return.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storage import ArchivedArticle, SearchHit, SearchResults
    from storage.links import ResolvedLink
    from storage.revisions import RevisionInfo

WIDTH = 88


def format_time(value: datetime | None) -> str:
    """Return ``value`` as the site prints times, ``dd/mm/YYYY HH:MM`` (+07:00), or ``-``."""
    return value.strftime("%d/%m/%Y %H:%M") if value else "-"


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def render_article(
    archived: ArchivedArticle, *, links: Sequence[ResolvedLink] | None = None
) -> str:
    """Return one archived article laid out for reading: title, time, author, lead, body,
    images with their captions, the "Đọc thêm" links and the related links set in the
    body (as the web page shows them); with resolved ``links``, each link whose target is
    archived is marked ``[archived: ID]``."""
    article = archived.article
    lines = [article.title, "=" * min(len(article.title), WIDTH)]
    meta = [format_time(article.published_at)]
    if article.author:
        meta.append(article.author)
    if article.section:
        meta.append(article.section)
    lines += [" · ".join(meta), article.url]
    if article.tags:
        lines.append("Tags: " + ", ".join(article.tags))
    if article.lead:
        lines += ["", _wrap(article.lead)]
    lines += [""] + [_wrap(paragraph) + "\n" for paragraph in article.body_paragraphs]
    if article.images:
        lines.append("Ảnh (images):")
        for image in article.images:
            lines.append(f"  [{image.position + 1}] {image.url}")
            if image.caption:
                lines.append(_wrap(image.caption, "      "))
        lines.append("")
    archived_ids = {link.url: link.target_article_id for link in links or () if link.archived}
    for heading, kind in (("Đọc thêm:", "doc-them"), ("Bài liên quan trong bài (in the body):",
                                                       "inline")):
        related = [link for link in article.related if link.kind == kind]
        if not related:
            continue
        lines.append(heading)
        for link in related:
            mark = f"  [archived: {archived_ids[link.url]}]" if link.url in archived_ids else ""
            lines += [f"  - {link.title}{mark}", f"    {link.url}"]
            if link.summary:
                lines.append(_wrap(link.summary, "    "))
        lines.append("")
    lines.append(
        f"archived: first seen {archived.first_seen_at:%Y-%m-%d %H:%M %Z}, "
        f"last fetched {archived.last_fetched_at:%Y-%m-%d %H:%M %Z}, "
        f"{archived.revisions} revision(s)"
    )
    return "\n".join(lines).rstrip() + "\n"


def render_revisions(revisions: Sequence[RevisionInfo]) -> str:
    """Return one line per revision: number, when first seen (UTC), parser, hash, title."""
    lines = [
        f"{info.number:>3}  {info.seen_at:%Y-%m-%d %H:%M} UTC  parser {info.parser_version}"
        f"  {info.content_hash[:12]}  {info.title}"
        for info in revisions
    ]
    return "\n".join(lines) + "\n"


def render_hit(hit: SearchHit, *, mark: tuple[str, str] = ("", "")) -> str:
    """Return one search hit: date, title, section, URL, then the snippet with matches marked."""
    section = f"  [{hit.section}]" if hit.section else ""
    return "\n".join(
        [
            f"{format_time(hit.published_at)}  {hit.title}{section}",
            f"  {hit.url}",
            _wrap(marked_snippet(hit, mark), "  "),
        ]
    )


def marked_snippet(hit: SearchHit, mark: tuple[str, str]) -> str:
    """Return the hit's snippet with each highlighted span wrapped in ``mark``."""
    if not mark[0]:
        return hit.snippet
    out, last = [], 0
    for start, end in sorted(hit.highlights):
        out += [hit.snippet[last:start], mark[0], hit.snippet[start:end], mark[1]]
        last = end
    out.append(hit.snippet[last:])
    return "".join(out)


def render_results(results: SearchResults, query: str, *, mark: tuple[str, str] = ("", "")) -> str:
    """Return the whole result list with a count line."""
    shown = len(results.hits)
    what = repr(query) if query else "the filters"
    head = f"{results.total} article(s) match {what}" + (
        f", showing {shown}" if shown < results.total else ""
    )
    return "\n\n".join([head, *(render_hit(hit, mark=mark) for hit in results.hits)]) + "\n"
