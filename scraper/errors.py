"""The project's one exception tree.

Every error the library raises on purpose is a ``BaohatinhError``; the CLI turns each into
a one-line message and an exit code. Lower-level errors (httpx, SQLAlchemy, tomllib) are
mapped at the boundary to the most specific class here, and every message names the file,
key, URL or query at fault::

    BaohatinhError
    ├── ConfigError            bad config file or key            (exit 2)
    ├── FetchError             a URL could not be fetched
    │   ├── RobotsDisallowed   robots.txt forbids the URL
    │   ├── HostNotAllowed     the URL or a redirect leaves the allowed hosts
    │   ├── ResponseTooLarge   the body passed the size cap
    │   └── HTTPStatusError    a final non-success status
    ├── ParseError             a page could not be turned into a record
    │   └── NotAnArticle       the page is not an article (section, tag, error page …)
    ├── StoreError             the archive database failed or refused  (exit 5)
    │   ├── SchemaMismatch     the database is behind or ahead of the code (exit 2)
    │   └── ArticleNotFound    no archived article has that id or URL  (exit 1)
    ├── QueryError             a search query that cannot be run        (exit 2)
    ├── OutputError            a file named to write cannot be written  (exit 2)
    └── CrawlLocked            another crawl holds the archive   (exit 75)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


class BaohatinhError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: int = 1


class ConfigError(BaohatinhError):
    """The configuration file, one of its keys, or an environment override is invalid."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class FetchError(BaohatinhError):
    """A URL could not be fetched; ``reason`` is a short machine-friendly tag."""

    reason: str = "fetch-error"

    def __init__(self, url: str, message: str, *, reason: str | None = None):
        self.url = url
        if reason is not None:
            self.reason = reason
        super().__init__(f"{url}: {message}")


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching the URL."""

    reason = "robots"


class HostNotAllowed(FetchError):
    """The URL, or a redirect it answered with, points outside the allowed hosts."""

    reason = "host-not-allowed"


class ResponseTooLarge(FetchError):
    """The response body passed the configured size cap (checked while streaming)."""

    reason = "too-large"


class HTTPStatusError(FetchError):
    """The server's final answer was not a success."""

    def __init__(self, url: str, status: int):
        self.status = status
        super().__init__(url, f"HTTP {status}", reason=f"http-{status}")


class ParseError(BaohatinhError):
    """A page could not be turned into an article record."""

    def __init__(self, url: str, message: str):
        self.url = url
        self.message = message
        super().__init__(f"{url}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in the parser's worker processes and pickled back: rebuilt from the
        # arguments of ``__init__``, not from the one formatted message in ``args``.
        return type(self), (self.url, self.message)


class NotAnArticle(ParseError):
    """The page is not an article: a section, tag or error page, or an empty body."""

    def __init__(self, url: str, reason: str):
        self.reason = reason
        super().__init__(url, f"not an article ({reason})")

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.url, self.reason)


class StoreError(BaohatinhError):
    """The archive database could not do what was asked: it cannot be opened (a bad URL,
    a missing folder, not a database, a server down) or refused a read or a write."""

    exit_code = 5  # EXIT_ARCHIVE_FAILED: not 1, "some URLs failed", which cron lets pass


class SchemaMismatch(StoreError):
    """The database schema is older or newer than this version of the code."""

    exit_code = 2


class ArticleNotFound(StoreError):
    """No archived article matches the given id or URL (or has the revision asked for)."""

    exit_code = 1  # as grep: what was looked for is not there


class QueryError(BaohatinhError):
    """A search query that cannot be run; the message quotes the query."""

    exit_code = 2


class OutputError(BaohatinhError):
    """A file named on the command line cannot be written (``export -o``): one line
    naming it, and exit 2 as for any bad input."""

    exit_code = 2

    def __init__(self, path: str, reason: str):
        self.path = path
        super().__init__(f"cannot write {path or repr(path)}: {reason}")


class CrawlLocked(BaohatinhError):
    """Another crawl holds this archive."""

    exit_code = 75


def parse_errors_only(
    parse: Callable[Concatenate[Any, str, _P], _T],
) -> Callable[Concatenate[Any, str, _P], _T]:
    """Make ``parse(body, url, ...)`` raise :class:`ParseError` (or its subclasses), naming
    ``url``, and no other exception: the crawler records one failure per page and goes
    on, without knowing lxml's, json's or urllib's exception types (a date out of range, a
    link urllib cannot read)."""

    @functools.wraps(parse)
    def guarded(body: Any, url: str, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return parse(body, url, *args, **kwargs)
        except ParseError:
            raise
        except Exception as exc:
            raise ParseError(url, f"unexpected {type(exc).__name__}: {exc}") from exc

    return guarded
