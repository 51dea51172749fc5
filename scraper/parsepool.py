"""Parsing fetched pages beside the crawl, in worker processes.

A crawl runs in one process whose threads take turns on the interpreter lock: fetching,
parsing and storing share one core however many the machine has. Parsing is the largest
of the three and needs nothing of the crawl but the page, so a :class:`PageParser` hands
it to worker processes (the page's bytes go there, its record comes back) while the crawl
fetches and stores on. With no workers, pages are parsed in the calling thread, one at a
time: lxml lets go of the interpreter lock for every query, and threads parsing at once
spent their time handing it to each other.

A worker is ``python -m scraper.parsepool``, a child that reads pages from its standard
input and writes records to its standard output, each a length-prefixed pickle. It shares
no thread, lock or database connection with the crawl, and it ends with the crawl however
the crawl ends: the crawl holds the only writing end of the worker's input, so a crawl
killed outright (``kill -9``) leaves it an end of file, and it exits.

A worker that dies (a crash in a C library, the kernel's out-of-memory killer) is
replaced; the page it was parsing gets one more try in a fresh worker, then counts as a
parse error, its raw page kept, and the crawl goes on.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, Any

from .errors import ParseError
from .parse import parse_article
from .profile import SiteProfile
from .records import Article

PARSE_TIMEOUT = 120.0
"""Seconds a worker gets for a page (the largest page accepted, 10 MB, parses in ~2 s)."""

_ATTEMPTS = 2  # a page whose worker died parsing it gets one more go in a fresh one
_SENDS = 10  # a page is sent at most this often, whoever's death sent it back
_WORKER = "scraper.parsepool"
_CLOSE_TIMEOUT = 10.0  # seconds a closing worker gets to finish before it is killed
_READY = b"ready"  # a worker's first answer: imported, set up, reading pages

log = logging.getLogger("baohatinh.parse")


class _WorkerDied(Exception):
    """The worker process ended before it answered this page.

    ``blamed``: the worker was parsing this very page (it answers in order, so the oldest
    unanswered page is the one it was on); else the page waited behind it, or was never
    sent.
    """

    def __init__(self, blamed: bool) -> None:
        super().__init__("the parser process died")
        self.blamed = blamed


class _WorkerUnavailable(Exception):
    """A worker process could not be started, or died before it was ready."""


class PageParser:
    """Turn fetched pages into article records for one crawl.

    ``processes`` worker processes parse (started at the first page, ended by
    :meth:`close`); with 0, :meth:`parse` works in the calling thread, one page at a time,
    as it does when workers cannot be started at all (logged once). A page a worker has
    not answered ``timeout`` seconds after it was handed over gets its worker killed.
    Safe to call from many threads.
    """

    # The worker's entry point, a module run with ``python -m`` (tests give their own).
    worker_module: str = _WORKER

    def __init__(
        self, profile: SiteProfile, processes: int, *, timeout: float = PARSE_TIMEOUT
    ) -> None:
        if processes < 0:
            raise ValueError(f"processes must not be negative, got {processes}")
        self.profile, self.processes, self.timeout = profile, processes, timeout
        self._turn = threading.Lock()  # in-thread parsing: one page at a time
        self._guard = threading.Lock()  # starting and replacing workers
        self._workers: list[_Worker] = []
        self._closed = False
        self._in_thread = processes == 0  # also once workers turned out not to start

    def parse(self, body: bytes, url: str) -> Article:
        """Return the record of the page ``body`` fetched from ``url``.

        Raises ``NotAnArticle`` or ``ParseError`` as ``parse_article`` does, and
        ``ParseError`` for a page whose worker died twice while parsing it, or that was
        not parsed within ``timeout`` seconds twice (its worker is killed each time: a
        page must never hang the crawl).
        """
        blamed, late = 0, False
        for _ in range(_SENDS):
            worker = None if self._in_thread else self._least_busy()
            if worker is None:
                with self._turn:
                    return parse_article(body, url, self.profile)
            try:
                answer = worker.submit(body, url)
                try:
                    result: Article = answer.result(timeout=self.timeout)
                except TimeoutError:
                    late = True
                    worker.kill()  # the page it holds then fails: this one, or one before
                    result = answer.result()
                return result
            except _WorkerDied as died:
                self._replace(worker)
                blamed += died.blamed
                if blamed >= _ATTEMPTS:
                    break
        if late:
            raise ParseError(url, f"not parsed within {self.timeout:g} s, {blamed} times")
        raise ParseError(url, f"the parser process died on this page ({blamed} times)")

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (none before the first page)."""
        with self._guard:
            return [worker.process.pid for worker in self._workers]

    def peak_memory_kib(self) -> int:
        """The largest peak resident memory (KiB) of the running workers; 0 with none."""
        return max((_peak_rss_kib(pid) for pid in self.worker_pids()), default=0)

    def close(self) -> None:
        """End the workers, after the pages they were given; later calls start none."""
        with self._guard:
            workers, self._workers, self._closed = self._workers, [], True
        for worker in workers:
            worker.close()

    def __enter__(self) -> PageParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _least_busy(self) -> _Worker | None:
        """A live worker with the fewest pages waiting (started if need be); ``None`` once
        workers cannot be started: then pages are parsed in the calling thread."""
        with self._guard:
            if self._closed:
                raise RuntimeError("the page parser is closed")
            if self._in_thread:
                return None
            for dead in [worker for worker in self._workers if not worker.alive()]:
                self._workers.remove(dead)
                dead.close()
            try:
                while len(self._workers) < self.processes:
                    self._workers.append(_Worker(self.worker_module, self.profile))
            except _WorkerUnavailable as exc:
                if not self._workers:
                    log.warning("%s: parsing in the crawl's own process", exc)
                    self._in_thread = True
                    return None
            return min(self._workers, key=_Worker.load)

    def _replace(self, dead: _Worker) -> None:
        """Drop ``dead`` (once, whichever thread saw it die first)."""
        with self._guard:
            if dead in self._workers:
                self._workers.remove(dead)
        dead.close()


