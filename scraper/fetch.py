"""Polite, safe HTTP fetching: the only module that talks to the network.

A :class:`Fetcher` turns a URL into a :class:`~scraper.records.RawPage` while keeping the
promises a guest crawler makes to the site:

- it only ever requests hosts named in :attr:`FetchPolicy.allowed_hosts`, checking every
  redirect hop *before* requesting it (redirects are followed by hand);
- it reads each origin's ``robots.txt`` once, lazily, obeys its rules and ``Crawl-delay``
  for the policy's user agent, and treats an unreachable ``robots.txt`` as "disallow all"
  (RFC 9309 §2.3.1.4);
- per host, at most ``concurrency`` requests are in flight and two request starts are at
  least ``crawl_delay(host)`` seconds apart;
- a request is given up when its answer is not complete within ``total_timeout`` (each
  wait for data is bounded by ``read_timeout``, but a server trickling bytes would
  otherwise hold it for ever; see :mod:`scraper.deadline`);
- timeouts, dropped connections, 429 and 5xx are retried with exponential backoff and full
  jitter, or after ``Retry-After`` when the server sends one;
- bodies are streamed and cut off past ``max_body_bytes`` (or a fetch's own ``max_bytes``),
  counted after decompression so a small gzip bomb cannot slip through.

Errors are the project's (:mod:`scraper.errors`); httpx's exceptions are mapped at this
boundary and every message names the URL asked for::

    FetchError               reason: timeout, connect, protocol, network, decoding, bad-url,
    │                                redirect-loop, too-many-redirects, retry-after-too-long,
    │                                stopped, closed …
    ├── RobotsDisallowed     robots.txt forbids the URL, or could not be read
    ├── HostNotAllowed       the URL or a redirect leaves the allowed hosts
    ├── ResponseTooLarge     the body passed the size cap
    └── HTTPStatusError      a final 4xx/5xx (or a 3xx that is not a usable redirect)
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from protego import Protego

from .deadline import Deadlines, deadline_transport
from .errors import FetchError, HostNotAllowed, HTTPStatusError, ResponseTooLarge, RobotsDisallowed
from .records import RawPage
from .urls import host_of

__all__ = [
    "FetchPolicy",
    "FetchStats",
    "Fetcher",
    "check_user_agent",
    "normalise_hosts",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

# Statuses worth another attempt: the server is busy or briefly broken, not refusing.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Of those, the ones whose Retry-After we honour instead of our own backoff.
RETRY_AFTER_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# FetchError reasons (from mapped httpx errors) that a new attempt may cure.
RETRYABLE_REASONS = frozenset({"timeout", "connect", "protocol", "network"})
# Only encodings whose decoders we know are bounded per chunk; no brotli/zstd surprises.
ACCEPT_ENCODING = "gzip, deflate"
# How often a thread blocked on a host's request slots looks at the stop flag.
STOP_POLL_SECONDS = 0.05
# The reasons of a fetch given up because the fetcher was asked to stop or was closed:
# the URL was not tried, it did not fail.
STOP_REASONS = frozenset({"stopped", "closed"})

# Most specific first: httpx's classes inherit from one another.
_HTTPX_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.TimeoutException, "timeout"),
    (httpx.ConnectError, "connect"),
    (httpx.RemoteProtocolError, "protocol"),
    (httpx.NetworkError, "network"),
    (httpx.DecodingError, "decoding"),
    (httpx.UnsupportedProtocol, "bad-url"),
    (httpx.InvalidURL, "bad-url"),
    (httpx.ProxyError, "proxy"),
    (httpx.TransportError, "transport"),
    (httpx.HTTPError, "http"),
    (httpx.StreamError, "stream"),
)
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Politeness and safety limits of a :class:`Fetcher`, validated on construction.

    ``allowed_hosts`` are host names (lower-cased here; URL ports are ignored when
    matching). ``delay_seconds`` and ``backoff_base`` may be 0 (useful against a local
    test site); every other number must be positive. Raises ``ValueError`` naming the field.
    """

    user_agent: str
    allowed_hosts: frozenset[str]
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    delay_seconds: float = 1.0
    concurrency: int = 2
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    obey_robots: bool = True
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        check_user_agent(self.user_agent)
        object.__setattr__(self, "allowed_hosts", normalise_hosts(self.allowed_hosts))
        for name in (
            "connect_timeout",
            "read_timeout",
            "total_timeout",
            "backoff_max",
            "max_retry_after",
        ):
            _check_number(name, getattr(self, name), allow_zero=False)
        for name in ("backoff_base", "delay_seconds"):
            _check_number(name, getattr(self, name), allow_zero=True)
        for name in ("max_attempts", "concurrency", "max_body_bytes"):
            _check_int(name, getattr(self, name), minimum=1)
        _check_int("max_redirects", self.max_redirects, minimum=0)
        if not isinstance(self.obey_robots, bool):
            raise ValueError(f"obey_robots must be true or false, got {self.obey_robots!r}")


