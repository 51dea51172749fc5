"""Check that a parser change keeps every record: dump the records of one checkout, then
compare two dumps.

    cd <checkout A> && python benchmarks/parse_compare.py dump /tmp/a.pickle
    cd <checkout B> && python benchmarks/parse_compare.py dump /tmp/b.pickle
    python benchmarks/parse_compare.py compare /tmp/a.pickle /tmp/b.pickle

A dump holds the outcome of ``parse_article`` (the record as ``dataclasses.asdict``, or
the exception's type and message) for every route of the sample site with 400 articles
in its big section (articles, section and tag pages, feeds, the 404 page …) and for every
page of ``tests/pages`` under three URLs (an article, a ``/tv/`` article, a section).
The checkout the script lies in is the one imported.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.parse import parse_article  # noqa: E402
from scraper.sample_site.model import SiteOptions  # noqa: E402
from scraper.sample_site.site import build_site  # noqa: E402

ORIGIN = "http://x.test"


def outcomes() -> dict[str, Any]:
    site = build_site(ORIGIN, "http://cdn.test", options=SiteOptions(section_size=400))
    found = {
        f"site {path}": _outcome(site.lookup(path).body, ORIGIN + path)
        for path in sorted(site.routes)
    }
    for page in sorted((ROOT / "tests" / "pages").glob("*.html")):
        for url in (
            f"https://baohatinh.vn/{page.stem}-post123456.html",
            f"https://baohatinh.vn/tv/{page.stem}-1.html",
            f"https://baohatinh.vn/{page.stem}/",
        ):
            found[f"page {page.name} {url}"] = _outcome(page.read_bytes(), url)
    return found


def _outcome(html: bytes, url: str) -> tuple[Any, ...]:
    try:
        return ("record", dataclasses.asdict(parse_article(html, url)))
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        return ("error", type(exc).__name__, str(exc))


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """One line per page whose outcome differs (and per field of a record that does)."""
    lines = [f"only in one dump: {key}" for key in sorted(before.keys() ^ after.keys())]
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        if old == new:
            continue
        lines.append(key)
        if old[0] == new[0] == "record":
            lines += [
                f"  {name}: {old[1][name]!r:.200} -> {new[1][name]!r:.200}"
                for name in old[1]
                if old[1][name] != new[1].get(name)
            ]
        else:
            lines.append(f"  {old!r:.200} -> {new!r:.200}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump").add_argument("out", type=Path)
    both = commands.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        found = outcomes()
        args.out.write_bytes(pickle.dumps(found))
        records = sum(1 for value in found.values() if value[0] == "record")
        print(f"{len(found)} pages, {records} records -> {args.out}")
        return 0
    before = pickle.loads(args.before.read_bytes())
    after = pickle.loads(args.after.read_bytes())
    lines = compare(before, after)
    print("\n".join(lines) or f"{len(before)} pages, the same outcome for each")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