class _Worker:
    """One worker process and the pages given to it, answered in order."""

    def __init__(self, module: str, profile: SiteProfile) -> None:
        """Start the worker and wait until it is ready; raises ``_WorkerUnavailable``."""
        try:
            # -P: the current folder is not put on the worker's path, so a folder named
            # like one of our packages cannot stand in for it. A process group of its own:
            # a Ctrl-C at the terminal is the crawl's to handle, not the worker's.
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                process_group=0,
            )
        except OSError as exc:
            raise _WorkerUnavailable(f"cannot start a parser process ({exc})") from exc
        assert self.process.stdin is not None and self.process.stdout is not None
        self._input: IO[bytes] = self.process.stdin
        self._output: IO[bytes] = self.process.stdout
        self._writing = threading.Lock()  # one page written to the pipe at a time
        self._state = threading.Lock()  # the pages waiting, and whether it is dead
        self._pending: dict[int, tuple[Future[Any], str]] = {}  # number -> (answer, url)
        self._numbers = itertools.count()
        self._dead = False
        try:
            _write_frame(self._input, pickle.dumps(profile, pickle.HIGHEST_PROTOCOL))
            ready = _read_frame(self._output)
        except OSError:
            ready = None
        if ready != _READY:
            self._stop()
            raise _WorkerUnavailable(
                f"the parser process ({module}) ended before it was ready, "
                f"exit code {self.process.returncode}"
            )
        self._reader = threading.Thread(target=self._read, name="parse-reader", daemon=True)
        self._reader.start()

    def kill(self) -> None:
        """Kill the worker; its reader then fails the pages it held."""
        with contextlib.suppress(OSError):
            self.process.kill()

    def alive(self) -> bool:
        """False once the worker has ended or is known to be dying."""
        return not self._dead and self.process.poll() is None

    def load(self) -> int:
        """Pages given and not answered yet."""
        return len(self._pending)

    def submit(self, body: bytes, url: str) -> Future[Any]:
        """Send a page; the future holds its record, or the error parsing raised, or
        ``_WorkerDied`` if the worker ends first."""
        future: Future[Any] = Future()
        with self._state:
            if self._dead:
                raise _WorkerDied(blamed=False)
            number = next(self._numbers)
            self._pending[number] = (future, url)
        frame = number.to_bytes(8, "big") + pickle.dumps((body, url), pickle.HIGHEST_PROTOCOL)
        # A broken pipe is a dead worker: its reader fails the page at the end of output.
        with self._writing, contextlib.suppress(OSError, ValueError):
            _write_frame(self._input, frame)
        return future

    def close(self) -> None:
        """Let the worker finish what it was given and end (killed if it will not)."""
        with self._writing, contextlib.suppress(OSError, ValueError):
            self._input.close()
        try:
            self.process.wait(_CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._stop()
        self._reader.join(_CLOSE_TIMEOUT)

    def _read(self) -> None:
        """Hand each answer to its page's future; at the end, fail what is unanswered."""
        try:
            while (frame := _read_frame(self._output)) is not None:
                self._answer(int.from_bytes(frame[:8], "big"), frame[8:])
        except OSError:
            pass
        finally:
            with self._state:
                self._dead = True
                unanswered, self._pending = self._pending, {}
            # Dead or stopped: kill it, so that a page being written to it fails at once
            # instead of waiting for a reader that is gone.
            self._stop()
            oldest = min(unanswered, default=None)
            for number, (future, _) in unanswered.items():
                future.set_exception(_WorkerDied(blamed=number == oldest))

    def _answer(self, number: int, payload: bytes) -> None:
        with self._state:
            future, url = self._pending.pop(number)
        try:
            ok, value = pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be read back
            ok, value = False, ParseError(url, f"unreadable answer of the parser ({exc!r})")
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _stop(self) -> None:
        """Kill the worker, reap it and close its pipes (a page being written to it fails
        at once with a broken pipe)."""
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        for pipe in (self._output, self._input):
            with contextlib.suppress(OSError, ValueError):
                pipe.close()


def _write_frame(stream: IO[bytes], frame: bytes) -> None:
    stream.write(len(frame).to_bytes(8, "big") + frame)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """The next length-prefixed frame of ``stream``; None at its end (or a cut frame)."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    size = int.from_bytes(header, "big")
    frame = stream.read(size)
    return frame if len(frame) == size else None


def _peak_rss_kib(pid: int) -> int:
    """The peak resident memory of process ``pid`` in KiB (0 where Linux's /proc is not)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def serve(
    source: IO[bytes], sink: IO[bytes], task: Callable[[bytes, str, SiteProfile], Any]
) -> None:
    """Answer the pages of ``source`` on ``sink`` with ``task``, in order, until
    ``source`` ends.

    The first frame is the site profile, answered ``ready``; each later one a page
    (its 8-byte number, then ``(body, url)`` pickled), answered with the same number and
    ``(True, record)`` or ``(False, error)`` pickled.
    """
    first = _read_frame(source)
    if first is None:
        return
    profile: SiteProfile = pickle.loads(first)
    _write_frame(sink, _READY)
    while (frame := _read_frame(source)) is not None:
        number, (body, url) = frame[:8], pickle.loads(frame[8:])
        try:
            answer: tuple[bool, Any] = (True, task(body, url, profile))
        except Exception as exc:  # noqa: BLE001 - every error goes back to the crawl
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an error that cannot be pickled
            data = pickle.dumps((False, ParseError(url, f"unsendable answer ({exc!r})")))
        _write_frame(sink, number + data)


def worker_main(task: Callable[[bytes, str, SiteProfile], Any] = parse_article) -> None:
    """Run this process as a parser worker on its standard input and output."""
    # A Ctrl-C at the terminal reaches the whole process group, and a service manager's
    # SIGTERM often does too: the crawl stops taking pages, and closes its workers once it
    # has the records of the pages in flight. A worker ends when its input does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The answers own the real standard output; anything printed goes to standard error.
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with sink:
        serve(sys.stdin.buffer, sink, task)


if __name__ == "__main__":
    worker_main()
