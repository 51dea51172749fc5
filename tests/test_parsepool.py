"""Pages parsed in worker processes give the records parsed in the crawl's own process; a
worker that dies is replaced, and a page that kills its worker twice is a parse error.

The workers are real child processes: records, errors and the site profile cross real
pipes.
"""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.errors import NotAnArticle, ParseError
from scraper.parse import parse_article
from scraper.parsepool import PageParser
from scraper.profile import DEFAULT_PROFILE, SiteProfile
from scraper.sample_site.site import SampleSite, build_site
from tests.processes import running

ORIGIN = "http://127.0.0.1:8123"
SITE: SampleSite = build_site(ORIGIN, ORIGIN)
POISON = b"<!-- this page kills the process that parses it -->"


POISONED_WORKER = f"""
import os, time
from scraper.parse import parse_article
from scraper.parsepool import worker_main

class TwoArgumentError(Exception):
    # Pickles as its one formatted message: cannot be rebuilt on the other side.
    def __init__(self, url, detail):
        super().__init__(url + ": " + detail)

def task(body, url, profile):
    if body == {POISON!r}:  # dies outright, as a crash in C would
        time.sleep(0.2)  # while other pages wait behind it
        os._exit(70)
    if body == b"odd error":
        raise TwoArgumentError(url, "odd")
    if body == b"big answer":
        return "x" * 3_000_000
    if body == b"endless":
        while True:
            pass
    return parse_article(body, url, profile)

worker_main(task)
"""


