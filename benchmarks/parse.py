"""Parse throughput: the full parser against trafilatura and a bare BeautifulSoup tree.

Run: ``.venv/bin/python benchmarks/parse.py [--pages 1000] [--rounds 3]`` (trafilatura is
a benchmark-only dependency: ``pip install -e '.[bench]'``).

The pages are the fixture pages of the quality gate (the seed page, every article page of
the sample site, the hand-written article pages of ``tests/pages``), repeated until there
are at least ``--pages`` of them. In the same run, on the same pages, it prints pages per
second for

- ``parse_article`` (every field of the record, see ``scraper.parse``),
- trafilatura's ``bare_extraction`` with metadata (the best-known generic extractor),
- ``BeautifulSoup(html, "lxml")`` alone (the tree only, no extraction at all),

their ratios, the peak memory one pass over the distinct pages adds (resident set), the
fields each extractor fills on average, and the time to parse one 5 MB page. The best of
``--rounds`` rounds counts, and the three take turns by chunks of 50 pages, to damp the
noise of a shared machine.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bs4 import BeautifulSoup  # noqa: E402

from scraper.parse import parse_article  # noqa: E402
from tests.parse_quality import all_cases, record_fields  # noqa: E402
from tests.test_parse_robustness import BIG_PARAGRAPHS, five_megabyte_page  # noqa: E402

Page = tuple[str, str]  # (html, url)
TRAFILATURA = "trafilatura bare_extraction"
SOUP = "BeautifulSoup(html, 'lxml')"
CHUNK = 50  # pages each runner handles before the next one takes its turn
BIG_URL = "https://baohatinh.vn/trang-lon-post999999.html"


def fixture_pages() -> list[Page]:
    """The distinct article pages of the quality gate, as text with their URLs."""
    pages = []
    for case in all_cases():
        if case.not_article is None:
            html = case.html.decode("utf-8") if isinstance(case.html, bytes) else case.html
            pages.append((html, case.url))
    return pages


def repeated(pages: Sequence[Page], count: int) -> list[Page]:
    """``pages`` repeated until there are at least ``count`` of them."""
    rounds = -(-count // len(pages))
    return list(pages) * rounds


def ours(html: str, url: str) -> Any:
    return parse_article(html, url)


def trafilatura_extract(html: str, url: str) -> Any:
    from trafilatura import bare_extraction

    return bare_extraction(html, url=url, with_metadata=True)


def soup(html: str, url: str) -> Any:
    return BeautifulSoup(html, "lxml")


RUNNERS: dict[str, Callable[[str, str], Any]] = {
    "parse_article": ours,
    TRAFILATURA: trafilatura_extract,
    SOUP: soup,
}


def pages_per_second(
    runners: dict[str, Callable[[str, str], Any]], pages: Sequence[Page], rounds: int
) -> dict[str, float]:
    """The best throughput of each runner over ``rounds`` passes on ``pages``.

    The runners take turns, chunk by chunk of pages, so that a burst of load from
    elsewhere on the machine slows all of them alike and the ratios stay fair.
    """
    best = dict.fromkeys(runners, float("inf"))
    chunks = [pages[start : start + CHUNK] for start in range(0, len(pages), CHUNK)]
    for _ in range(rounds):
        spent = dict.fromkeys(runners, 0.0)
        for chunk in chunks:
            for name, run in runners.items():
                gc.collect()
                started = time.perf_counter()
                for html, url in chunk:
                    run(html, url)
                spent[name] += time.perf_counter() - started
        for name, seconds in spent.items():
            best[name] = min(best[name], seconds)
    return {name: len(pages) / seconds for name, seconds in best.items()}


def peak_memory(runner: str, pad: int, big_paragraphs: int = 0) -> int:
    """Bytes of resident memory that one pass of ``runner`` over the distinct pages (or
    over one big page of ``big_paragraphs`` paragraphs) adds at its peak.

    Measured in a fresh interpreter (peak resident set after loading the pages, then after
    the pass), because lxml and libxml2 allocate in C, out of tracemalloc's sight, and a
    process that already ran something keeps its freed memory.
    """
    command = [sys.executable, __file__, "--memory-of", runner, "--pad", str(pad),
               "--big", str(big_paragraphs)]
    answer = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(answer.stdout.strip())


def _measure_memory(runner: str, pad: int, big_paragraphs: int) -> None:
    pages = ([(five_megabyte_page(big_paragraphs), BIG_URL)] if big_paragraphs
             else padded(fixture_pages(), pad))
    run = RUNNERS[runner]
    # A first call imports and caches what the runner needs (trafilatura loads its date
    # parser then): that is start-up, not the cost of a page.
    run(*fixture_pages()[0])
    gc.collect()
    before = _high_water_bytes()
    for html, url in pages:
        run(html, url)
    print(_high_water_bytes() - before)


def _high_water_bytes() -> int:
    """The process's peak resident memory. ``VmHWM`` of this process's own memory map on
    Linux: ``ru_maxrss`` survives ``exec`` there, so a child started by a big parent
    would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def padded(pages: Sequence[Page], kib: int) -> list[Page]:
    """``pages`` with site furniture (menu, "Tin mới" sidebar, scripts) added before
    ``</body>`` until each weighs ``kib`` KiB, as the real pages (about 100 KB) do."""
    if kib <= 0:
        return list(pages)
    story = (
        '<article class="story"><figure class="story__thumb"><a class="cms-link" '
        'href="/tin-{n}-post{n}.html" title="Tin mới số {n}"><img src="data:image/gif;base64,R0l=" '
        'data-src="/images/t/{n}.jpg" alt=""></a></figure><h3 class="story__heading"><a '
        'class="cms-link" href="/tin-{n}-post{n}.html">Tin mới số {n} của Báo Hà Tĩnh</a></h3>'
        '<div class="story__summary">Tóm tắt ngắn của tin số {n} trong mục tin mới.</div>'
        "</article>\n"
    )
    script = "<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{n:{n}}});</script>\n"
    result = []
    for html, url in pages:
        extra, n = [], 0
        while len(html) + sum(map(len, extra)) < kib * 1024:
            extra.append(story.format(n=n) if n % 4 else script.format(n=n))
            n += 1
        aside = '<aside class="sidebar"><h3>Tin mới</h3>' + "".join(extra) + "</aside>"
        result.append((html.replace("</body>", aside + "</body>", 1), url))
    return result


