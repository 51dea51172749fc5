"""A deadline for a whole request, which httpx's timeouts do not give.

httpx's read timeout bounds each wait for data, and starts again with every piece that
arrives: a server that trickles its answer a few bytes at a time (a tarpit, or one
overloaded enough) holds a request, and the crawl with it, for as long as it likes, the
status line and headers included (httpcore reads them in one loop with one timeout).

:func:`deadline_transport` returns httpx's own transport with its network streams
wrapped: each read waits at most until the deadline the calling thread set with
:meth:`Deadlines.within`, and a read past it raises httpcore's ``ReadTimeout``, which
httpx maps to its own (the fetcher's ``timeout`` reason). A request's reads happen on the
thread that sent it (the fetcher is synchronous), which is why the deadline is the
thread's.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

__all__ = ["Deadlines", "deadline_transport"]

log = logging.getLogger("baohatinh.fetch")


class Deadlines(threading.local):
    """The monotonic time by which the current thread's request must be answered."""

    at: float | None = None
    seconds: float = 0.0

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Give the request sent in the block ``seconds`` to be read to its last byte."""
        self.at, self.seconds = time.monotonic() + seconds, seconds
        try:
            yield
        finally:
            self.at = None

    def read_timeout(self, timeout: float | None) -> float | None:
        """The wait allowed for the next piece of data: ``timeout``, cut at the deadline.
        Raises ``httpcore.ReadTimeout`` once the deadline has passed."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout(
                f"answer not complete within {self.seconds:g} s (crawl.total_timeout)"
            )
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose reads give up at the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadlines: Deadlines) -> None:
        self._inner, self._deadlines = inner, deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, self._deadlines.read_timeout(timeout))
        except httpcore.ReadTimeout:
            self._deadlines.read_timeout(timeout)  # past the deadline: say so instead
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadlines
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's network backend, its streams wrapped in :class:`_Stream`."""

    def __init__(self, inner: httpcore.NetworkBackend, deadlines: Deadlines) -> None:
        self._inner, self._deadlines = inner, deadlines

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, self._deadlines)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(deadlines: Deadlines) -> httpx.HTTPTransport:
    """httpx's default transport (environment ignored), its reads bounded by ``deadlines``.

    httpx does not let one pass httpcore a network backend, so it is set on the
    transport's connection pool. Should a release of httpx or httpcore move it, the
    transport is returned as it is, with a warning: requests are then bounded by the read
    timeout alone (the test suite checks that the deadline holds).
    """
    transport = httpx.HTTPTransport(trust_env=False)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _Backend(backend, deadlines)  # type: ignore[union-attr]
    else:
        log.warning(
            "httpx %s / httpcore %s: cannot bound whole requests (crawl.total_timeout); "
            "each wait is bounded by crawl.read_timeout only",
            httpx.__version__,
            httpcore.__version__,
        )
    return transport
