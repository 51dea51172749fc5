"""Progress: one redrawn line on a terminal, a plain line now and then under cron."""

from __future__ import annotations

import io

from scraper.progress import LOG_EVERY, ProgressPrinter
from scraper.report import CrawlReport


def test_on_a_terminal_one_line_is_redrawn_and_ended_before_the_report() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=True)
    report = CrawlReport(fetched=3, new=2, unchanged=1)
    printer(report)
    printer.finish()
    text = out.getvalue()
    assert text.startswith("\r\x1b[K3 fetched, 2 new") and text.endswith("\n")
    assert text.count("\n") == 1


def test_under_cron_plain_lines_come_only_every_so_many_articles() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False)
    report = CrawlReport()
    for _ in range(LOG_EVERY - 1):
        report.fetched += 1
        printer(report)
    assert out.getvalue() == ""
    report.fetched += 1
    printer(report)
    printer.finish()
    assert out.getvalue() == f"crawl: {LOG_EVERY} fetched, 0 new, 0 updated, 0 unchanged, " \
        "0 not modified, 0 removed, 0 failed\n"
    assert "\r" not in out.getvalue()
