"""Re-run the parser over the archive's stored raw pages: :func:`run_reparse`.

A parser fix (or a selector override in ``config.toml``) reaches the whole archive without
a new crawl: for each archived article, the body fetched last for it is parsed again and
saved through the store's usual rules, so a new revision appears only where the normalised
content changed (``storage.convert.content_hash``); otherwise only the parser's metadata
(sources, warnings, parser version, body HTML) is refreshed.

``since`` selects by fetch time: only articles whose latest raw page was fetched at or
after it. Fetch time, not publication, because what a reparse can change is what was
fetched: a page fetched before a template change is the one to parse again, whatever
its publication date, and an article without a readable date is still selected.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .dates import SITE_TZ
from .errors import NotAnArticle, ParseError
from .parse import parse_article
from .records import Article, RawPage
from .report import EXIT_OK, EXIT_SOME_FAILED
from .settings import Settings

log = logging.getLogger("baohatinh.reparse")


class StoredFetch(Protocol):
    """One latest fetch as the store lists it (``storage.raw.LatestFetch``)."""

    article_id: str
    raw_page_id: int
    fetched_at: datetime


class ReparseStore(Protocol):
    """What a reparse needs of the store (``storage.Store`` provides it)."""

    def latest_fetches(self, since: datetime | None = None) -> list[Any]: ...

    def load_raw_page(self, fetch: Any) -> RawPage: ...

    def save_reparsed(self, article: Article, fetched_at: datetime) -> str: ...


@dataclass
class ReparseReport:
    """Counts of one reparse (``reparsed`` = ``changed`` + ``unchanged`` + ``failed``), and
    one line per page that failed to parse."""

    reparsed: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every page parsed, 1 when some failed."""
        return EXIT_SOME_FAILED if self.failed else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data, with the exit code."""
        return {**asdict(self), "exit_code": self.exit_code}

    def summary(self) -> str:
        """Return the lines printed at the end of a reparse."""
        lines = [
            f"reparsed {self.reparsed}: changed {self.changed}, unchanged {self.unchanged}, "
            f"failed {self.failed}"
        ]
        return "\n".join(lines + [f"failed: {line}" for line in self.failures])


def run_reparse(
    settings: Settings, store: ReparseStore, *, since: datetime | None = None
) -> ReparseReport:
    """Parse the latest raw page of each archived article again and save what changed.

    ``since`` (timezone-aware) limits the run to articles fetched last at or after it.
    A page that no longer parses is counted and listed in the report, and its archived
    record is left as it was. Raises ``StoreError`` if the archive cannot be read or
    written; never a parse error.
    """
    report = ReparseReport()
    for fetch in store.latest_fetches(since):
        raw = store.load_raw_page(fetch)
        report.reparsed += 1
        try:
            article = parse_article(raw.body, raw.final_url, settings.profile)
        except ParseError as exc:
            _count_failure(report, fetch, exc)
            continue
        outcome = store.save_reparsed(article, fetch.fetched_at)
        if outcome == "unchanged":
            report.unchanged += 1
        else:
            report.changed += 1
        log.debug("%s %s", outcome, article.url)
    return report


def parse_since(text: str) -> datetime:
    """Return the time ``--since`` names: ``YYYY-MM-DD`` (midnight) or ISO 8601, Vietnam
    time when no offset is given. Raises ``ValueError`` naming the value."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date or ISO 8601 time: {text!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SITE_TZ)


def _count_failure(report: ReparseReport, fetch: StoredFetch, exc: ParseError) -> None:
    report.failed += 1
    kind = "not an article" if isinstance(exc, NotAnArticle) else "parse error"
    report.failures.append(f"article {fetch.article_id}: {kind}: {exc}")
    log.warning("reparse failed for article %s: %s", fetch.article_id, exc)
