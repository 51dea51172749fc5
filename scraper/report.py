"""The crawl report: what a run did, and the exit code a scheduler acts on.

Exit codes (the README has the same table)::

    0   all well
    1   some URLs failed
    2   usage or configuration error (raised before a run starts)
    3   nearly everything failed: the site is down or blocking us
    75  another crawl holds the archive (raised before a run starts)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_NEARLY_ALL_FAILED = 3
EXIT_LOCKED = 75

# Share of failed fetches from which a run counts as "nearly everything failed".
NEARLY_ALL = 0.9


@dataclass
class CrawlReport:
    """Counts of one crawl run; mutable while the run goes, then stored with the run."""

    sections: list[str] = field(default_factory=list)
    discovered: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_articles: int = 0
    out_of_section: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    bytes: int = 0
    waited_seconds: float = 0.0
    duration_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

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

    @property
    def failed_total(self) -> int:
        """How many URLs failed, whatever the reason."""
        return sum(self.failed.values())

    @property
    def exit_code(self) -> int:
        """0 all well, 1 some failures, 3 when (nearly) every attempt failed."""
        if not self.failed_total:
            return EXIT_OK
        attempted = self.fetched + self.failed_total
        if attempted and self.failed_total / attempted >= NEARLY_ALL:
            return EXIT_NEARLY_ALL_FAILED
        return EXIT_SOME_FAILED

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data, with the exit code."""
        data = asdict(self)
        data["failed"] = dict(self.failed)
        data["exit_code"] = self.exit_code
        return data

    def summary(self) -> str:
        """Return the few lines printed at the end of a run."""
        failed = ", ".join(f"{reason} {count}" for reason, count in sorted(self.failed.items()))
        lines = [
            f"sections: {', '.join(self.sections)}",
            f"discovered {self.discovered}, fetched {self.fetched}: new {self.new}, "
            f"updated {self.updated}, unchanged {self.unchanged}, "
            f"not articles {self.not_articles}",
            f"failed {self.failed_total}" + (f" ({failed})" if failed else ""),
            f"{self.requests} requests, {self.bytes:,} bytes, "
            f"{self.duration_seconds:.1f} s ({self.waited_seconds:.1f} s waiting)",
        ]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)
