"""Re-run the parser over the archive's stored raw pages: :func:`run_reparse`.

A parser fix (or a selector override in ``config.toml``) reaches the whole archive without
a new crawl: for each archived article, the body fetched last for it is parsed again and
saved through the store's usual rules, so a new revision appears only where the normalised
content changed (``storage.convert.content_hash``); otherwise only the parser's metadata
(sources, warnings, parser version, body HTML) is refreshed.

The pages the crawl fetched but could not parse are kept too (``Store.record_failure``):
for each article not archived whose last page failed so, that page is parsed again, and
one that parses now is archived (``Store.save_recovered``), as the crawl would have done,
out-of-section articles left out. One that is still not an article (a tag or error page
answered at an article URL) is counted apart: such pages stay what they are, and do not
make every reparse a partial failure.

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


class FailedStoredFetch(StoredFetch, Protocol):
    """The kept page of an article that failed to parse (``storage.raw.FailedFetch``)."""

    listed_in: str | None


class ReparseStore(Protocol):
    """What a reparse needs of the store (``storage.Store`` provides it)."""

    def latest_fetches(self, since: datetime | None = None) -> list[Any]: ...

    def failed_fetches(self, since: datetime | None = None) -> list[Any]: ...

    def load_raw_page(self, fetch: Any) -> RawPage: ...

    def save_reparsed(self, article: Article, fetched_at: datetime) -> str: ...

    def save_recovered(self, article: Article, raw: RawPage) -> str: ...


@dataclass
class ReparseReport:
    """Counts of one reparse (``reparsed`` = ``changed`` + ``unchanged`` + ``failed`` +
    ``new`` + ``not_articles`` + ``out_of_section``), and one line per page that failed.

    ``new``: kept pages that failed to parse when crawled and are archived now;
    ``not_articles`` and ``out_of_section``: such pages that are still not articles, or
    are articles of no configured section (left out, as the crawl leaves them).
    """

    reparsed: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    new: int = 0
    not_articles: int = 0
    out_of_section: int = 0
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
            f"failed {self.failed}, new {self.new}, not articles {self.not_articles}, "
            f"out of section {self.out_of_section}"
        ]
        return "\n".join(lines + [f"failed: {line}" for line in self.failures])


def run_reparse(
    settings: Settings, store: ReparseStore, *, since: datetime | None = None
) -> ReparseReport:
    """Parse the latest raw page of each archived article again and save what changed;
    then parse the kept page of each article that failed to parse when crawled, and
    archive those that parse now.

    ``since`` (timezone-aware) limits the run to pages fetched at or after it. A page of
    an archived article that no longer parses is counted and listed in the report, and
    its archived record is left as it was; so is a kept page that still fails with a
    parse error (its failure stays recorded). Raises ``StoreError`` if the archive cannot
    be read or written; never a parse error. Hold the crawl lock meanwhile (as
    ``baohatinh reparse`` does): an edit a crawl archived during the run would be
    overwritten by the older page listed at its start.
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
    sections = {section.slug for section in settings.sections}
    for failed in store.failed_fetches(since):
        _recover(settings, store, report, failed, sections)
    return report


def _recover(
    settings: Settings,
    store: ReparseStore,
    report: ReparseReport,
    fetch: FailedStoredFetch,
    sections: set[str],
) -> None:
    """Parse again the kept page of an article that failed to parse, and archive it if
    it parses now and belongs to a configured section (``scraper.crawl`` keeps the same
    rule: a page no section's listing named must say it belongs to one)."""
    raw = store.load_raw_page(fetch)
    report.reparsed += 1
    try:
        article = parse_article(raw.body, raw.final_url, settings.profile)
    except NotAnArticle:
        report.not_articles += 1
        return
    except ParseError as exc:
        _count_failure(report, fetch, exc, archived=False)
        return
    if fetch.listed_in is None and article.section_slug not in sections:
        report.out_of_section += 1
        return
    outcome = store.save_recovered(article, raw)
    if outcome == "new":
        report.new += 1
    elif outcome == "unchanged":  # archived meanwhile by a crawl: no crawl lock held
        report.unchanged += 1
    else:
        report.changed += 1
    log.debug("%s %s (kept page that failed to parse)", outcome, article.url)


def parse_since(text: str) -> datetime:
    """Return the time ``--since`` names: ``YYYY-MM-DD`` (midnight) or ISO 8601, Vietnam
    time when no offset is given. Raises ``ValueError`` naming the value."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date or ISO 8601 time: {text!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SITE_TZ)


def _count_failure(
    report: ReparseReport, fetch: StoredFetch, exc: ParseError, *, archived: bool = True
) -> None:
    report.failed += 1
    kind = "not an article" if isinstance(exc, NotAnArticle) else "parse error"
    which = f"article {fetch.article_id}" + ("" if archived else " (not archived)")
    report.failures.append(f"{which}: {kind}: {exc}")
    log.warning("reparse failed for article %s: %s", fetch.article_id, exc)
