"""Showing a crawl's progress: one updating line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .report import CrawlReport

# Under cron, one line every this many articles (and never more than one a second).
LOG_EVERY = 100
# On a terminal, redraw at most this often (seconds).
REDRAW_SECONDS = 0.2


class ProgressPrinter:
    """A ``progress`` callback for ``run_crawl``: call it with the report as it grows."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._last = 0.0
        self._logged = 0
        self._drawn = False

    def __call__(self, report: CrawlReport) -> None:
        """Show how far the run has got."""
        done = report.fetched + report.not_modified + report.failed_total
        now = time.monotonic()
        if self.tty:
            if now - self._last >= REDRAW_SECONDS:
                self.stream.write("\r\x1b[K" + line(report))
                self.stream.flush()
                self._last, self._drawn = now, True
        elif done - self._logged >= LOG_EVERY and now - self._last >= 1.0:
            self.stream.write(f"crawl: {line(report)}\n")
            self.stream.flush()
            self._last, self._logged = now, done

    def finish(self) -> None:
        """End the terminal line, so the report prints below it."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def line(report: CrawlReport) -> str:
    """One short line of the report's running counts."""
    return (
        f"{report.fetched} fetched, {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.not_modified} not modified, "
        f"{report.removed} removed, {report.failed_total} failed"
    )
