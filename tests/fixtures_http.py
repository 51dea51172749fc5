"""A real HTTP server on a loopback address with scripted faults, for fetcher tests.

Not a pytest plugin: test modules import :class:`FaultServer` and use it as a context
manager. Each path gets a script of behaviours (one per hit, the last one repeating):
a :class:`Reply` (status, headers, body, optional delay before answering, with or without
``Content-Length``) or a :class:`Drop` (close the connection without answering). The
server logs every request with its headers and start time and counts requests in flight,
so tests specify behaviour from what the server actually saw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Reply:
    """An answer: ``delay`` seconds of silence first; ``content_length=False`` sends the
    body without a length, delimited by closing the connection (HTTP/1.0); ``trickle``
    sends the whole answer, status line and headers included, ``piece`` bytes at a time
    that many seconds apart."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True
    trickle: float = 0.0
    piece: int = 8


@dataclass(frozen=True)
class Drop:
    """Read the request, then hang up without a response."""


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]  # lower-cased names
    started: float  # time.monotonic() when the handler began


Behaviour = Reply | Drop | Callable[[Seen], "Reply | Drop"]


class FaultServer:
    """A ``ThreadingHTTPServer`` on ``host``:0 with per-path scripts and a request log."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.log: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._routes: dict[str, list[Behaviour]] = {}
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server((host, 0), _Handler)
        self._server.fault = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server was given (it binds port 0)."""
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server."""
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, *script: Behaviour) -> None:
        """Answer hits on ``path`` with ``script`` in order; the last entry repeats."""
        with self._lock:
            self._routes[path] = list(script)

    def requests_to(self, path: str) -> list[Seen]:
        """The logged requests whose path (with query) is ``path``."""
        with self._lock:
            return [seen for seen in self.log if seen.path == path]

    @property
    def paths(self) -> list[str]:
        """The paths of all logged requests, in arrival order."""
        with self._lock:
            return [seen.path for seen in self.log]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()  # wakes handlers sleeping in a delay
        self._server.shutdown()
        self._server.server_close()  # joins handler threads
        self._thread.join()

    # -- called by the handler

    def _begin(self, handler: BaseHTTPRequestHandler) -> tuple[Seen, Behaviour]:
        seen = Seen(
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            started=time.monotonic(),
        )
        with self._lock:
            self.log.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            script = self._routes.get(handler.path, [Reply(404, b"not found")])
            hit = self._hits.get(handler.path, 0)
            self._hits[handler.path] = hit + 1
        return seen, script[min(hit, len(script) - 1)]

    def _end(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    # Join handler threads on close, so no test leaks a thread into the next one.
    daemon_threads = False
    fault: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up on purpose here (timeouts, size caps); that is not an error.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection; bodies may be unsized

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        fault = self.server.fault
        seen, behaviour = fault._begin(self)
        ended = threading.Event()

        def end() -> None:
            if not ended.is_set():
                ended.set()
                fault._end()

        try:
            if callable(behaviour):
                behaviour = behaviour(seen)
            if isinstance(behaviour, Reply):
                self._answer(behaviour, fault._closing, end)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            end()

    def _answer(self, reply: Reply, closing: threading.Event, end: Callable[[], None]) -> None:
        if reply.delay and closing.wait(reply.delay):
            return
        if reply.trickle:
            self._trickle(reply, closing, end)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        # The request stops being "in flight" before its last bytes leave: once the client
        # has them it may start its next request, which must not be counted as a third.
        end()
        self.wfile.write(reply.body)

    def _trickle(self, reply: Reply, closing: threading.Event, end: Callable[[], None]) -> None:
        lines = [f"HTTP/1.0 {reply.status} {HTTPStatus(reply.status).phrase}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        if reply.content_length:
            lines.append(f"Content-Length: {len(reply.body)}")
        answer = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body
        end()  # as in _answer: out of flight before the last bytes leave
        for start in range(0, len(answer), reply.piece):
            self.wfile.write(answer[start : start + reply.piece])
            if closing.wait(reply.trickle):
                return

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
