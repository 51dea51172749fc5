"""Search results as ``baohatinh search --format csv`` prints them, for a spreadsheet."""

from __future__ import annotations

import csv
import io

from scraper.search_output import CSV_COLUMNS, format_results
from storage import SearchHit, SearchResults


def test_search_csv_starts_with_the_utf8_mark_and_quotes_formulas() -> None:
    hit = SearchHit(
        article_id="7", url="https://baohatinh.vn/a-post7.html",
        title='=HYPERLINK("http://x.example","Dân vận")', section="@Xây dựng Đảng",
        published_at=None, snippet="-Dân vận khéo", highlights=((1, 4),),
    )
    text = format_results(SearchResults(total=1, hits=[hit]), "dân vận", "csv")
    assert text.startswith("\ufeff" + ",".join(CSV_COLUMNS))
    [row] = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert (row["title"], row["section"], row["snippet"]) == (
        "'" + hit.title, "'@Xây dựng Đảng", "'-Dân vận khéo"
    )
    assert (row["url"], row["article_id"], row["published_at"]) == (hit.url, "7", "")
