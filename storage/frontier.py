"""The crawl frontier in the database: what is left to visit survives a ``kill -9``.

Each URL the crawler must visit is one ``frontier`` row (``storage.models.FrontierRow``),
keyed so that one article is one row whichever URL led to it. Every change is one short
transaction (a stored article's row is settled in the transaction that stores it, see
``Settlement``): a crawler killed at any moment leaves each row either still pending
(visited again by the next run) or settled (never fetched again).

States::

    pending ──take──► done       stored, or a listing read
                 ├──► failed     retried by a later run from next_attempt_at on
                 ├──► skipped    out of section, not an article, disallowed by robots
                 └──► removed    an archived article the site no longer has
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    bindparam,
    case,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .engine import WRITE, database_errors, write_session
from .models import FrontierRow

__all__ = [
    "Frontier",
    "FrontierEntry",
    "OUT_OF_SECTION",
    "Settlement",
    "apply_settlement",
    "apply_settlements",
    "retry_delay",
]

PENDING, DONE, FAILED, SKIPPED, REMOVED = "pending", "done", "failed", "skipped", "removed"
# Failure reasons that are the URL's own fault (scraper.errors): another URL may do.
URL_FAULTS = frozenset({"host-not-allowed", "bad-url"})
# The reason of an article skipped because its own page names no configured section
# (followed with ``: <its section>``); a configured section's listing revives it.
OUT_OF_SECTION = "out-of-section"
# Listings come before articles: they are what finds the articles.
LISTING_PRIORITY, ARTICLE_PRIORITY = 0, 1
# Across runs a failing URL waits base * 2**(attempts-1), at most this long.
MAX_RETRY_DELAY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    """One URL to visit. ``kind`` is ``article`` or a listing kind (``section``,
    ``loadmore``, ``rss``, ``sitemap-index``, ``sitemap``)."""

    key: str
    kind: str
    url: str
    section_slug: str | None = None
    depth: int = 0
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 0

    @property
    def is_article(self) -> bool:
        """True for an article page, False for a listing, feed or sitemap."""
        return self.kind == "article"

    @staticmethod
    def article(
        article_id: str, url: str, section_slug: str | None = None, depth: int = 0
    ) -> FrontierEntry:
        """Return the entry of an article (key ``a:<id>``)."""
        return FrontierEntry(f"a:{article_id}", "article", url, section_slug, depth)

    @staticmethod
    def listing(
        kind: str, url: str, section_slug: str | None = None, depth: int = 0
    ) -> FrontierEntry:
        """Return the entry of a listing page, feed or sitemap (key ``l:<url>``)."""
        return FrontierEntry(f"l:{url}", kind, url, section_slug, depth)


@dataclass(frozen=True, slots=True)
class Settlement:
    """How the visit of frontier row ``key`` ended, as ``Frontier.settle`` takes it; also
    handed to ``Store.save_article(settle=...)`` so that an article and its frontier row
    are written in one transaction."""

    key: str
    state: str
    run_id: int | None  # None: settled outside a crawl run (a reparse)
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    follow: tuple[FrontierEntry, ...] = ()


def apply_settlement(connection: Connection, settlement: Settlement) -> None:
    """Write ``settlement`` in the caller's transaction: the row's new state (validators
    kept when given) and the ``follow`` entries it led to, added when unknown."""
    apply_settlements(connection, [settlement])


# Prebuilt, values as parameters (one executemany for a whole batch of articles); the
# parameter names differ from the columns', as SQLAlchemy requires of an UPDATE's binds.
_SETTLE = (
    update(FrontierRow.__table__)
    .where(FrontierRow.__table__.c.key == bindparam("s_key"))
    .values(
        state=bindparam("s_state"),
        reason=bindparam("s_reason"),
        last_run_id=bindparam("s_run_id"),
        updated_at=bindparam("s_updated_at"),
    )
)
_SETTLE_WITH_VALIDATORS = _SETTLE.values(
    etag=bindparam("s_etag"), last_modified=bindparam("s_last_modified")
)


def apply_settlements(connection: Connection, settlements: Sequence[Settlement]) -> None:
    """Write each of ``settlements`` as ``apply_settlement`` does, in the caller's
    transaction, with one statement per kind of write for all of them."""
    now = _now()
    plain: list[dict[str, Any]] = []
    validated: list[dict[str, Any]] = []
    follow: list[dict[str, Any]] = []
    for settlement in settlements:
        values = {
            "s_key": settlement.key,
            "s_state": settlement.state,
            "s_reason": settlement.reason,
            "s_run_id": settlement.run_id,
            "s_updated_at": now,
        }
        # A removed page's validators go: were it back unchanged, a conditional request
        # would answer 304, and the article would never be seen back on the site.
        if (
            settlement.etag is not None
            or settlement.last_modified is not None
            or settlement.state == REMOVED
        ):
            values.update(s_etag=settlement.etag, s_last_modified=settlement.last_modified)
            validated.append(values)
        else:
            plain.append(values)
        follow += (_values(entry, PENDING) for entry in settlement.follow)
    if plain:
        connection.execute(_SETTLE, plain)
    if validated:
        connection.execute(_SETTLE_WITH_VALIDATORS, validated)
    if follow:
        insert = _dialect_insert(connection.dialect.name)(FrontierRow.__table__)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["key"]), follow)


def retry_delay(base_seconds: float, attempts: int) -> timedelta:
    """Return how long a URL that failed ``attempts`` times waits before the next run
    tries it again: ``base * 2**(attempts-1)``, capped at a week."""
    seconds = base_seconds * 2 ** max(0, min(attempts - 1, 30))
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


class Frontier:
    """The frontier table of one archive (``Store.engine``); thread-safe like the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**WRITE)

    def _write(self, action: str) -> AbstractContextManager[Session]:
        return write_session(self._writer, action)

    # --- adding ----------------------------------------------------------------------------

    def add(self, entries: Iterable[FrontierEntry]) -> int:
        """Add the entries not yet known (by key) as pending; return how many were new.

        Known keys are left as they are, whatever their state: a stored article is never
        queued again by being listed again. Except one thing: a row met with no section (a
        "Đọc thêm" link, a sitemap) that is pending, or was skipped because its own page
        names no configured section, takes the section of a listing that names it now, and
        the smaller depth, as if the listing had named it first: it is (again) pending, its
        page then need not say the section itself. And a row that failed for its URL alone
        (``URL_FAULTS``: a host not allowed, a URL that cannot be read) takes the URL a
        section's listing names it by, if another, and is pending again: the URL met first
        (a feed's alias on another host, say) must not keep the article from the archive.
        Raises ``StoreError``.
        """
        rows = [_values(entry, PENDING) for entry in entries]
        if not rows:
            return 0
        with self._write("adding URLs to the frontier") as session:
            connection = session.connection()
            added = _insert_new(connection, rows)
            known = [row for row in rows if row["key"] not in added]
            _claim_for_sections(connection, known)
            _take_listed_urls(connection, known)
            return len(added)

    def requeue(self, entries: Iterable[FrontierEntry], *, take_pending: bool = False) -> None:
        """Make the entries pending now, adding them when unknown (listings read every
        run: the section page, its feed), in one transaction. A known row read before
        takes the entry's kind: a listing page is walked as this run walks it (a backfill,
        or an incremental run that stops at the overlap), whoever queued it first; a
        pending one keeps its own (a walk under way), unless ``take_pending`` (this run
        reads it now, whoever left it). Raises ``StoreError``."""
        rows = [_values(entry, PENDING) for entry in entries]
        if not rows:
            return
        with self._write("requeueing frontier URLs") as session:
            connection = session.connection()
            added = _insert_new(connection, rows)
            known = [
                {"requeued": row["key"], "new_kind": row["kind"]}
                for row in rows
                if row["key"] not in added
            ]
            if known:  # the rows just added are pending and due now already
                table = FrontierRow.__table__
                statement = (
                    update(table)
                    .where(table.c.key == bindparam("requeued"))
                    .values(
                        kind=bindparam("new_kind")
                        if take_pending
                        else case(
                            (table.c.state == PENDING, table.c.kind),
                            else_=bindparam("new_kind"),
                        ),
                        state=PENDING,
                        next_attempt_at=_now(),
                        last_run_id=None,
                    )
                )
                connection.execute(statement, known)

    # --- taking ----------------------------------------------------------------------------

    def due(
        self,
        run_id: int,
        *,
        limit: int = 100,
        articles: bool = True,
        listings: bool = True,
        listed_only: bool = False,
        except_kinds: frozenset[str] = frozenset(),
    ) -> list[FrontierEntry]:
        """Return up to ``limit`` entries to visit now, listings first, oldest first.

        Pending entries are due; failed ones when their ``next_attempt_at`` has come and
        this run has not tried them yet. With ``articles=False`` only listings, with
        ``listings=False`` only articles; with ``listed_only`` only the entries a section's
        listing named (not those met by link or in a sitemap); never those of a kind in
        ``except_kinds``.
        """
        # Core rows, not ORM objects: a crawl asks once per listing page, and loading
        # FrontierRow instances cost more than the query (most of a small listing's time).
        query = _due_query(articles, listings, listed_only, except_kinds)
        values = {"run_id": run_id, "now": _now(), "limit": limit}
        with (
            database_errors(self._engine.url, "reading the frontier"),
            self._engine.connect() as connection,
        ):
            return [FrontierEntry(*row) for row in connection.execute(query, values)]

    def pending_sections(self, kind: str) -> set[str | None]:
        """The sections (``None`` for none) of the pending entries of ``kind``: where a
        walk is under way."""
        query = (
            select(FrontierRow.section_slug)
            .where(FrontierRow.state == PENDING, FrontierRow.kind == kind)
            .distinct()
        )
        with (
            database_errors(self._engine.url, "reading the frontier"),
            self._engine.connect() as connection,
        ):
            return set(connection.scalars(query))

    def entries(self, keys: Sequence[str]) -> dict[str, FrontierEntry]:
        """Return the known entries among ``keys``, by key."""
        if not keys:
            return {}
        query = select(FrontierRow).where(FrontierRow.key.in_(list(keys)))
        with (
            database_errors(self._engine.url, "reading the frontier"),
            Session(self._engine) as session,
        ):
            return {row.key: _entry(row) for row in session.scalars(query)}

    def states(self) -> dict[str, int]:
        """Return how many rows are in each state."""
        from sqlalchemy import func

        query = select(FrontierRow.state, func.count()).group_by(FrontierRow.state)
        with (
            database_errors(self._engine.url, "counting the frontier"),
            Session(self._engine) as session,
        ):
            return {state: int(count) for state, count in session.execute(query)}

    # --- settling --------------------------------------------------------------------------

    def settle(
        self,
        key: str,
        state: str,
        run_id: int,
        *,
        reason: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        follow: Iterable[FrontierEntry] = (),
    ) -> None:
        """Mark ``key`` done, skipped or removed by run ``run_id`` (validators kept for
        the next conditional request), adding the ``follow`` entries it led to (when
        unknown) in the same transaction. Raises ``StoreError``."""
        settlement = Settlement(
            key, state, run_id, reason, etag, last_modified, follow=tuple(follow)
        )
        with self._write(f"settling {key} in the frontier") as session:
            apply_settlement(session.connection(), settlement)

    def fail(self, key: str, reason: str, run_id: int, *, retry_base_seconds: float) -> int:
        """Record a failed visit of ``key``; it is retried by a later run after a delay
        that doubles with each failure. Returns the attempts so far. Raises ``StoreError``."""
        with self._write(f"recording failure of {key} in the frontier") as session:
            row = session.scalars(select(FrontierRow).where(FrontierRow.key == key)).one()
            row.attempts += 1
            row.state = FAILED
            row.reason = reason
            row.last_run_id = run_id
            row.updated_at = _now()
            row.next_attempt_at = row.updated_at + retry_delay(retry_base_seconds, row.attempts)
            return row.attempts

    def release(self, keys: Sequence[str]) -> None:
        """Let this run try ``keys`` once more (a failed listing page, later in the run)."""
        if not keys:
            return
        with self._write("releasing frontier URLs") as session:
            session.execute(
                update(FrontierRow)
                .where(FrontierRow.key.in_(list(keys)))
                .values(last_run_id=None, next_attempt_at=_now())
            )