@pytest.fixture
def poisoned_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a worker module that dies on the poison page, raises an error that
    cannot be rebuilt on ``b"odd error"``, answers ``b"big answer"`` with 3 MB and never
    answers ``b"endless"``."""
    (tmp_path / "poisoned_worker.py").write_text(POISONED_WORKER, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return "poisoned_worker"


def parser_with(module: str, processes: int = 1, timeout: float = 60) -> PageParser:
    parser = PageParser(DEFAULT_PROFILE, processes, timeout=timeout)
    parser.worker_module = module
    return parser


@pytest.fixture(scope="module")
def workers() -> Iterator[PageParser]:
    with PageParser(DEFAULT_PROFILE, processes=2) as parser:
        yield parser


def worker_pids(parser: PageParser) -> set[int]:
    return set(parser.worker_pids())


def test_every_sample_article_gives_the_record_parsed_in_process(workers: PageParser) -> None:
    for truth in SITE.articles:
        body = SITE.lookup(truth.path).body
        assert workers.parse(body, truth.url) == parse_article(body, truth.url)


def test_a_page_that_is_no_article_raises_not_an_article_with_its_reason(
    workers: PageParser,
) -> None:
    empty = b"<html><head><title>x</title></head><body></body></html>"
    url = f"{ORIGIN}/xay-dung-dang/bai-viet-post123.html"
    with pytest.raises(NotAnArticle) as in_process:
        parse_article(empty, url)
    with pytest.raises(NotAnArticle) as in_worker:
        workers.parse(empty, url)
    assert (in_worker.value.url, in_worker.value.reason) == (url, in_process.value.reason)
    assert str(in_worker.value) == str(in_process.value)


def test_parse_errors_and_profiles_survive_the_trip_between_processes() -> None:
    error = pickle.loads(pickle.dumps(ParseError("http://x/a.html", "no title")))
    assert (type(error), error.url, error.message) == (ParseError, "http://x/a.html", "no title")
    custom = DEFAULT_PROFILE.with_overrides(selectors={"title": ("h2.headline",)})
    copy: SiteProfile = pickle.loads(pickle.dumps(custom))
    assert copy == custom and copy.select("title") == ("h2.headline",)
    with pytest.raises(TypeError):  # still read-only
        copy.selectors["title"] = ("h1",)  # type: ignore[index]


def test_the_workers_parse_with_the_profile_they_are_given() -> None:
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    profile = DEFAULT_PROFILE.with_overrides(selectors={"title": ("h6.nowhere",)})
    with PageParser(profile, processes=1) as parser:
        assert parser.parse(body, truth.url) == parse_article(body, truth.url, profile)


def test_a_worker_killed_between_pages_is_replaced() -> None:
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    with PageParser(DEFAULT_PROFILE, processes=1) as parser:
        first = parser.parse(body, truth.url)
        [pid] = worker_pids(parser)
        os.kill(pid, signal.SIGKILL)
        assert parser.parse(body, truth.url) == first
        assert worker_pids(parser) and pid not in worker_pids(parser)


def test_a_page_that_kills_its_worker_twice_is_a_parse_error_and_the_next_page_parses(
    poisoned_worker: str,
) -> None:
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    parser = PageParser(DEFAULT_PROFILE, processes=1)
    parser.worker_module = poisoned_worker
    with parser:
        assert parser.parse(body, truth.url) == parse_article(body, truth.url)
        [first] = worker_pids(parser)
        with pytest.raises(ParseError, match="parser process died on this page"):
            parser.parse(POISON, truth.url)
        assert parser.parse(body, truth.url) == parse_article(body, truth.url)
        assert first not in worker_pids(parser)


def test_what_a_worker_prints_does_not_garble_its_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "chatty_worker.py").write_text(
        "from scraper.parse import parse_article\n"
        "from scraper.parsepool import worker_main\n"
        "def chatty(body, url, profile):\n"
        "    print('parsing', url)\n"
        "    return parse_article(body, url, profile)\n"
        "worker_main(chatty)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    parser = PageParser(DEFAULT_PROFILE, processes=1)
    parser.worker_module = "chatty_worker"
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    with parser:
        assert parser.parse(body, truth.url) == parse_article(body, truth.url)


def test_closing_ends_the_workers() -> None:
    truth = SITE.articles[0]
    parser = PageParser(DEFAULT_PROFILE, processes=2)
    parser.parse(SITE.lookup(truth.path).body, truth.url)
    pids = worker_pids(parser)
    assert pids
    parser.close()
    assert not any(running(pid) for pid in pids)  # close waits for them
    with pytest.raises(RuntimeError, match="closed"):
        parser.parse(b"<html></html>", truth.url)


def test_no_workers_parses_in_the_calling_thread() -> None:
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    parser = PageParser(DEFAULT_PROFILE, processes=0)
    assert parser.parse(body, truth.url) == parse_article(body, truth.url)
    assert worker_pids(parser) == set() and parser.peak_memory_kib() == 0


def test_the_workers_report_their_peak_memory(workers: PageParser) -> None:
    truth = SITE.articles[0]
    workers.parse(SITE.lookup(truth.path).body, truth.url)
    assert 1_000 < workers.peak_memory_kib() < 1_000_000  # between 1 MB and 1 GB


def test_a_negative_number_of_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        PageParser(replace(DEFAULT_PROFILE), processes=-1)


def test_many_threads_share_the_workers_and_each_gets_its_own_record(
    workers: PageParser,
) -> None:
    pages = [(SITE.lookup(t.path).body, t.url) for t in SITE.articles[:40]]
    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(lambda page: workers.parse(*page), pages))
    assert [record.url for record in records] == [url for _, url in pages]


def test_signals_meant_for_the_crawl_leave_its_workers_parsing() -> None:
    # Ctrl-C and a service manager's SIGTERM reach a whole process group; the crawl stops
    # by itself and still needs the records of the pages in flight.
    truth = SITE.articles[0]
    body = SITE.lookup(truth.path).body
    with PageParser(DEFAULT_PROFILE, processes=1) as parser:
        parser.parse(body, truth.url)
        [pid] = worker_pids(parser)
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
        assert parser.parse(body, truth.url) == parse_article(body, truth.url)
        assert worker_pids(parser) == {pid}


def test_an_error_that_cannot_be_read_back_is_a_parse_error_and_nothing_hangs(
    poisoned_worker: str,
) -> None:
    # The answer that cannot be read back comes while a big answer is on its way and a big
    # page is being written: the reader must go on reading, or both sides wait forever.
    url = SITE.articles[0].url
    with parser_with(poisoned_worker) as parser, ThreadPoolExecutor(3) as pool:
        [pid] = (parser.parse(*page(0)), worker_pids(parser))[1]
        odd = pool.submit(parser.parse, b"odd error", url)
        big = pool.submit(parser.parse, b"big answer", url)
        page_of_5_mb = pool.submit(parser.parse, b"<p>x</p>" * 650_000, url)
        with pytest.raises(ParseError, match="unreadable answer"):
            odd.result(timeout=30)
        assert big.result(timeout=30) == "x" * 3_000_000
        with pytest.raises(ParseError):
            page_of_5_mb.result(timeout=30)
        assert worker_pids(parser) == {pid}  # the worker lived on


def test_pages_waiting_behind_a_page_that_kills_the_worker_are_parsed(
    poisoned_worker: str,
) -> None:
    with parser_with(poisoned_worker) as parser, ThreadPoolExecutor(8) as pool:
        parser.parse(*page(0))
        poisoned = pool.submit(parser.parse, POISON, SITE.articles[0].url)
        time.sleep(0.05)  # the poison page is being parsed; these wait behind it
        waiting = [pool.submit(parser.parse, *page(n)) for n in range(1, 8)]
        assert [future.result(timeout=30) for future in waiting] == [
            parse_article(*page(n)) for n in range(1, 8)
        ]
        with pytest.raises(ParseError, match="died on this page"):
            poisoned.result(timeout=30)


def test_workers_that_died_idle_are_replaced_before_the_next_page() -> None:
    with PageParser(DEFAULT_PROFILE, processes=2) as parser:
        parser.parse(*page(0))
        for pid in worker_pids(parser):
            os.kill(pid, signal.SIGKILL)
        assert parser.parse(*page(1)) == parse_article(*page(1))


def test_workers_that_cannot_start_leave_the_parsing_to_the_crawl_s_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with parser_with("no_such_worker_module", processes=2) as parser:
        assert parser.parse(*page(0)) == parse_article(*page(0))
        assert parser.parse(*page(1)) == parse_article(*page(1))
        assert worker_pids(parser) == set()
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "no_such_worker_module" in warning and "crawl's own process" in warning


def test_a_folder_named_like_the_project_in_the_working_directory_is_not_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    impostor = tmp_path / "scraper"
    impostor.mkdir()
    (impostor / "__init__.py").write_text("import os\nos._exit(3)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with PageParser(DEFAULT_PROFILE, processes=1) as parser:
        assert parser.parse(*page(0)) == parse_article(*page(0))
        assert worker_pids(parser)  # parsed by a worker, not by the fallback


def page(n: int) -> tuple[bytes, str]:
    """The body and URL of the ``n``-th sample article."""
    truth = SITE.articles[n]
    return SITE.lookup(truth.path).body, truth.url


def test_a_page_that_never_parses_is_a_parse_error_and_the_crawl_goes_on(
    poisoned_worker: str,
) -> None:
    with parser_with(poisoned_worker, timeout=0.5) as parser, ThreadPoolExecutor(4) as pool:
        endless = pool.submit(parser.parse, b"endless", SITE.articles[0].url)
        time.sleep(0.05)
        waiting = pool.submit(parser.parse, *page(1))  # behind it: not blamed, parsed
        with pytest.raises(ParseError, match=r"not parsed within 0.5 s, 2 times"):
            endless.result(timeout=30)
        assert waiting.result(timeout=30) == parse_article(*page(1))
        assert parser.parse(*page(2)) == parse_article(*page(2))
