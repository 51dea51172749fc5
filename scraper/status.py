"""``baohatinh status`` as text: the archive's keeper reads it at a glance."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.status import ArchiveStatus, RunSummary

__all__ = ["render_status"]


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


def _size(count: int | None) -> str:
    if count is None:
        return "unknown"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{count} B"  # pragma: no cover - the loop always returns


def _run_line(run: RunSummary) -> str:
    duration = f"{run.duration_seconds:.1f} s" if run.duration_seconds is not None else run.state
    exit_code = "-" if run.exit_code is None else str(run.exit_code)
    counts = run.counts
    start = f"  #{run.id:<5} {_when(run.started_at)}  {duration:>10}  exit {exit_code:>2}  "
    if run.counted_from == "archive":  # no report: what the archive shows it stored
        return (start + f"fetched {counts['fetched']}, new {counts['new']}, updated "
                f"{counts['updated']} (from the archive: the run wrote no report)")
    return (start + f"new {counts['new']}, updated {counts['updated']}, unchanged "
            f"{counts['unchanged']}, failed {run.failed}")


def render_status(status: ArchiveStatus) -> str:
    """Return the status as a few short blocks of text (times in UTC)."""
    lines = [f"archive {status.database} (as of {_when(status.checked_at)})", "", "last runs:"]
    lines += [_run_line(run) for run in status.runs] or ["  none yet"]
    lines += ["", "next scheduled runs:"]
    lines += [f"  {_when(job.next_run_at) if job.next_run_at else 'paused':<25}  {job.id}: "
              f"{job.name}" for job in status.jobs] or ["  none (baohatinh schedule not set up)"]
    lines += ["", "crawl lock:"]
    if status.lock is None:
        lines.append("  free")
    else:
        expired = " (expired: its holder died; the next crawl takes it over)"
        lines.append(f"  held by {status.lock.describe()}"
                     + (expired if status.lock_expired else ""))
    lines += ["", f"failed URLs waiting for a retry: {status.failed_url_total}"]
    lines += [f"  {_when(failure.last_seen_at)}  {failure.reason}  x{failure.failures}  "
              f"{failure.url}" for failure in status.failed_urls]
    counts = status.counts
    lines += ["", f"archive size: {counts['articles']:,} articles, {counts['revisions']:,} "
              f"revisions, {counts['raw_pages']:,} raw pages ({_size(counts['raw_bytes'])}), "
              f"database {_size(status.database_bytes)}"]
    return "\n".join(lines) + "\n"
