"""Same rows check: two checkouts store the sample site's articles, every table compared.

A change meant to make storing faster must not change what is stored. This saves the
1,012 articles of the sample site (``scraper.sample_site``, parsed by each checkout's own
parser) three times over, as a crawl would meet them: all new, all unchanged a day later,
and every seventh one edited (title, body and tags, a new raw page) with five of the edits
twice in one batch. It does so once with each checkout (its own ``.venv``), into fresh
databases, then compares every table row by row, ids included; on SQLite that covers the
FTS5 shadow tables, so the index itself, byte for byte. Times are fixed, so nothing
differs between two runs of the same code.

    .venv/bin/python benchmarks/store_rows.py --old /work/main            # SQLite
    .venv/bin/python benchmarks/store_rows.py --old /work/main \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test       # and PostgreSQL

The old checkout's parser must parse like this one's (compare the same commit of
``scraper``), or the articles differ before the store sees them. Exits 1 if a table differs.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent

# Run by each checkout's interpreter, from its folder: argv[1] is the database URL.
FILL = r"""
import dataclasses, sys
sys.path.insert(0, ".")
from datetime import UTC, datetime, timedelta
from scraper.parse import parse_article
from scraper.records import RawPage
from scraper.sample_site.model import SiteOptions
from scraper.sample_site.site import build_site
from storage import ArticleToSave, Store

site = build_site("http://x.test", "http://cdn.test", options=SiteOptions(section_size=1000))
start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
items = []
for n, listed in enumerate(site.articles):
    body = site.lookup(listed.url.replace(site.base_url, "")).body
    raw = RawPage(listed.url, listed.url, 200, {"content-type": "text/html"}, body,
                  start + timedelta(seconds=n))
    items.append(ArticleToSave(parse_article(body, listed.url), raw))


def later(item, days, **changes):
    raw = dataclasses.replace(item.raw, fetched_at=item.raw.fetched_at + timedelta(days=days))
    if changes:
        raw = dataclasses.replace(raw, body=raw.body + b"<!-- v2 -->")
        return ArticleToSave(dataclasses.replace(item.article, **changes), raw)
    return ArticleToSave(item.article, raw)


edited = [
    later(item, 2, title=item.article.title + " (cập nhật hoà)",
          body_paragraphs=item.article.body_paragraphs + ("Thêm một đoạn THUỶ lợi.",),
          tags=item.article.tags + ("Mới",))
    for item in items[::7]
]
with Store.open(sys.argv[1]) as store:
    for batch in (items, [later(item, 1) for item in items], edited + edited[:5]):
        for i in range(0, len(batch), 25):
            store.save_articles(batch[i : i + 25])
    for item in items[:3]:
        store.save_article(item.article, later(item, 3).raw)
"""


def fill(checkout: Path, url: str) -> None:
    python = checkout / ".venv" / "bin" / "python"
    subprocess.run([str(python), "-", url], input=FILL, text=True, cwd=checkout, check=True)


def sqlite_tables(path: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(path) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }


def postgres_tables(url: str) -> dict[str, list[Any]]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        # tsvectors compare as PostgreSQL prints them (sorted words, positions).
        return {
            name: sorted(
                (tuple(map(str, row)) for row in connection.execute(f'SELECT * FROM "{name}"')),
                key=repr,
            )
            for name in names
        }


def compare(label: str, old: dict[str, list[Any]], new: dict[str, list[Any]]) -> bool:
    same = list(old) == list(new)
    if not same:
        print(f"{label}: tables differ: {sorted(set(old) ^ set(new))}")
    for name in old:
        rows_same = old[name] == new.get(name)
        same = same and rows_same
        print(f"{label} {name:28} {len(old[name]):6} rows  {'same' if rows_same else 'DIFFERENT'}")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--new", type=Path, default=HERE, help="default: this checkout")
    parser.add_argument("--postgres", help="PostgreSQL URL; two scratch databases are made")
    args = parser.parse_args()
    same = True
    with tempfile.TemporaryDirectory() as folder:
        databases = {side: Path(folder) / f"{side}.db" for side in ("old", "new")}
        for side, checkout in (("old", args.old), ("new", args.new)):
            fill(checkout.resolve(), f"sqlite:///{databases[side]}")
        same &= compare("sqlite", sqlite_tables(databases["old"]), sqlite_tables(databases["new"]))
    if args.postgres:
        same &= compare_postgres(args.postgres, args.old, args.new)
    print("ALL TABLES THE SAME" if same else "SOME TABLES DIFFER")
    return 0 if same else 1


def compare_postgres(url: str, old: Path, new: Path) -> bool:
    import psycopg

    admin_url = url.replace("postgresql+psycopg://", "postgresql://")
    base = url.rsplit("/", 1)[0]
    names = {side: f"store_rows_{side}_{uuid.uuid4().hex[:8]}" for side in ("old", "new")}
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            for side, checkout in (("old", old), ("new", new)):
                fill(checkout.resolve(), f"{base}/{names[side]}")
            tables = {side: postgres_tables(f"{base}/{names[side]}") for side in names}
            return compare("postgresql", tables["old"], tables["new"])
        finally:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.exit(main())
