"""Frontier benchmark: the cost of asking what is due, as a backfill's frontier grows.

A backfill walks the whole listing first (listings come before articles), so by its end
every article of the section waits in the frontier, pending; and the walk asks the frontier
for the next listing page after each page it reads. If that question costs more with every
article waiting, the walk slows down as it goes. This builds a frontier of ``--articles``
pending article rows (default 100,000), one pending listing page, ``--failed`` failed rows
due again, and as many done rows as pending, then times ``Frontier.due`` for the next
listing page and for the next 200 articles, each against the query of schema 0008 (one
statement over both states, sorted whole) in the same run. On SQLite, and on PostgreSQL
when a URL is given (``--postgres`` or $BAOHATINH_TEST_POSTGRES_URL; a fresh schema there,
dropped afterwards).

    .venv/bin/python benchmarks/frontier.py [--articles 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, or_, select, text, update

from storage import Store
from storage.engine import normalize_url
from storage.frontier import _ENTRY_COLUMNS, Frontier, FrontierEntry
from storage.models import FrontierRow

RUN_ID = 7  # the run asking; rows were last touched by earlier runs
CALLS = 30
NEXT_PAGE = "https://baohatinh.vn/api/next"  # the one listing page still to read


def fill(store: Store, articles: int, failed: int) -> None:
    """The frontier of a backfill whose listing walk has just ended, plus old history."""
    frontier = store.frontier()
    done_pages = articles // 10
    for start in range(0, 2 * articles, 5000):
        frontier.add(
            FrontierEntry.article(str(10_000_000 + number), f"https://baohatinh.vn/{number}.html")
            for number in range(start, min(start + 5000, 2 * articles))
        )
    frontier.add(
        FrontierEntry.listing("loadmore", f"https://baohatinh.vn/api/more?page={page}")
        for page in range(2, done_pages + 2)
    )
    frontier.requeue([FrontierEntry.listing("loadmore", NEXT_PAGE)])
    past = datetime.now(UTC) - timedelta(days=1)
    with store.engine.begin() as connection:
        # The older half of the articles and every earlier listing page are done.
        connection.execute(
            update(FrontierRow)
            .where(FrontierRow.id <= articles)
            .values(state="done", last_run_id=RUN_ID - 1)
        )
        connection.execute(
            update(FrontierRow)
            .where(FrontierRow.kind == "loadmore", FrontierRow.key != f"l:{NEXT_PAGE}")
            .values(state="done", last_run_id=RUN_ID - 1)
        )
        connection.execute(
            update(FrontierRow)
            .where(FrontierRow.id > articles, FrontierRow.id <= articles + failed)
            .values(state="failed", next_attempt_at=past, last_run_id=RUN_ID - 1)
        )
    with store.engine.begin() as connection:  # fresh statistics, as (auto)analyze leaves them
        connection.execute(text("ANALYZE"))


def schema_0008_due(frontier: Frontier, limit: int, articles: bool) -> list[FrontierEntry]:
    """``Frontier.due`` as schema 0008 asked it: one statement, both states, one sort."""
    now = datetime.now(UTC)
    columns = FrontierRow.__table__.c
    query = (
        select(*(columns[name] for name in _ENTRY_COLUMNS))
        .where(
            or_(
                FrontierRow.state == "pending",
                (FrontierRow.state == "failed") & (FrontierRow.next_attempt_at <= now),
            ),
            or_(FrontierRow.last_run_id.is_(None), FrontierRow.last_run_id != RUN_ID),
        )
        .order_by(FrontierRow.priority, FrontierRow.id)
        .limit(limit)
    )
    if not articles:
        query = query.where(FrontierRow.priority == 0)
    with frontier._engine.connect() as connection:  # noqa: SLF001 - the benchmark's baseline
        return [FrontierEntry(*row) for row in connection.execute(query)]


def median_ms(call: Callable[[], list[FrontierEntry]]) -> tuple[float, list[FrontierEntry]]:
    call()  # warm the caches
    times, result = [], []
    for _ in range(CALLS):
        started = time.perf_counter()
        result = call()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), result


def measure(name: str, url: str, articles: int, failed: int) -> None:
    with Store.open(url) as store:
        started = time.perf_counter()
        fill(store, articles, failed)
        built = time.perf_counter() - started
        frontier = store.frontier()
        print(
            f"{name}: {articles:,} pending articles, {failed} failed due ({built:.0f} s to build)"
        )
        for label, articles_too in (("next listing page", False), ("next 200 articles", True)):
            new_ms, new = median_ms(
                lambda both=articles_too: frontier.due(RUN_ID, limit=200, articles=both)
            )
            old_ms, old = median_ms(lambda both=articles_too: schema_0008_due(frontier, 200, both))
            same = "same entries" if new == old else "DIFFERENT ENTRIES"
            print(
                f"  {label:18} {new_ms:8.2f} ms   (schema 0008's query {old_ms:8.2f} ms, "
                f"{old_ms / new_ms:5.1f}x; {same}, {len(new)} returned)"
            )


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    admin = create_engine(normalize_url(base))
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--failed", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("BAOHATINH_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-frontier-") as folder:
        measure("SQLite", f"sqlite:///{Path(folder) / 'frontier.db'}", args.articles, args.failed)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            measure("PostgreSQL", url, args.articles, args.failed)
    else:
        print("PostgreSQL: skipped (give --postgres URL or set BAOHATINH_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    sys.exit(main())
