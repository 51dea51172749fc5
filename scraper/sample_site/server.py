"""A local HTTP server for the sample site, with a request log and fault injection.

The same server answers for the site origin (``http://127.0.0.1:PORT``) and the image
CDN origin (``http://localhost:PORT``): two host names, one socket, so that a crawler's
per-host rules can be observed in ``requests``.

Faults are data: a test adds a rule for a path (exact string, or compiled regex searched
in the request target) and the next matching requests get the fault instead of, or
before, the normal answer::

    server.faults.error("/xay-dung-dang/", 503, times=2)       # 503 twice, then OK
    server.faults.rate_limit(SEED_URL_PATH, retry_after=1)      # 429 + Retry-After: 1
    server.faults.delay(re.compile(r"/api/"), 0.5)              # slow answers
    server.faults.drop("/rss/home.rss")                        # close without answering
    server.faults.redirect("/a", "http://127.0.0.2:9/x")        # off-host redirect
    server.faults.oversize("/big", 5_000_000)                   # a huge body
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from .model import Response, SiteOptions
from .site import DEFAULT_OPTIONS, HTML, SampleSite, build_site

Pattern = str | re.Pattern[str]


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server received it."""

    method: str
    path: str  # the request target: path plus query
    headers: dict[str, str]
    started_at: float  # time.monotonic() when the request line was read
    host: str  # host name from the Host header, without port


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to a matching request. ``delay`` applies first, then at most one of
    ``drop``, ``location`` (redirect with ``status``), ``status`` (error page),
    ``oversize``; with none of them the normal answer follows the delay, ``trickle``
    seconds apart ``piece`` bytes at a time when ``trickle`` is set (status line and
    headers included: each piece comes well within a read timeout, the whole never)."""

    delay: float = 0.0
    drop: bool = False
    status: int | None = None
    location: str | None = None
    retry_after: str | None = None
    oversize: int | None = None
    declare_length: bool = True
    trickle: float = 0.0
    piece: int = 64


@dataclass(slots=True)
class FaultRule:
    """A fault bound to a path; ``times=None`` means every time. ``hits`` counts uses."""

    pattern: Pattern
    fault: Fault
    times: int | None = None
    hits: int = 0

    def matches(self, target: str) -> bool:
        """Tell whether the rule applies to a request target."""
        if isinstance(self.pattern, re.Pattern):
            return self.pattern.search(target) is not None
        return self.pattern in (target, urlsplit(target).path)

    @property
    def exhausted(self) -> bool:
        """True once the rule has been used ``times`` times."""
        return self.times is not None and self.hits >= self.times


@dataclass
class FaultRegistry:
    """Thread-safe list of fault rules; the first live matching rule wins."""

    _rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, pattern: Pattern, fault: Fault, *, times: int | None = None) -> FaultRule:
        """Add a rule and return it (its ``hits`` show how often it fired)."""
        rule = FaultRule(pattern, fault, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def error(
        self,
        pattern: Pattern,
        status: int,
        *,
        times: int | None = None,
        retry_after: str | None = None,
    ) -> FaultRule:
        """Answer ``status`` (an HTML error page) ``times`` times, then normally."""
        return self.add(pattern, Fault(status=status, retry_after=retry_after), times=times)

    def add_status(
        self,
        pattern: Pattern,
        status: int,
        *,
        times: int | None = None,
        retry_after: str | None = None,
    ) -> FaultRule:
        """Same as ``error`` (the name the crawler tests use)."""
        return self.error(pattern, status, times=times, retry_after=retry_after)

    def rate_limit(
        self, pattern: Pattern, retry_after: float | str, *, times: int | None = 1
    ) -> FaultRule:
        """Answer 429 with ``Retry-After`` (seconds, or an HTTP date string)."""
        value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        return self.error(pattern, 429, times=times, retry_after=value)

    def delay(self, pattern: Pattern, seconds: float, *, times: int | None = None) -> FaultRule:
        """Wait ``seconds`` before answering normally."""
        return self.add(pattern, Fault(delay=seconds), times=times)

    def trickle(
        self, pattern: Pattern, pace: float, *, piece: int = 64, times: int | None = None
    ) -> FaultRule:
        """Send the normal answer ``piece`` bytes at a time, ``pace`` seconds apart."""
        return self.add(pattern, Fault(trickle=pace, piece=piece), times=times)

    def drop(self, pattern: Pattern, *, times: int | None = None) -> FaultRule:
        """Close the connection without sending any answer."""
        return self.add(pattern, Fault(drop=True), times=times)

    def redirect(
        self, pattern: Pattern, location: str, *, status: int = 301, times: int | None = None
    ) -> FaultRule:
        """Redirect (301/302/307/308) to ``location`` (absolute or relative)."""
        return self.add(pattern, Fault(status=status, location=location), times=times)

    def oversize(
        self, pattern: Pattern, size: int, *, declare_length: bool = True, times: int | None = None
    ) -> FaultRule:
        """Answer 200 text/html with ``size`` bytes; without ``declare_length`` the body is
        close-delimited (no Content-Length), so only counting the bytes read catches it."""
        fault = Fault(oversize=size, declare_length=declare_length)
        return self.add(pattern, fault, times=times)

    def remove(self, rule: FaultRule) -> None:
        """Remove one rule."""
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def take(self, target: str) -> Fault | None:
        """Return the fault for a request target and count one use, or ``None``."""
        with self._lock:
            for rule in self._rules:
                if not rule.exhausted and rule.matches(target):
                    rule.hits += 1
                    return rule.fault
        return None

    @contextmanager
    def injected(
        self, pattern: Pattern, fault: Fault, *, times: int | None = None
    ) -> Iterator[FaultRule]:
        """Add a rule for the duration of a ``with`` block."""
        rule = self.add(pattern, fault, times=times)
        try:
            yield rule
        finally:
            self.remove(rule)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Do not wait for idle keep-alive connections when the server closes.
    block_on_close = False
    owner: SampleSiteServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that hang up (crawlers abort oversize bodies on purpose)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    _leave: Callable[[], None]
    protocol_version = "HTTP/1.1"
    timeout = 10  # close idle keep-alive connections
    # Headers and body go out in two writes: without this, Nagle + delayed ACK cost 40 ms.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        """Answer a GET."""
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        """Answer a HEAD (the GET answer without its body)."""
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep test output quiet: the request log is ``SampleSiteServer.requests``."""

    def _serve(self, head: bool) -> None:
        owner = self.server.owner
        host = owner._log(self)
        self._leave = owner._enter(host)
        try:
            self._answer(owner, head)
        finally:
            self._leave()

    def _answer(self, owner: SampleSiteServer, head: bool) -> None:
        fault = owner.faults.take(self.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if self._apply(fault, head):
                return
        response = owner.site.lookup(self.path)
        if fault is not None and fault.trickle:
            self._send_trickled(response, head, fault.trickle, fault.piece)
            return
        if response.status == 200 and _not_modified(self, response):
            self._send(Response(304, response.content_type, b"", _validators(response)), head=True)
            return
        self._send(response, head)

    def _apply(self, fault: Fault, head: bool) -> bool:
        """Carry out a fault; return False when the normal answer should follow."""
        if fault.drop:
            self.close_connection = True
            self._leave()  # as in _send: out of flight before the client can see the end
            with suppress(OSError):  # FIN now, before any byte of an answer
                self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault.location is not None:
            status = fault.status or 301
            self._send(Response(status, HTML, b"", (("Location", fault.location),)), head)
            return True
        if fault.status is not None:
            headers = (("Retry-After", fault.retry_after),) if fault.retry_after else ()
            body = f"<html><body><h1>{fault.status}</h1></body></html>".encode()
            self._send(Response(fault.status, HTML, body, headers), head)
            return True
        if fault.oversize is not None:
            self._send_oversize(fault.oversize, fault.declare_length, head)
            return True
        return False

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        # The request stops being "in flight" before the first byte of the answer leaves:
        # once the client has the answer it may start its next request, which must not
        # be counted as one more. (Leaving after the headers went out was a race: an
        # answer without a body is whole with its headers, and this thread may lose the
        # GIL between sending them and leaving.) The client holds its slot from sending
        # the request to reading the answer, a span that holds this one: never too many.
        self._leave()
        self.end_headers()
        if not head and response.status != 304:
            self.wfile.write(response.body)

    def _send_trickled(self, response: Response, head: bool, pace: float, piece: int) -> None:
        lines = [
            f"{self.protocol_version} {response.status} {HTTPStatus(response.status).phrase}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        answer = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        answer += b"" if head else response.body
        self._leave()  # as in _send: out of flight before the first byte leaves
        for start in range(0, len(answer), piece):
            self.wfile.write(answer[start : start + piece])
            time.sleep(pace)

    def _send_oversize(self, size: int, declare_length: bool, head: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        if declare_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        # As in _send: out of flight before the headers go out. A client that refuses the
        # declared length has closed its side and may start its next request while this
        # loop still pushes bytes into the socket.
        self._leave()
        self.end_headers()
        if head:
            return
        chunk = b"<p>" + b"x" * 65_529 + b"</p>"  # 64 KiB
        sent = 0
        while sent < size:
            piece = chunk[: size - sent]
            self.wfile.write(piece)
            sent += len(piece)


def _validators(response: Response) -> tuple[tuple[str, str], ...]:
    return tuple(
        (k, v) for k, v in response.headers if k in ("ETag", "Last-Modified", "Cache-Control")
    )


def _not_modified(handler: BaseHTTPRequestHandler, response: Response) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    etag = response.header("ETag")
    if_none_match = handler.headers.get("If-None-Match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag.removeprefix("W/") in tags
    last_modified = response.header("Last-Modified")
    if_modified_since = handler.headers.get("If-Modified-Since")
    if last_modified is None or if_modified_since is None:
        return False
    since = _parse_http_date(if_modified_since)
    return since is not None and _parse_http_date(last_modified) <= since  # type: ignore[operator]


def _parse_http_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


class SampleSiteServer:
    """The sample site served over real HTTP on a local port (0 picks a free one)."""

    def __init__(
        self, options: SiteOptions = DEFAULT_OPTIONS, host: str = "127.0.0.1", port: int = 0
    ):
        self.options = options
        self.host = host
        self.port = port
        self.faults = FaultRegistry()
        self._requests: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._site: SampleSite | None = None

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind the port, build the site for it, and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.owner = self
        self.port = httpd.server_address[1]
        self._site = build_site(self.base_url, self.cdn_url, options=self.options)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sample-site",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests look at -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The site origin, ``http://127.0.0.1:PORT``."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "127.0.0.1") else self.host
        return f"http://{host}:{self.port}"

    @property
    def cdn_url(self) -> str:
        """The image CDN origin: the same server under the name ``localhost``."""
        return f"http://localhost:{self.port}"

    @property
    def site(self) -> SampleSite:
        """The built site and its ground truth (after ``start``)."""
        if self._site is None:
            raise RuntimeError("SampleSiteServer.site: call start() first")
        return self._site

    def url(self, path: str) -> str:
        """Absolute site URL of a path."""
        return self.base_url + path

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the request log, oldest first."""
        with self._log_lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        """The logged requests whose target or path equals ``path``."""
        return [r for r in self.requests if path in (r.path, urlsplit(r.path).path)]

    def clear_log(self) -> None:
        """Forget the logged requests and the peak of requests in flight."""
        with self._log_lock:
            self._requests.clear()
            self._peak.clear()

    def reset(self) -> None:
        """Clear the faults and the log (between tests sharing one server)."""
        self.faults.clear()
        self.clear_log()

    def peak_in_flight(self, host: str) -> int:
        """The most requests to ``host`` (a Host header name) ever served at once."""
        with self._log_lock:
            return self._peak[host]

    def _log(self, handler: BaseHTTPRequestHandler) -> str:
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        entry = LoggedRequest(
            handler.command, handler.path, dict(handler.headers.items()), time.monotonic(), host
        )
        with self._log_lock:
            self._requests.append(entry)
        return host

    def _enter(self, host: str) -> Callable[[], None]:
        """Count one request to ``host`` in flight; return the (idempotent) way out."""
        with self._log_lock:
            self._in_flight[host] += 1
            self._peak[host] = max(self._peak[host], self._in_flight[host])
        left = threading.Event()

        def leave() -> None:
            with self._log_lock:
                if not left.is_set():
                    left.set()
                    self._in_flight[host] -= 1

        return leave


def run_sample_site(
    port: int = 8000, *, host: str = "127.0.0.1", options: SiteOptions = DEFAULT_OPTIONS
) -> None:
    """Serve the sample site in the foreground until Ctrl-C (for ``baohatinh demo``)."""
    with SampleSiteServer(options, host=host, port=port) as server:
        print(f"Sample site: {server.base_url}/  (images: {server.cdn_url}/images/…)")
        print(f"Section:     {server.base_url}/xay-dung-dang/")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopped.")