def filled_fields(pages: Sequence[Page]) -> tuple[float, float]:
    """Average number of non-empty fields: ours, then trafilatura's (its bookkeeping
    fields ``url``, ``hostname``, ``sitename``, ``filedate``, ``fingerprint``, ``id``,
    ``license``, the tree ``body``/``commentsbody`` and the ``raw_text`` copy left out)."""
    skip = {"url", "hostname", "sitename", "filedate", "fingerprint", "id", "license", "body",
            "commentsbody", "raw_text"}
    mine = theirs = 0
    for html, url in pages:
        mine += sum(1 for value in record_fields(ours(html, url)).values() if value)
        document = trafilatura_extract(html, url)
        data = document.as_dict() if document is not None else {}
        theirs += sum(1 for key, value in data.items() if key not in skip and value)
    return mine / len(pages), theirs / len(pages)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pad", type=int, default=0, metavar="KIB",
                        help="add site furniture until each page weighs KIB KiB (real: ~100)")
    parser.add_argument("--memory-of", choices=list(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--big", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # trafilatura and bs4 warn about things that are theirs to fix, not this benchmark's.
    warnings.simplefilter("ignore")
    if args.memory_of:
        _measure_memory(args.memory_of, args.pad, args.big)
        return
    distinct = padded(fixture_pages(), args.pad)
    pages = repeated(distinct, args.pages)
    size = sum(len(html.encode("utf-8")) for html, _ in distinct) / len(distinct)
    print(f"{len(pages)} pages ({len(distinct)} distinct, {size / 1024:.1f} KiB on average), "
          f"best of {args.rounds} rounds, Python {sys.version.split()[0]}")
    rates = pages_per_second(RUNNERS, pages, args.rounds)
    peaks = {name: peak_memory(name, args.pad) for name in RUNNERS}
    base = rates["parse_article"]
    print(f"{'':30}{'pages/s':>10}{'ours is':>10}{'peak KiB':>10}")
    for name, rate in rates.items():
        print(f"{name:30}{rate:10.1f}{base / rate:9.2f}x{peaks[name] / 1024:10.0f}")
    print(f"parse_article is {base / rates[TRAFILATURA]:.2f}x trafilatura (target >= 2x) "
          f"and {base / rates[SOUP]:.2f}x a bare BeautifulSoup tree")
    mine, theirs = filled_fields(distinct)
    print(f"fields filled per page: parse_article {mine:.1f}, trafilatura {theirs:.1f}")
    for megabytes in (1, 5):
        paragraphs = BIG_PARAGRAPHS * megabytes // 5
        big = five_megabyte_page(paragraphs)
        started = time.perf_counter()
        article = parse_article(big, BIG_URL)
        seconds = time.perf_counter() - started
        peak = peak_memory("parse_article", 0, paragraphs)
        print(f"one {len(big.encode('utf-8')) / 2**20:.1f} MiB page: {seconds:.2f} s, "
              f"{len(article.body_paragraphs)} paragraphs, peak +{peak / 2**20:.0f} MiB")

if __name__ == "__main__":
    main()