def check_user_agent(value: object) -> None:
    """Raise ``ValueError`` unless ``value`` can be sent as the User-Agent header."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("user_agent must be a non-empty string")
    # A newline would let the value smuggle extra headers into every request; a header
    # is sent as ASCII (httpx refuses anything else, on every request).
    if not (value.isascii() and value.isprintable()):
        raise ValueError("user_agent must be a single line of ASCII text")


def normalise_hosts(value: object) -> frozenset[str]:
    """Return the host names of ``value`` lower-cased; raise ``ValueError`` unless each is
    a bare host name (no scheme, port or path)."""
    if isinstance(value, str) or not isinstance(value, frozenset | set | list | tuple):
        raise ValueError(f"allowed_hosts must be a set of host names, got {value!r}")
    hosts = frozenset(str(host).strip().lower() for host in value)
    if not hosts:
        raise ValueError("allowed_hosts must name at least one host")
    for host in hosts:
        name, _, port = host.rpartition(":")
        if not host or any(ch in host for ch in "/@ \t") or (port.isdigit() and ":" not in name):
            raise ValueError(f"allowed_hosts: {host!r} is not a bare host name (no scheme/port)")
    return hosts


def _check_number(name: str, value: object, *, allow_zero: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def _check_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


@dataclass
class FetchStats:
    """Running totals of one :class:`Fetcher` (robots.txt requests included).

    ``bytes`` counts decoded body bytes; ``waited_seconds`` adds up politeness delays,
    ``Retry-After`` waits and backoff; ``by_status`` counts every response, redirects and
    retried ones too.
    """

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_status: Counter[int] = field(default_factory=Counter)
    robots_blocked: int = 0


# --------------------------------------------------------------------------- helpers


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds (never negative).

    Accepts delta-seconds (``"120"``) and an HTTP date; returns ``None`` for a missing or
    unreadable value, so the caller falls back to its own backoff.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _map_httpx_error(url: str, target: str, exc: Exception) -> FetchError:
    """Turn an httpx exception into a :class:`FetchError` naming ``url``."""
    reason = next(tag for cls, tag in _HTTPX_REASONS if isinstance(exc, cls))
    where = "" if target == url else f" (at redirect target {target})"
    detail = str(exc) or type(exc).__name__
    return FetchError(url, f"{reason}: {detail}{where}", reason=reason)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the scope of one robots.txt (RFC 9309)."""
    parts = urlsplit(url)
    host = host_of(url)
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{parts.port}" if parts.port else "")


