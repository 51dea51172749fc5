"""The crawl report: what a run did, and the exit code a scheduler acts on.

Exit codes (the README has the same table)::

    0   all well
    1   some URLs failed
    2   usage or configuration error (raised before a run starts)
    3   nearly everything failed: the site is down or blocking us
    4   a field's coverage dropped well below the previous runs': layout change suspected
    5   the archive failed: its database could not be opened or refused a write (`crawl`)
    75  another crawl holds the archive (raised before a run starts)

When several apply, the most serious wins: 3, then 4, then 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .records import Article

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_NEARLY_ALL_FAILED = 3
EXIT_COVERAGE_DROPPED = 4
EXIT_ARCHIVE_FAILED = 5
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130  # a second SIGTERM or Ctrl-C: stopped at once (128 + SIGINT)

# Share of failed fetches from which a run counts as "nearly everything failed".
NEARLY_ALL = 0.9
# Fields whose coverage is watched, with how to tell an article has them.
COVERAGE_FIELDS = ("title", "time", "author", "lead", "body", "images", "related")
# A coverage is compared only over runs that saved at least this many articles …
MIN_COVERAGE_SAMPLE = 5
# … and a fall of this much (absolute share) below the previous runs' mean is a warning.
COVERAGE_DROP = 0.3


def has_field(article: Article, name: str) -> bool:
    """Tell whether ``article`` got field ``name`` (one of ``COVERAGE_FIELDS``)."""
    values = {
        "title": article.title,
        "time": article.published_at,
        "author": article.author,
        "lead": article.lead,
        "body": article.body_paragraphs,
        "images": article.images,
        "related": article.related,
    }
    return bool(values[name])


@dataclass
class CrawlReport:
    """Counts of one crawl run; mutable while the run goes, then stored with the run."""

    sections: list[str] = field(default_factory=list)
    mode: str = "incremental"
    discovered: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_modified: int = 0
    removed: int = 0
    not_articles: int = 0
    out_of_section: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    skipped_by_robots: int = 0
    requests: int = 0
    bytes: int = 0
    waited_seconds: float = 0.0
    duration_seconds: float = 0.0
    coverage: dict[str, float] = field(default_factory=dict)
    coverage_articles: int = 0
    coverage_warnings: list[str] = field(default_factory=list)
    stopped: bool = False
    # robots.txt forbade every listing the run tried: it could discover nothing.
    blocked_by_robots: bool = False
    # Another crawl took the lock over (this one stalled past its lease): it stopped.
    lock_lost: bool = False
    notes: list[str] = field(default_factory=list)
    _have: Counter[str] = field(default_factory=Counter, repr=False)

    def count_outcome(self, outcome: str) -> None:
        """Count one stored article by what the store did with it."""
        if outcome == "new":
            self.new += 1
        elif outcome == "updated":
            self.updated += 1
        elif outcome == "unchanged":
            self.unchanged += 1
        else:
            raise ValueError(f"unknown save outcome {outcome!r}")

    def count_fields(self, article: Article) -> None:
        """Count which watched fields a saved article got (for the coverage figures)."""
        self.coverage_articles += 1
        for name in COVERAGE_FIELDS:
            self._have[name] += has_field(article, name)
        self.coverage = {
            name: round(self._have[name] / self.coverage_articles, 4) for name in COVERAGE_FIELDS
        }

    def compare_coverage(self, previous: Sequence[Mapping[str, Any]]) -> None:
        """Warn about every field whose coverage fell well below the previous runs'."""
        self.coverage_warnings = coverage_drops(self.coverage, self.coverage_articles, previous)

    @property
    def failed_total(self) -> int:
        """How many URLs failed, whatever the reason."""
        return sum(self.failed.values())

    @property
    def exit_code(self) -> int:
        """3 when (nearly) every attempt failed or robots.txt forbade every listing, 4 on
        a coverage drop, 1 on some failures, else 0; 75 before all when another crawl
        took the lock over from this one."""
        if self.lock_lost:
            return EXIT_LOCKED
        # A 304 Not Modified is an answer too: a re-check of 39 unchanged pages and one
        # failure is a site that works, not one that is down.
        attempted = self.fetched + self.not_modified + self.failed_total
        if self.failed_total and attempted and self.failed_total / attempted >= NEARLY_ALL:
            return EXIT_NEARLY_ALL_FAILED
        if self.blocked_by_robots:
            return EXIT_NEARLY_ALL_FAILED
        if self.coverage_warnings:
            return EXIT_COVERAGE_DROPPED
        return EXIT_SOME_FAILED if self.failed_total else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data, with the exit code."""
        data = asdict(self)
        data.pop("_have")
        data["failed"] = dict(self.failed)
        data["exit_code"] = self.exit_code
        return data

    def summary(self) -> str:
        """Return the lines printed at the end of a run."""
        failed = ", ".join(f"{reason} {count}" for reason, count in sorted(self.failed.items()))
        coverage = ", ".join(f"{name} {share:.0%}" for name, share in self.coverage.items())
        lines = [
            f"sections: {', '.join(self.sections)} ({self.mode} run)",
            f"discovered {self.discovered}, fetched {self.fetched}: new {self.new}, "
            f"updated {self.updated}, unchanged {self.unchanged}, "
            f"not modified {self.not_modified}, removed {self.removed}",
            f"not articles {self.not_articles}, out of section {self.out_of_section}, "
            f"skipped by robots {self.skipped_by_robots}",
            f"failed {self.failed_total}" + (f" ({failed})" if failed else ""),
            f"{self.requests} requests, {self.bytes:,} bytes, "
            f"{self.duration_seconds:.1f} s ({self.waited_seconds:.1f} s waiting)",
        ]
        if coverage:
            lines.append(f"field coverage over {self.coverage_articles} articles: {coverage}")
        lines += [f"warning: {warning}" for warning in self.coverage_warnings]
        if self.stopped:
            lines.append("stopped before the end: the next run goes on from here")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def coverage_drops(
    current: Mapping[str, float], articles: int, previous: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Return one warning per field whose share in ``current`` (over ``articles`` saved
    articles) is ``COVERAGE_DROP`` or more below its mean over ``previous`` reports."""
    if articles < MIN_COVERAGE_SAMPLE:
        return []
    earlier = [
        report["coverage"]
        for report in previous
        if int(report.get("coverage_articles") or 0) >= MIN_COVERAGE_SAMPLE
        and isinstance(report.get("coverage"), dict)
    ]
    warnings = []
    for name, share in current.items():
        shares = [float(c[name]) for c in earlier if name in c]
        if not shares:
            continue
        baseline = sum(shares) / len(shares)
        if baseline - share >= COVERAGE_DROP:
            warnings.append(
                f"field coverage of {name!r} fell to {share:.0%} "
                f"(previous runs: {baseline:.0%}): has the site's layout changed?"
            )
    return warnings
