"""The fetcher against a real HTTP server on loopback, specified from the server's own log.

No test touches a non-loopback address; 127.0.0.2 stands in for "another host".
"""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from scraper.errors import (
    FetchError,
    HostNotAllowed,
    HTTPStatusError,
    ResponseTooLarge,
    RobotsDisallowed,
)
from scraper.fetch import Fetcher, FetchPolicy, retry_after_seconds
from tests.fixtures_http import Drop, FaultServer, Reply, Seen

UA = "baohatinh-archive-test/1.0 (+mailto:archivist@example.org)"
ALLOW_ALL = Reply(200, b"User-agent: *\nDisallow:\n")
# Server-side start times carry a little accept/thread jitter.
# Starts are read from the server's log, whose handler threads may be scheduled a little late
# on a busy machine; the tolerance absorbs that without hiding a missing delay.
GAP_TOLERANCE = 0.06


def make_policy(**overrides: Any) -> FetchPolicy:
    """A fast policy for 127.0.0.1; tests override what they exercise."""
    values: dict[str, Any] = {
        "user_agent": UA,
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "delay_seconds": 0.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(overrides)
    return FetchPolicy(**values)


@pytest.fixture
def server() -> Any:
    with FaultServer() as fault:
        fault.route("/robots.txt", ALLOW_ALL)
        yield fault


def starts(server: FaultServer) -> list[float]:
    return [seen.started for seen in server.log]


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


# --------------------------------------------------------------------------- basics


def test_fetch_returns_raw_page_with_lowercased_headers(server: FaultServer) -> None:
    server.route("/a", Reply(200, b"<html>xin chao</html>", {"X-Cms-Id": "42"}))
    with Fetcher(make_policy()) as fetcher:
        page = fetcher.fetch(server.url("/a"))
        stats = fetcher.stats
    assert (page.url, page.final_url, page.status) == (server.url("/a"),) * 2 + (200,)
    assert page.body == b"<html>xin chao</html>"
    assert page.headers["x-cms-id"] == "42"
    assert all(name == name.lower() for name in page.headers)
    assert page.fetched_at.tzinfo is not None and page.fetched_at.utcoffset() == timedelta(0)
    assert stats.requests == 2 and stats.by_status[200] == 2  # robots.txt counts too
    assert stats.bytes == len(ALLOW_ALL.body) + len(page.body)


def test_user_agent_sent_on_every_request_including_robots(server: FaultServer) -> None:
    server.route("/a", Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        fetcher.fetch(server.url("/a"), headers={"User-Agent": "impostor", "X-Extra": "1"})
    assert server.paths == ["/robots.txt", "/a"]
    assert all(seen.headers["user-agent"] == UA for seen in server.log)
    assert all("gzip" in seen.headers["accept-encoding"] for seen in server.log)
    assert server.requests_to("/a")[0].headers["x-extra"] == "1"


def test_not_modified_is_returned_not_raised(server: FaultServer) -> None:
    def conditional(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(200, b"fresh", {"ETag": '"v1"'})

    server.route("/a", conditional)
    with Fetcher(make_policy()) as fetcher:
        page = fetcher.fetch(server.url("/a"), headers={"If-None-Match": '"v1"'})
    assert page.status == 304 and page.body == b"" and page.headers["etag"] == '"v1"'


def test_gzip_body_is_decoded(server: FaultServer) -> None:
    text = "Xây dựng Đảng ".encode() * 50
    server.route("/z", Reply(200, gzip.compress(text), {"Content-Encoding": "gzip"}))
    with Fetcher(make_policy(obey_robots=False)) as fetcher:
        assert fetcher.fetch(server.url("/z")).body == text


def test_injected_transport_is_used(server: FaultServer) -> None:
    server.route("/a", Reply(200, b"ok"))
    policy = make_policy(obey_robots=False)
    with Fetcher(policy, transport=httpx.HTTPTransport(retries=0)) as fetcher:
        assert fetcher.fetch(server.url("/a")).body == b"ok"


def test_non_http_url_is_refused() -> None:
    with Fetcher(make_policy()) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("ftp://127.0.0.1/file")
    assert caught.value.reason == "bad-url" and "ftp://127.0.0.1/file" in str(caught.value)


# --------------------------------------------------------------------------- robots.txt


def test_robots_disallowed_path_is_never_requested(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /api/\n"))
    server.route("/api/more", Reply(200, b"{}"))
    server.route("/ok", Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        with pytest.raises(RobotsDisallowed) as caught:
            fetcher.fetch(server.url("/api/more"))
        fetcher.fetch(server.url("/ok"))
        blocked = fetcher.stats.robots_blocked
    assert server.url("/api/more") in str(caught.value)
    assert server.paths == ["/robots.txt", "/ok"]
    assert blocked == 1


def test_robots_read_once_per_host_even_from_threads(server: FaultServer) -> None:
    for n in range(6):
        server.route(f"/p{n}", Reply(200, b"ok"))
    with Fetcher(make_policy(concurrency=3)) as fetcher, ThreadPoolExecutor(6) as pool:
        list(pool.map(fetcher.fetch, [server.url(f"/p{n}") for n in range(6)]))
    assert server.paths.count("/robots.txt") == 1
    assert server.paths[0] == "/robots.txt"


def test_missing_robots_allows_everything(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(404))
    server.route("/a", Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        assert fetcher.fetch(server.url("/a")).status == 200


def test_unreachable_robots_disallows_the_host(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(503))
    server.route("/a", Reply(200, b"ok"))
    with Fetcher(make_policy(max_attempts=2)) as fetcher:
        with pytest.raises(RobotsDisallowed) as caught:
            fetcher.fetch(server.url("/a"))
        assert fetcher.allowed_by_robots(server.url("/a")) is False
    assert "unreachable (HTTP 503)" in str(caught.value)
    assert server.paths == ["/robots.txt", "/robots.txt"]  # retried, then never again


def test_robots_rules_apply_to_our_user_agent(server: FaultServer) -> None:
    rules = b"User-agent: baohatinh-archive-test\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    server.route("/robots.txt", Reply(200, rules))
    with Fetcher(make_policy()) as fetcher:
        assert fetcher.allowed_by_robots(server.url("/a")) is False
    with Fetcher(make_policy(user_agent="otherbot/2.0")) as fetcher:
        assert fetcher.allowed_by_robots(server.url("/a")) is True


def test_robots_ignored_when_policy_says_so(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /\n"))
    server.route("/a", Reply(200, b"ok"))
    with Fetcher(make_policy(obey_robots=False)) as fetcher:
        fetcher.fetch(server.url("/a"))
        assert fetcher.allowed_by_robots(server.url("/a")) is True
    assert server.paths == ["/a"]


# --------------------------------------------------------------------------- politeness


def test_delay_between_request_starts(server: FaultServer) -> None:
    for n in range(3):
        server.route(f"/p{n}", Reply(200, b"ok"))
    with Fetcher(make_policy(delay_seconds=0.3)) as fetcher:
        for n in range(3):
            fetcher.fetch(server.url(f"/p{n}"))
        waited = fetcher.stats.waited_seconds
    assert len(server.log) == 4
    assert min(gaps(starts(server))) >= 0.3 - GAP_TOLERANCE
    assert waited > 0


def test_crawl_delay_from_robots_is_honoured(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 0.4\n"))
    for n in range(2):
        server.route(f"/p{n}", Reply(200, b"ok"))
    with Fetcher(make_policy(delay_seconds=0.01)) as fetcher:
        assert fetcher.crawl_delay("127.0.0.1") == 0.01  # robots.txt not read yet
        for n in range(2):
            fetcher.fetch(server.url(f"/p{n}"))
        assert fetcher.crawl_delay("127.0.0.1") == 0.4
    # The gap after robots.txt itself counts: the delay applies from the next request on.
    assert min(gaps(starts(server))) >= 0.4 - GAP_TOLERANCE


def test_concurrency_per_host_is_never_exceeded(server: FaultServer) -> None:
    for n in range(6):
        server.route(f"/slow{n}", Reply(200, b"ok", delay=0.25))
    policy = make_policy(concurrency=2, delay_seconds=0.05)
    with Fetcher(policy) as fetcher, ThreadPoolExecutor(6) as pool:
        pages = list(pool.map(fetcher.fetch, [server.url(f"/slow{n}") for n in range(6)]))
    assert [page.status for page in pages] == [200] * 6
    assert server.max_in_flight == 2  # both slots used, never a third
    assert min(gaps(starts(server))) >= 0.05 - GAP_TOLERANCE


# --------------------------------------------------------------------------- retries


def test_503_twice_then_ok_is_retried(server: FaultServer) -> None:
    server.route("/flaky", Reply(503), Reply(503), Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        page = fetcher.fetch(server.url("/flaky"))
        stats = fetcher.stats
    assert page.body == b"ok"
    assert len(server.requests_to("/flaky")) == 3
    assert stats.retries == 2 and stats.by_status[503] == 2


def test_429_retry_after_is_waited_for(server: FaultServer) -> None:
    server.route("/busy", Reply(429, headers={"Retry-After": "1"}), Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        assert fetcher.fetch(server.url("/busy")).status == 200
        waited = fetcher.stats.waited_seconds
    first, second = server.requests_to("/busy")
    assert second.started - first.started >= 1.0 - GAP_TOLERANCE
    assert waited >= 0.9


def test_too_long_retry_after_gives_up_for_the_run(server: FaultServer) -> None:
    server.route("/busy", Reply(503, headers={"Retry-After": "3600"}))
    with Fetcher(make_policy()) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/busy"))
    assert caught.value.reason == "retry-after-too-long"
    assert len(server.requests_to("/busy")) == 1


def test_persistent_5xx_ends_in_status_error(server: FaultServer) -> None:
    server.route("/down", Reply(502))
    with Fetcher(make_policy(max_attempts=3)) as fetcher, pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(server.url("/down"))
    assert caught.value.status == 502 and server.url("/down") in str(caught.value)
    assert len(server.requests_to("/down")) == 3


def test_404_is_not_retried(server: FaultServer) -> None:
    with Fetcher(make_policy()) as fetcher, pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(server.url("/missing"))
    assert caught.value.status == 404 and caught.value.reason == "http-404"
    assert len(server.requests_to("/missing")) == 1


def test_dropped_connection_is_retried(server: FaultServer) -> None:
    server.route("/drop", Drop(), Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        assert fetcher.fetch(server.url("/drop")).body == b"ok"
    assert len(server.requests_to("/drop")) == 2


def test_slow_answer_times_out_after_retries(server: FaultServer) -> None:
    server.route("/slow", Reply(200, b"late", delay=1.0))
    policy = make_policy(read_timeout=0.2, max_attempts=2)
    with Fetcher(policy) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/slow"))
    assert caught.value.reason == "timeout" and server.url("/slow") in str(caught.value)
    assert len(server.requests_to("/slow")) == 2


@pytest.mark.parametrize(
    "reply",
    [
        # Each piece comes well within the read timeout; the whole answer never does.
        pytest.param(Reply(200, b"ok", {"X-Pad": "x" * 400}, trickle=0.05), id="headers"),
        pytest.param(Reply(200, b"x" * 3000, trickle=0.05, piece=64), id="body"),
    ],
)
def test_an_answer_trickled_past_the_total_timeout_is_given_up(
    server: FaultServer, reply: Reply
) -> None:
    server.route("/trickle", reply)
    server.route("/fast", Reply(200, b"fast"))
    policy = make_policy(read_timeout=2.0, total_timeout=0.5, max_attempts=2)
    with Fetcher(policy) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(server.url("/trickle"))
        assert caught.value.reason == "timeout" and server.url("/trickle") in str(caught.value)
        assert "0.5 s" in str(caught.value)
        assert fetcher.fetch(server.url("/fast")).body == b"fast"  # the next has its own
    assert len(server.requests_to("/trickle")) == 2  # each attempt was given its own time


def test_backoff_is_bounded_by_the_policy(server: FaultServer) -> None:
    server.route("/flaky", Reply(500), Reply(500), Reply(500), Reply(200, b"ok"))
    sleeps: list[float] = []
    policy = make_policy(obey_robots=False, backoff_base=1.0, backoff_max=1.5)
    with Fetcher(policy, sleep=sleeps.append) as fetcher:
        assert fetcher.fetch(server.url("/flaky")).status == 200
    assert len(sleeps) == 3
    assert 0 <= sleeps[0] <= 1.0 and all(0 <= s <= 1.5 for s in sleeps[1:])


def test_injected_clock_and_sleep_drive_the_delay(server: FaultServer) -> None:
    for n in range(3):
        server.route(f"/p{n}", Reply(200, b"ok"))
    now = [1000.0]
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    policy = make_policy(obey_robots=False, delay_seconds=100.0)
    with Fetcher(policy, sleep=fake_sleep, clock=lambda: now[0]) as fetcher:
        for n in range(3):
            fetcher.fetch(server.url(f"/p{n}"))
        assert fetcher.stats.waited_seconds == pytest.approx(200.0)
    assert sleeps == [pytest.approx(100.0)] * 2


def test_request_stop_wakes_a_waiting_fetch(server: FaultServer) -> None:
    server.route("/busy", Reply(503, headers={"Retry-After": "30"}), Reply(200))
    outcome: list[BaseException] = []
    with Fetcher(make_policy()) as fetcher:

        def run() -> None:
            try:
                fetcher.fetch(server.url("/busy"))
            except FetchError as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 5
        while not server.requests_to("/busy") and time.monotonic() < deadline:
            time.sleep(0.01)
        fetcher.request_stop()
        worker.join(timeout=3)
        assert not worker.is_alive()
    assert len(outcome) == 1 and getattr(outcome[0], "reason", None) == "stopped"
    assert len(server.requests_to("/busy")) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 0 ", 0.0), ("soon", None), ("", None), (None, None), ("-5", None)],
)
def test_retry_after_seconds_delta(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_seconds_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now=now) == 90.0
    assert retry_after_seconds(earlier, now=now) == 0.0


# --------------------------------------------------------------------------- redirects


def test_redirect_within_host_is_followed(server: FaultServer) -> None:
    server.route("/old", Reply(301, headers={"Location": "/new-post1.html"}))
    server.route("/new-post1.html", Reply(200, b"ok"))
    with Fetcher(make_policy()) as fetcher:
        page = fetcher.fetch(server.url("/old"))
    assert page.url == server.url("/old") and page.final_url == server.url("/new-post1.html")


def test_off_host_redirect_is_refused_before_any_request(server: FaultServer) -> None:
    with FaultServer("127.0.0.2") as elsewhere:
        elsewhere.route("/target", Reply(200, b"should never be read"))
        server.route("/away", Reply(302, headers={"Location": elsewhere.url("/target")}))
        with Fetcher(make_policy()) as fetcher:
            with pytest.raises(HostNotAllowed) as caught:
                fetcher.fetch(server.url("/away"))
            with pytest.raises(HostNotAllowed):
                fetcher.fetch(elsewhere.url("/target"))
            with pytest.raises(HostNotAllowed):
                fetcher.allowed_by_robots(elsewhere.url("/target"))
        assert elsewhere.log == []  # not even its robots.txt
    assert server.url("/away") in str(caught.value) and "127.0.0.2" in str(caught.value)


def test_redirect_into_a_disallowed_path_is_refused(server: FaultServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /search/\n"))
    server.route("/go", Reply(302, headers={"Location": "/search/?q=x"}))
    with Fetcher(make_policy()) as fetcher, pytest.raises(RobotsDisallowed):
        fetcher.fetch(server.url("/go"))
    assert server.paths == ["/robots.txt", "/go"]


def test_redirect_loop_is_detected(server: FaultServer) -> None:
    server.route("/a", Reply(302, headers={"Location": "/b"}))
    server.route("/b", Reply(302, headers={"Location": "/a"}))
    with Fetcher(make_policy()) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/a"))
    assert caught.value.reason == "redirect-loop"
    assert server.paths == ["/robots.txt", "/a", "/b"]


def test_too_many_redirects(server: FaultServer) -> None:
    for n in range(5):
        server.route(f"/r{n}", Reply(307, headers={"Location": f"/r{n + 1}"}))
    with Fetcher(make_policy(max_redirects=2)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/r0"))
    assert caught.value.reason == "too-many-redirects"
    assert server.paths == ["/robots.txt", "/r0", "/r1", "/r2"]


# --------------------------------------------------------------------------- size cap

BOMB = gzip.compress(b"\0" * 100_000)  # about 130 bytes that inflate to 100 kB


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, b"x" * 5000),
        Reply(200, b"x" * 5000, content_length=False),
        Reply(200, BOMB, {"Content-Encoding": "gzip"}),
    ],
    ids=["content-length", "no-content-length", "gzip-bomb"],
)
def test_oversize_body_is_refused(server: FaultServer, reply: Reply) -> None:
    server.route("/big", reply)
    with (
        Fetcher(make_policy(max_body_bytes=4096)) as fetcher,
        pytest.raises(ResponseTooLarge) as caught,
    ):
        fetcher.fetch(server.url("/big"))
    assert server.url("/big") in str(caught.value)
    assert len(server.requests_to("/big")) == 1  # never retried


def test_a_fetch_may_set_its_own_cap_above_or_below_the_policy_cap(server: FaultServer) -> None:
    server.route("/big", Reply(200, b"x" * 5000))
    with Fetcher(make_policy(max_body_bytes=4096)) as fetcher:
        assert len(fetcher.fetch(server.url("/big"), max_bytes=8192).body) == 5000
        with pytest.raises(ResponseTooLarge, match="1000-byte cap"):
            fetcher.fetch(server.url("/big"), max_bytes=1000)
        with pytest.raises(ResponseTooLarge, match="4096-byte cap"):
            fetcher.fetch(server.url("/big"))  # the next fetch has the policy's cap again


def test_small_gzip_body_under_the_cap_passes(server: FaultServer) -> None:
    assert len(BOMB) < 4096
    server.route("/z", Reply(200, BOMB, {"Content-Encoding": "gzip"}))
    with Fetcher(make_policy(obey_robots=False, max_body_bytes=200_000)) as fetcher:
        assert len(fetcher.fetch(server.url("/z")).body) == 100_000


# --------------------------------------------------------------------------- policy


def test_policy_normalises_hosts() -> None:
    policy = make_policy(allowed_hosts=["BaoHaTinh.vn", "cdn.baohatinh.vn"])
    assert policy.allowed_hosts == frozenset({"baohatinh.vn", "cdn.baohatinh.vn"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_agent", ""),
        ("user_agent", "bot\r\nX-Evil: 1"),
        ("allowed_hosts", frozenset()),
        ("allowed_hosts", "baohatinh.vn"),
        ("allowed_hosts", frozenset({"https://baohatinh.vn"})),
        ("allowed_hosts", frozenset({"baohatinh.vn:443"})),
        ("connect_timeout", 0),
        ("read_timeout", -1.0),
        ("read_timeout", float("nan")),
        ("total_timeout", 0),
        ("total_timeout", float("inf")),
        ("max_attempts", 0),
        ("max_attempts", 2.5),
        ("backoff_base", -0.1),
        ("backoff_max", 0),
        ("delay_seconds", -1),
        ("delay_seconds", float("inf")),
        ("concurrency", 0),
        ("concurrency", True),
        ("max_body_bytes", 0),
        ("max_redirects", -1),
        ("obey_robots", "yes"),
        ("max_retry_after", 0),
    ],
)
def test_policy_rejects_bad_values_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        make_policy(**{field: value})