def _content_length(response: httpx.Response) -> int | None:
    raw = response.headers.get("content-length", "")
    return int(raw) if raw.strip().isdigit() else None


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP response as read: status, headers, (possibly empty) body."""

    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class _RobotsRules:
    """What one origin's robots.txt says; ``parser`` is None for allow-all/deny-all."""

    robots_url: str
    parser: Protego | None
    allow_all: bool
    note: str

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str) -> float:
        delay = self.parser.crawl_delay(user_agent) if self.parser else None
        # An "inf" or "nan" Crawl-delay would stall or break the gate; ignore it.
        return delay if delay is not None and math.isfinite(delay) and delay > 0 else 0.0

    def refusal(self, target: str) -> str:
        if self.parser is None:
            return f"{self.robots_url} {self.note}; {target} treated as disallowed (RFC 9309)"
        return f"{self.robots_url} disallows {target}"


class _HostGate:
    """Politeness state of one host name: request slots, start times, robots rules."""

    def __init__(self, concurrency: int) -> None:
        self.slots = threading.BoundedSemaphore(concurrency)
        self.lock = threading.Lock()  # guards last_start and not_before
        self.last_start = -math.inf
        self.not_before = -math.inf  # raised by Retry-After: the host asked everyone to wait
        self.robots_lock = threading.Lock()  # one robots.txt download per host at a time
        self.robots: dict[str, _RobotsRules] = {}
        self.robots_delay = 0.0


# --------------------------------------------------------------------------- fetcher


