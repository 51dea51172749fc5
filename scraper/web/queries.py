"""What the web pages ask of the archive, in one place: thin adapters over ``storage``.

Today's ``storage.search`` takes words and phrases only (no filters, no sort), and revisions
have no public reading API yet. Until those land, this module reads the existing tables
itself, read-only, with plain SQLAlchemy: the query is parsed and the snippets are cut by
``storage.search`` itself, so the same words match as on the command line. When the richer
search (filters, sort) and the revisions API arrive, only this module changes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Select, and_, func, literal_column, select, text
from sqlalchemy.sql.elements import ColumnElement

from scraper.errors import QueryError
from storage import ArchivedArticle, SearchHit, SearchResults, Store, fold
from storage.convert import SITE_TZ
from storage.engine import database_errors
from storage.models import ArticleRow, RevisionRow
from storage.search import Term, parse_query, snippet

__all__ = [
    "SORTS",
    "DiffLine",
    "FieldChange",
    "Revision",
    "SearchForm",
    "Sort",
    "archived_targets",
    "choices",
    "find_articles",
    "iter_matching",
    "revisions",
]

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


@dataclass(frozen=True, slots=True)
class SearchForm:
    """What the search page asked for; an empty ``query`` lists every article (filtered)."""

    query: str = ""
    date_from: date | None = None
    date_to: date | None = None
    section: str = ""
    author: str = ""
    tag: str = ""
    sort: Sort = "relevance"

    @property
    def effective_sort(self) -> Sort:
        """Relevance needs words to rank by; without a query the newest come first."""
        return "newest" if self.sort == "relevance" and not self.query.strip() else self.sort


@contextmanager
def _reading(store: Store, action: str) -> Iterator[Connection]:
    """A read-only connection whose database errors become ``StoreError`` naming ``action``."""
    with database_errors(store.engine.url, action), store.engine.connect() as conn:
        yield conn


# --- search ------------------------------------------------------------------------------

# The matching rows of the search index with their rank (lower is better on both).
_MATCH = {
    "sqlite": "SELECT rowid AS pk, bm25(article_search, 10.0, 4.0, 1.0, 2.0) AS rank "
    "FROM article_search WHERE article_search MATCH :q",
    "postgresql": "SELECT article_pk AS pk, -ts_rank(document, CAST(:q AS tsquery)) AS rank "
    "FROM article_search WHERE document @@ CAST(:q AS tsquery)",
}


def _render_terms(dialect: str, terms: Sequence[Term]) -> str:
    # The same renderings storage.search uses, so both pages match the same articles.
    from storage.search import _SQL

    return _SQL[dialect].render(terms)


def find_articles(store: Store, form: SearchForm, *, limit: int, offset: int) -> SearchResults:
    """Return one page of the articles matching ``form`` and how many match in all.

    Raises ``QueryError`` (quoting the query) for a query ``storage.search`` refuses,
    ``StoreError`` if the database refuses.
    """
    if limit < 0 or offset < 0:
        raise QueryError(f"limit and offset must not be negative (query {form.query!r})")
    terms, query = _matching(store, form)
    counted = select(func.count()).select_from(query.subquery())
    page = query.limit(limit).offset(offset)
    with _reading(store, f"searching {form.query!r}") as conn:
        total = int(conn.execute(counted).scalar_one())
        rows = conn.execute(page).mappings().all() if limit and total else []
    return SearchResults(total=total, hits=[_hit(row, terms) for row in rows])


def iter_matching(store: Store, form: SearchForm) -> Iterator[ArchivedArticle]:
    """Yield every archived article matching ``form``, in the page's order (for exports).

    The matching ids are read first (one short query), then each article on its own, so
    memory stays bounded and no transaction is held while the caller streams.
    Raises ``QueryError`` or ``StoreError`` as ``find_articles`` does.
    """
    _, query = _matching(store, form)
    ids = select(query.subquery().c.article_id)
    with _reading(store, f"exporting {form.query!r}") as conn:
        article_ids = list(conn.execute(ids).scalars())
    for article_id in article_ids:
        yield store.get_article(article_id)


def _matching(store: Store, form: SearchForm) -> tuple[list[Term], Select[Any]]:
    """Return the query's terms and the SELECT of matching articles in the form's order."""
    a = ArticleRow.__table__
    columns = [a.c.id, a.c.article_id, a.c.url, a.c.title, a.c.section, a.c.published_at,
               a.c.lead, a.c.body_text]
    newest = (a.c.published_at.desc().nulls_last(), a.c.id.desc())
    terms: list[Term] = parse_query(form.query) if form.query.strip() else []
    if terms:
        match = (
            text(_MATCH[store.dialect])
            .bindparams(q=_render_terms(store.dialect, terms))
            .columns(literal_column("pk"), literal_column("rank"))
            .subquery("m")
        )
        query = select(*columns).join_from(a, match, match.c.pk == a.c.id)
        relevance: tuple[Any, ...] = (match.c.rank, *newest)
    else:
        query, relevance = select(*columns), newest
    order = {
        "relevance": relevance,
        "newest": newest,
        "oldest": (a.c.published_at.asc().nulls_last(), a.c.id.asc()),
    }[form.effective_sort]
    return terms, query.where(*_filters(store, form)).order_by(*order)


def _filters(store: Store, form: SearchForm) -> list[ColumnElement[bool]]:
    a = ArticleRow.__table__
    found: list[ColumnElement[bool]] = []
    if form.date_from:
        found.append(a.c.published_at >= _site_midnight(form.date_from))
    if form.date_to:
        found.append(a.c.published_at < _site_midnight(form.date_to + timedelta(days=1)))
    if not (form.section.strip() or form.author.strip() or form.tag.strip()):
        return found
    # Readers type names without diacritics: match them against the archive's own values.
    known = choices(store)
    if form.section.strip():
        found.append(a.c.section.in_(_folded_matches(known.sections, form.section)))
    if form.author.strip():
        found.append(a.c.author.in_(_folded_matches(known.authors, form.author)))
    if form.tag.strip():
        found.append(_has_any_tag(store.dialect, _folded_matches(known.tags, form.tag)))
    return found


def _site_midnight(day: date) -> datetime:
    # A date typed by a reader is a day on the site's calendar (+07:00).
    return datetime.combine(day, time(0, 0), tzinfo=SITE_TZ)


def _folded_matches(known: Sequence[str], wanted: str) -> list[str]:
    """Return the known values equal to ``wanted`` once folded (case, diacritics, ủy/uỷ)."""
    target = " ".join(fold(wanted).split())
    return [value for value in known if " ".join(fold(value).split()) == target]


def _has_any_tag(dialect: str, tags: list[str]) -> ColumnElement[bool]:
    if not tags:
        return and_(literal_column("1") == literal_column("0"))
    elements = {
        "sqlite": "json_each(articles.tags) AS t",
        "postgresql": "json_array_elements_text(articles.tags) AS t(value)",
    }[dialect]
    names = ", ".join(f":tag{index}" for index in range(len(tags)))
    clause = text(f"EXISTS (SELECT 1 FROM {elements} WHERE t.value IN ({names}))")
    return clause.bindparams(**{f"tag{index}": tag for index, tag in enumerate(tags)})  # type: ignore[return-value]


def _hit(row: Any, terms: Sequence[Term]) -> SearchHit:
    text_snippet, highlights = snippet([row["lead"], row["body_text"]], terms)
    published: datetime | None = row["published_at"]
    return SearchHit(
        article_id=row["article_id"],
        url=row["url"],
        title=row["title"],
        section=row["section"],
        published_at=published.astimezone(SITE_TZ) if published else None,
        snippet=text_snippet,
        highlights=highlights,
    )


# --- what the filters offer --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choices:
    """The distinct sections, authors and tags of the archive, sorted (for the filters)."""

    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


_DISTINCT_TAGS = {
    "sqlite": "SELECT DISTINCT t.value FROM articles, json_each(articles.tags) AS t",
    "postgresql": "SELECT DISTINCT json_array_elements_text(tags) FROM articles",
}


def choices(store: Store) -> Choices:
    """Return the distinct sections, authors and tags the archive holds.

    Raises ``StoreError`` if the database refuses.
    """
    a = ArticleRow.__table__
    with _reading(store, "listing filters") as conn:
        sections = conn.execute(select(a.c.section).distinct()).scalars().all()
        authors = conn.execute(select(a.c.author).distinct()).scalars().all()
        tags = conn.execute(text(_DISTINCT_TAGS[store.dialect])).scalars().all()
    return Choices(
        sections=_sorted(sections), authors=_sorted(authors), tags=_sorted(tags)
    )


def _sorted(values: Sequence[str | None]) -> list[str]:
    return sorted({value for value in values if value}, key=lambda value: (fold(value), value))


# --- links between articles --------------------------------------------------------------


def archived_targets(store: Store, article_ids: Sequence[str]) -> set[str]:
    """Return which of ``article_ids`` are archived (so a link can open the archived copy).

    Raises ``StoreError`` if the database refuses.
    """
    if not article_ids:
        return set()
    a = ArticleRow.__table__
    query = select(a.c.article_id).where(a.c.article_id.in_(list(article_ids)))
    with _reading(store, "looking up linked articles") as conn:
        return set(conn.execute(query).scalars())


# --- revisions ---------------------------------------------------------------------------

# The fields a reader compares between two versions, in reading order, as labelled.
_COMPARED = (
    ("title", "Tiêu đề"),
    ("lead", "Sapo"),
    ("published_at", "Thời gian đăng"),
    ("author", "Tác giả"),
    ("tags", "Từ khóa"),
    ("body_paragraphs", "Nội dung"),
    ("images", "Ảnh"),
    ("related", "Đọc thêm"),
)

@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a field's difference: ``kind`` is same, removed, added or skipped (then
    ``text`` is how many unchanged lines were folded). ``segments`` split the text into
    ``(words, changed)`` runs, so a reader sees which words of a paragraph changed."""

    kind: Literal["same", "removed", "added", "skipped"]
    text: str
    segments: tuple[tuple[str, bool], ...] = ()