def _now() -> datetime:
    return datetime.now(UTC)


def _values(entry: FrontierEntry, state: str) -> dict[str, Any]:
    now = _now()
    return {
        "key": entry.key,
        "kind": entry.kind,
        "url": entry.url,
        "priority": ARTICLE_PRIORITY if entry.is_article else LISTING_PRIORITY,
        "section_slug": entry.section_slug,
        "depth": entry.depth,
        "state": state,
        "attempts": 0,
        "next_attempt_at": now,
        "reason": None,
        "etag": entry.etag,
        "last_modified": entry.last_modified,
        "last_run_id": None,
        "updated_at": now,
    }


# FrontierEntry's fields, in order, as frontier columns.
_ENTRY_COLUMNS = (
    "key",
    "kind",
    "url",
    "section_slug",
    "depth",
    "etag",
    "last_modified",
    "attempts",
)


def _entry(row: FrontierRow) -> FrontierEntry:
    return FrontierEntry(
        key=row.key,
        kind=row.kind,
        url=row.url,
        section_slug=row.section_slug,
        depth=row.depth,
        etag=row.etag,
        last_modified=row.last_modified,
        attempts=row.attempts,
    )


@cache
def _due_query(
    articles: bool, listings: bool, listed_only: bool, except_kinds: frozenset[str]
) -> Select[Any]:
    """The statement ``Frontier.due`` runs, with the run id, the time and the limit as
    parameters: built once per kind of question, for it is asked once per listing page
    and building it (its subqueries' columns) cost as much as running it."""
    # Each state's rows read in order from the (state, priority, id) index and cut at the
    # limit, the two parts then merged: asked as one condition over both states, the
    # database gathered and sorted every pending row first, and a backfill's listing
    # walk, which asks after each page while every article found so far waits pending,
    # slowed down as it went (benchmarks/frontier.py).
    pending = FrontierRow.state == PENDING
    failed = (FrontierRow.state == FAILED) & (FrontierRow.next_attempt_at <= bindparam("now"))
    parts = (
        _due_in(state, articles, listings, listed_only, except_kinds).subquery()
        for state in (pending, failed)
    )
    both = union_all(*(select(part) for part in parts)).subquery()
    return (
        select(*(both.c[name] for name in _ENTRY_COLUMNS))
        .order_by(both.c.priority, both.c.id)
        .limit(bindparam("limit"))
    )