class Fetcher:
    """Fetch pages politely; thread-safe, one per crawl run.

    ``transport`` replaces httpx's network transport (tests); ``sleep`` and ``clock`` are
    injectable. With the default ``time.sleep``, waits are done on an event instead so
    :meth:`request_stop` wakes them at once; an injected ``sleep`` is called as given and
    the stop flag is checked after it returns.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.stats = FetchStats()
        self._sleep = sleep
        self._clock = clock
        self._stop = threading.Event()
        self._closed = False
        self._stats_lock = threading.Lock()
        self._gates_lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._deadlines = Deadlines()
        self._client = httpx.Client(
            transport=transport if transport is not None else deadline_transport(self._deadlines),
            follow_redirects=False,  # each hop's host is checked before it is requested
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            # The environment must not change where requests go or add credentials (.netrc).
            trust_env=False,
        )

    # -- public API

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> RawPage:
        """Fetch ``url`` following allowed redirects; return the final answer.

        Returns a :class:`RawPage` for 2xx and for 304 (empty body: send ``If-None-Match``
        / ``If-Modified-Since`` in ``headers``). ``User-Agent`` and ``Accept-Encoding``
        are always the fetcher's own. ``max_bytes`` replaces ``policy.max_body_bytes``
        for this fetch (an image has its own cap, above or below the pages'). Raises
        :class:`HostNotAllowed`, :class:`RobotsDisallowed`, :class:`ResponseTooLarge`,
        :class:`HTTPStatusError`, or :class:`FetchError` (see the module docstring for its
        reasons), and ``ValueError`` for a ``max_bytes`` below 1.
        """
        if max_bytes is not None:
            _check_int("max_bytes", max_bytes, minimum=1)
        self._raise_if_unusable(url)
        cap = self.policy.max_body_bytes if max_bytes is None else max_bytes
        return self._follow(url, self._request_headers(headers), check_robots=True, cap=cap)

    def allowed_by_robots(self, url: str) -> bool:
        """Tell whether robots.txt lets the policy's user agent fetch ``url``.

        Downloads the origin's robots.txt on first use (politely, counted in ``stats``).
        Always True when ``obey_robots`` is off. Raises :class:`HostNotAllowed` for a URL
        outside the allowed hosts (its robots.txt is never requested) and
        :class:`FetchError` when stopped or closed.
        """
        return self.robots_refusal(url) is None

    def robots_refusal(self, url: str) -> str | None:
        """Return why robots.txt refuses ``url`` (one line), or None if it may be fetched.

        The reason says whether robots.txt forbids the URL or could not be read (which
        RFC 9309 treats as forbidding everything). Reads robots.txt as
        :meth:`allowed_by_robots` does, and raises the same errors.
        """
        self._raise_if_unusable(url)
        if not self.policy.obey_robots:
            return None
        self._check_host(url, url)
        rules = self._robots_for(url, url)
        return None if rules.allows(url, self.policy.user_agent) else rules.refusal(url)

    def crawl_delay(self, host: str) -> float:
        """Return the minimum gap between request starts to ``host``, in seconds.

        That is the larger of ``policy.delay_seconds`` and the ``Crawl-delay`` of the
        host's robots.txt files read so far (they are read lazily, on the first fetch).
        """
        gate = self._gates.get(host.lower())
        robots_delay = gate.robots_delay if gate and self.policy.obey_robots else 0.0
        return max(self.policy.delay_seconds, robots_delay)

    def request_stop(self) -> None:
        """Make waiting fetches give up promptly with ``FetchError`` reason ``stopped``.

        Requests already on the wire finish (bounded by the timeouts); new fetches fail.
        """
        self._stop.set()

    def close(self) -> None:
        """Stop waiting fetches and close the HTTP client. Idempotent."""
        self._closed = True
        self._stop.set()
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- redirects and target checks

    def _follow(self, url: str, headers: httpx.Headers, *, check_robots: bool, cap: int) -> RawPage:
        """Request ``url`` and its redirect hops, checking each hop before requesting it;
        a body past ``cap`` bytes is refused."""
        target = url
        seen = {urldefrag(url).url}
        hops = 0
        while True:
            self._check_target(url, target, check_robots=check_robots)
            answer = self._request(url, target, headers, cap)
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                return self._finish(url, target, answer)
            target = self._next_hop(url, target, location, seen, hops)
            hops += 1

    def _next_hop(self, url: str, target: str, location: str, seen: set[str], hops: int) -> str:
        next_target = urldefrag(urljoin(target, location.strip())).url
        if next_target in seen:
            raise FetchError(url, f"redirect loop back to {next_target}", reason="redirect-loop")
        if hops >= self.policy.max_redirects:
            raise FetchError(
                url,
                f"more than {self.policy.max_redirects} redirects (next: {next_target})",
                reason="too-many-redirects",
            )
        seen.add(next_target)
        return next_target

    @staticmethod
    def _finish(url: str, target: str, answer: _Answer) -> RawPage:
        if not (200 <= answer.status < 300 or answer.status == 304):
            raise HTTPStatusError(url, answer.status)
        return RawPage(
            url=url,
            final_url=target,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            fetched_at=answer.fetched_at,
        )

    def _check_target(self, url: str, target: str, *, check_robots: bool) -> None:
        """Refuse ``target`` (``url`` or one of its redirects) before any request to it."""
        self._check_host(url, target)
        if check_robots and self.policy.obey_robots:
            rules = self._robots_for(url, target)
            if not rules.allows(target, self.policy.user_agent):
                self._record(robots_blocked=1)
                # An unreachable robots.txt is a failure to retry, not a rule to respect.
                reason = "robots" if rules.allow_all or rules.parser else "robots-unreachable"
                raise RobotsDisallowed(url, rules.refusal(target), reason=reason)

    def _check_host(self, url: str, target: str) -> None:
        try:
            parts = urlsplit(target)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError as exc:
            raise FetchError(url, f"malformed URL {target!r}: {exc}", reason="bad-url") from exc
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError(url, f"not an http(s) URL: {target!r}", reason="bad-url")
        host = host_of(target)
        if host not in self.policy.allowed_hosts:
            via = "" if target == url else f" (redirect to {target})"
            raise HostNotAllowed(url, f"host {host!r} is not an allowed host{via}")

    # -- robots.txt

    def _robots_for(self, url: str, target: str) -> _RobotsRules:
        """The rules of ``target``'s origin, downloading them on first use."""
        origin = _origin(target)
        gate = self._gate(host_of(target))
        # Holding robots_lock while fetching is safe: nobody holds a request slot while
        # waiting for it, so the download can always get one.
        with gate.robots_lock:
            rules = gate.robots.get(origin)
            if rules is None:
                rules = self._load_robots(url, f"{origin}/robots.txt")
                gate.robots[origin] = rules
                gate.robots_delay = max(
                    gate.robots_delay, rules.crawl_delay(self.policy.user_agent)
                )
        return rules

    def _load_robots(self, url: str, robots_url: str) -> _RobotsRules:
        try:
            page = self._follow(
                robots_url,
                self._request_headers(None),
                check_robots=False,
                cap=self.policy.max_body_bytes,
            )
        except HTTPStatusError as exc:
            # RFC 9309: a 4xx means "no rules"; 429 and 5xx mean "unreachable".
            if 400 <= exc.status < 500 and exc.status != 429:
                return _RobotsRules(robots_url, None, True, f"answered HTTP {exc.status}")
            return self._unreachable_robots(robots_url, f"HTTP {exc.status}")
        except FetchError as exc:
            if exc.reason in STOP_REASONS:
                raise FetchError(
                    url, f"{exc.reason} while reading {robots_url}", reason=exc.reason
                ) from exc
            return self._unreachable_robots(robots_url, str(exc))
        return _RobotsRules(robots_url, Protego.parse(page.text), True, "parsed")

    @staticmethod
    def _unreachable_robots(robots_url: str, why: str) -> _RobotsRules:
        logger.warning("%s unreachable (%s): treating the origin as disallowed", robots_url, why)
        return _RobotsRules(robots_url, None, False, f"unreachable ({why})")

    # -- attempts and retries

    def _request(self, url: str, target: str, headers: httpx.Headers, cap: int) -> _Answer:
        """One hop with retries; returns the first non-retryable answer."""
        attempts = self.policy.max_attempts
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                answer = self._attempt(url, target, headers, cap)
            except FetchError as exc:
                if exc.reason not in RETRYABLE_REASONS:
                    raise
                failure: FetchError = exc
            else:
                if answer.status not in RETRY_STATUSES:
                    return answer
                failure = HTTPStatusError(url, answer.status)
                if answer.status in RETRY_AFTER_STATUSES:
                    retry_after = retry_after_seconds(answer.headers.get("retry-after"))
            if attempt + 1 >= attempts:
                raise failure
            self._wait_before_retry(url, target, attempt, retry_after)
        raise AssertionError("unreachable: max_attempts >= 1")  # pragma: no cover

    def _wait_before_retry(
        self, url: str, target: str, attempt: int, retry_after: float | None
    ) -> None:
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            raise FetchError(
                url,
                f"Retry-After of {retry_after:.0f}s exceeds max_retry_after "
                f"({self.policy.max_retry_after:.0f}s); giving up on it for this run",
                reason="retry-after-too-long",
            )
        self._record(retries=1)
        if retry_after is not None:
            # The host asked to be left alone: hold back every request to it, not only
            # ours; the retry then waits in the host gate like any other request.
            self._defer_host(host_of(target), retry_after)
            return
        cap = min(self.policy.backoff_max, self.policy.backoff_base * 2**attempt)
        self._pause(url, random.uniform(0, cap))

    def _attempt(self, url: str, target: str, headers: httpx.Headers, cap: int) -> _Answer:
        """Send one GET to ``target`` inside the host's politeness gate."""
        with self._host_slot(url, host_of(target)):
            self._record(requests=1)
            try:
                with (
                    self._deadlines.within(self.policy.total_timeout),
                    self._client.stream("GET", target, headers=headers) as response,
                ):
                    self._record(status=response.status_code)
                    ok = 200 <= response.status_code < 300
                    body = self._read_body(url, response, cap) if ok else b""
                    return _Answer(
                        status=response.status_code,
                        headers=dict(response.headers.items()),  # names come lower-cased
                        body=body,
                        fetched_at=datetime.now(UTC),
                    )
            except (*_HTTPX_ERRORS, RuntimeError) as exc:
                # httpx raises a bare RuntimeError when close() raced with this request.
                if self._closed:
                    raise FetchError(url, "the fetcher is closed", reason="closed") from exc
                if not isinstance(exc, _HTTPX_ERRORS):
                    raise
                raise _map_httpx_error(url, target, exc) from exc

    def _read_body(self, url: str, response: httpx.Response, cap: int) -> bytes:
        """Read the decoded body, refusing it past ``cap`` bytes."""
        declared = _content_length(response)
        if declared is not None and declared > cap:
            raise ResponseTooLarge(url, f"Content-Length {declared} exceeds the {cap}-byte cap")
        chunks: list[bytes] = []
        total = 0
        # iter_bytes() yields decompressed data, so the cap holds against gzip bombs; one
        # raw chunk can still inflate ~1000x before we see it, which bounds memory per step.
        for chunk in response.iter_bytes():
            total += len(chunk)
            self._record(bytes_=len(chunk))
            if total > cap:
                raise ResponseTooLarge(url, f"body passed the {cap}-byte cap (after decoding)")
            chunks.append(chunk)
        return b"".join(chunks)

    # -- politeness gate

    @contextmanager
    def _host_slot(self, url: str, host: str) -> Iterator[None]:
        """Hold one of ``host``'s request slots, starting no earlier than its delay allows."""
        gate = self._gate(host)
        while not gate.slots.acquire(timeout=STOP_POLL_SECONDS):
            self._raise_if_unusable(url)
        try:
            self._raise_if_unusable(url)
            self._pause(url, self._reserve_start(gate, host))
            yield
        finally:
            gate.slots.release()

    def _reserve_start(self, gate: _HostGate, host: str) -> float:
        """Book the next start time for ``host``; return how long to wait for it.

        Booking under the lock and sleeping outside it keeps starts spaced even when
        several threads arrive together; the delay is read at booking time so a
        Crawl-delay learned from robots.txt applies from the next request on.
        """
        with gate.lock:
            now = self._clock()
            start = max(now, gate.last_start + self.crawl_delay(host), gate.not_before)
            gate.last_start = start
        return start - now

    def _defer_host(self, host: str, seconds: float) -> None:
        gate = self._gate(host)
        with gate.lock:
            gate.not_before = max(gate.not_before, self._clock() + seconds)

    def _gate(self, host: str) -> _HostGate:
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self.policy.concurrency)
            return gate

    # -- small shared pieces

    def _pause(self, url: str, seconds: float) -> None:
        """Wait ``seconds`` (counted in stats); raise ``stopped`` if asked to stop."""
        if seconds > 0:
            self._record(waited=seconds)
            if self._sleep is time.sleep:
                self._stop.wait(seconds)
            else:
                self._sleep(seconds)
        self._raise_if_unusable(url)

    def _raise_if_unusable(self, url: str) -> None:
        if self._closed:
            raise FetchError(url, "the fetcher is closed", reason="closed")
        if self._stop.is_set():
            raise FetchError(url, "stopped (request_stop was called)", reason="stopped")

    def _request_headers(self, extra: Mapping[str, str] | None) -> httpx.Headers:
        merged = httpx.Headers(dict(extra) if extra else None)
        # Every request identifies us, and only decoders we can bound are offered.
        merged["User-Agent"] = self.policy.user_agent
        merged["Accept-Encoding"] = ACCEPT_ENCODING
        return merged

    def _record(
        self,
        *,
        requests: int = 0,
        bytes_: int = 0,
        retries: int = 0,
        waited: float = 0.0,
        robots_blocked: int = 0,
        status: int | None = None,
    ) -> None:
        with self._stats_lock:
            stats = self.stats
            stats.requests += requests
            stats.bytes += bytes_
            stats.retries += retries
            stats.waited_seconds += waited
            stats.robots_blocked += robots_blocked
            if status is not None:
                stats.by_status[status] += 1