DiffOp = DiffLine
# Unchanged lines shown around each change; longer unchanged runs fold into one "…".
_CONTEXT = 1


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs from the previous revision, line by line."""

    name: str
    label: str
    lines: list[DiffOp]


@dataclass(frozen=True, slots=True)
class Revision:
    """One archived version of an article and what changed since the one before."""

    number: int
    seen_at: datetime
    title: str
    changes: list[FieldChange]


def revisions(store: Store, article_id: str) -> list[Revision]:
    """Return the revisions of the article with site id ``article_id``, oldest first.

    Each revision but the first lists its changes against the previous one. Returns an
    empty list for an unknown article. Raises ``StoreError`` if the database refuses.
    """
    a, r = ArticleRow.__table__, RevisionRow.__table__
    query = (
        select(r.c.revision, r.c.seen_at, r.c.snapshot)
        .join_from(r, a, a.c.id == r.c.article_pk)
        .where(a.c.article_id == article_id)
        .order_by(r.c.revision)
    )
    with _reading(store, f"reading revisions of {article_id}") as conn:
        rows = conn.execute(query).all()
    out: list[Revision] = []
    previous: dict[str, Any] | None = None
    for number, seen_at, data in rows:
        changes = _changes(previous, data) if previous is not None else []
        out.append(Revision(number, seen_at, str(data.get("title", "")), changes))
        previous = data
    return out


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    found = []
    for name, label in _COMPARED:
        old, new = _lines(before.get(name)), _lines(after.get(name))
        if old != new:
            found.append(FieldChange(name, label, _line_diff(old, new)))
    return found


def _lines(value: Any) -> list[str]:
    """A snapshot field as lines of text: one per paragraph, tag, image or link."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_line(item) for item in value]
    return [str(value)]