def _due_in(
    state: ColumnElement[bool],
    articles: bool,
    listings: bool,
    listed_only: bool,
    except_kinds: frozenset[str],
) -> Select[Any]:
    """The first rows (up to the ``limit`` parameter) in ``state`` not tried by the run
    ``run_id`` (a parameter), in visiting order (priority, id), read from the
    ``(state, priority, id)`` index; see ``Frontier.due``."""
    columns = FrontierRow.__table__.c
    run_id = bindparam("run_id")
    query = (
        select(columns.priority, columns.id, *(columns[name] for name in _ENTRY_COLUMNS))
        .where(
            state,
            or_(FrontierRow.last_run_id.is_(None), FrontierRow.last_run_id != run_id),
        )
        .order_by(FrontierRow.priority, FrontierRow.id)
        .limit(bindparam("limit"))
    )
    if not articles:
        query = query.where(FrontierRow.priority == LISTING_PRIORITY)
    if not listings:
        query = query.where(FrontierRow.priority == ARTICLE_PRIORITY)
    if listed_only:
        query = query.where(FrontierRow.section_slug.is_not(None))
    if except_kinds:
        query = query.where(FrontierRow.kind.not_in(sorted(except_kinds)))
    return query


def _claim_for_sections(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Give the rows without a section among ``rows`` (known keys), pending or skipped as
    out of section, the section and, when smaller, the depth of their row here; a skipped
    one is pending again, for this run too (its page said another section, but a
    configured section lists it)."""
    claims = [
        {"claimed": row["key"], "slug": row["section_slug"], "new_depth": row["depth"]}
        for row in rows
        if row["section_slug"] is not None
    ]
    if not claims:
        return
    table = FrontierRow.__table__
    skipped = (table.c.state == SKIPPED) & table.c.reason.startswith(OUT_OF_SECTION + ":")
    statement = (
        update(table)
        .where(
            table.c.key == bindparam("claimed"),
            table.c.section_slug.is_(None),
            or_(table.c.state == PENDING, skipped),
        )
        .values(
            section_slug=bindparam("slug"),
            depth=case(
                (table.c.depth > bindparam("new_depth"), bindparam("new_depth")),
                else_=table.c.depth,
            ),
            state=PENDING,
            reason=case((skipped, None), else_=table.c.reason),
            last_run_id=case((skipped, None), else_=table.c.last_run_id),
        )
    )
    connection.execute(statement, claims)


def _take_listed_urls(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Give the rows among ``rows`` (known keys) that failed for their URL alone the URL a
    section's listing names them by, when it is another, pending again and due now. Other
    failures keep their URL and their backoff; a pending row keeps its URL (the first
    listing's: two listings naming an article by two URLs must not take turns)."""
    listed = [
        {"listed": row["key"], "listed_url": row["url"], "now": row["updated_at"]}
        for row in rows
        if row["section_slug"] is not None
    ]
    if not listed:
        return
    table = FrontierRow.__table__
    statement = (
        update(table)
        .where(
            table.c.key == bindparam("listed"),
            table.c.url != bindparam("listed_url"),
            table.c.state == FAILED,
            # Not in_(): its expanding parameter cannot go with executemany.
            or_(*(table.c.reason == fault for fault in sorted(URL_FAULTS))),
        )
        .values(
            url=bindparam("listed_url"),
            state=PENDING,
            reason=None,
            last_run_id=None,
            next_attempt_at=bindparam("now"),
            updated_at=bindparam("now"),
        )
    )
    connection.execute(statement, listed)


def _insert_new(connection: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the ``rows`` whose key is not in the frontier yet (the first of each key);
    return the keys inserted."""
    keys = list(dict.fromkeys(row["key"] for row in rows))
    known = set(connection.scalars(select(FrontierRow.key).where(FrontierRow.key.in_(keys))))
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["key"] not in known:
            new.setdefault(row["key"], row)
    if new:
        # Another process may add the same key meanwhile (PostgreSQL): theirs stays.
        insert = _dialect_insert(connection.dialect.name)(FrontierRow.__table__)
        statement = insert.on_conflict_do_nothing(index_elements=["key"])
        connection.execute(statement, list(new.values()))
    return set(new)


def _dialect_insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
