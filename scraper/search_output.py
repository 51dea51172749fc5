"""Search results as the CLI prints them: a table for reading, JSON, JSON Lines or CSV.

Pure functions from ``SearchResults`` to text; the CLI only chooses and prints. Snippets
carry their matches marked: bold (ANSI) on a terminal, plain elsewhere; JSON adds the
``highlights`` spans so another program can mark them its own way.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from storage.export import CSV_BOM, spreadsheet_cell

from .render import render_results

if TYPE_CHECKING:
    from storage import SearchHit, SearchResults

__all__ = ["FORMATS", "CSV_COLUMNS", "format_results", "hit_record"]

FORMATS = ("table", "json", "jsonl", "csv")
CSV_COLUMNS = ("published_at", "title", "section", "url", "article_id", "snippet")
BOLD = ("\x1b[1m", "\x1b[0m")


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """Return one hit as a JSON-ready dict (times ISO 8601 with offset)."""
    return {
        "article_id": hit.article_id,
        "url": hit.url,
        "title": hit.title,
        "section": hit.section,
        "published_at": hit.published_at.isoformat() if hit.published_at else None,
        "snippet": hit.snippet,
        "highlights": [list(span) for span in hit.highlights],
        "title_highlights": [list(span) for span in hit.title_highlights],
    }


def format_results(
    results: SearchResults, query: str, fmt: str, *, bold: bool = False, offset: int = 0
) -> str:
    """Return ``results`` in ``fmt`` (one of ``FORMATS``), ready to print."""
    if fmt == "table":
        return render_results(results, query, mark=BOLD if bold else ("", ""))
    records = [hit_record(hit) for hit in results.hits]
    if fmt == "json":
        page = {"query": query, "total": results.total, "offset": offset, "hits": records}
        return json.dumps(page, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    if fmt == "csv":
        return _csv(records)
    raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")


def _csv(records: list[dict[str, Any]]) -> str:
    # As an export's: the byte-order mark for Excel, formulas quoted.
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {key: spreadsheet_cell(record[key]) for key in CSV_COLUMNS} for record in records
    )
    return buffer.getvalue()