def _line(item: Any) -> str:
    if isinstance(item, dict):
        parts = [item.get("title") or item.get("caption") or "", item.get("url") or ""]
        return " — ".join(part for part in parts if part)
    return str(item)


def _line_diff(old: list[str], new: list[str]) -> list[DiffOp]:
    ops: list[DiffOp] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            at_end = i2 == len(old) and j2 == len(new)
            ops += _context(old[i1:i2], first=i1 == 0 and j1 == 0, last=at_end)
            continue
        removed, added = old[i1:i2], new[j1:j2]
        if len(removed) == len(added):  # edited in place: show which words changed
            pairs = list(zip(removed, added, strict=True))
            words = [_word_diff(before, after) for before, after in pairs]
            ops += [DiffLine("removed", b, w[0]) for (b, _), w in zip(pairs, words, strict=True)]
            ops += [DiffLine("added", a, w[1]) for (_, a), w in zip(pairs, words, strict=True)]
        else:
            ops += [DiffLine("removed", line, ((line, True),)) for line in removed]
            ops += [DiffLine("added", line, ((line, True),)) for line in added]
    return ops


Segments = tuple[tuple[str, bool], ...]


def _word_diff(before: str, after: str) -> tuple[Segments, Segments]:
    """Return both lines as ``(text, changed)`` runs, word by word (spaces kept)."""
    old, new = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    old_runs: list[tuple[str, bool]] = []
    new_runs: list[tuple[str, bool]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append_run(old_runs, "".join(old[i1:i2]), tag != "equal")
        _append_run(new_runs, "".join(new[j1:j2]), tag != "equal")
    return tuple(old_runs), tuple(new_runs)


def _append_run(runs: list[tuple[str, bool]], text: str, changed: bool) -> None:
    if not text:
        return
    if runs and runs[-1][1] == changed:
        runs[-1] = (runs[-1][0] + text, changed)
    else:
        runs.append((text, changed))


def _context(same: list[str], *, first: bool, last: bool) -> list[DiffOp]:
    """Keep ``_CONTEXT`` unchanged lines next to each change and fold the rest."""
    keep_head = 0 if first else _CONTEXT
    keep_tail = 0 if last else _CONTEXT
    if len(same) <= keep_head + keep_tail + 1:
        return [DiffLine("same", line, ((line, False),)) for line in same]
    head = [DiffLine("same", line, ((line, False),)) for line in same[:keep_head]]
    tail = [DiffLine("same", line, ((line, False),)) for line in same[len(same) - keep_tail :]]
    folded = DiffLine("skipped", str(len(same) - keep_head - keep_tail))
    return [*head, folded, *tail]
