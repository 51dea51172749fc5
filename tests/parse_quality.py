"""Fixture pages with expected values, and the field-by-field scoring of the parser on them.

Three sets of pages, one shape (a :class:`Case`):

- the hand-written pages in ``tests/pages/`` (one ``<name>.html`` each) with their expected
  values in ``tests/pages/expected.json`` (after trafilatura's realworld tests and
  evaldata): for each page its URL, then either ``not_article`` (the reason expected) or
  ``fields`` (exact values), ``sources`` (where each value must come from), and
  ``body_contains`` / ``body_not_contains`` snippets;
- the seed page, with the values copied from the seed text (``tests/test_parse_seed.py``);
- every article page of the sample site, with its ground truth (``ArticleTruth``).

A check is one expected value (or one snippet) of one field; a field's score is the share
of its checks that pass over all cases. ``tests/test_parse_quality.py`` holds the scores to
the floor pinned in ``tests/parse_quality_floor.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper.errors import NotAnArticle, ParseError
from scraper.parse import parse_article
from scraper.records import Article
from scraper.sample_site.model import ArticleTruth
from scraper.sample_site.site import build_site

PAGES = Path(__file__).parent / "pages"
EXPECTED = PAGES / "expected.json"
FLOOR = Path(__file__).parent / "parse_quality_floor.json"
SAMPLE_ORIGIN = "http://127.0.0.1:8123"


@dataclass(frozen=True)
class Case:
    """One page and what a correct parser must make of it."""

    name: str
    html: str | bytes
    url: str
    fields: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    body_contains: tuple[str, ...] = ()
    body_not_contains: tuple[str, ...] = ()
    not_article: str | None = None


@dataclass(frozen=True)
class Check:
    """The outcome of one expectation: the field it scores, and what went wrong if any."""

    field: str
    passed: bool
    detail: str = ""


def record_fields(article: Article) -> dict[str, Any]:
    """The record's fields in the JSON form ``expected.json`` writes them in."""
    return {
        "url": article.url,
        "article_id": article.article_id,
        "title": article.title,
        "lead": article.lead,
        "published_at": _iso(article.published_at),
        "published_raw": article.published_raw,
        "updated_at": _iso(article.updated_at),
        "author": article.author,
        "section": article.section,
        "section_slug": article.section_slug,
        "tags": list(article.tags),
        "template": article.template,
        "body_paragraphs": list(article.body_paragraphs),
        "images": [[image.url, image.caption, image.alt] for image in article.images],
        "related": [[r.url, r.title, r.summary, r.kind] for r in article.related],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def check_case(case: Case) -> list[Check]:
    """Parse the case's page and return one check per expectation."""
    try:
        article = parse_article(case.html, case.url)
    except NotAnArticle as exc:
        return _not_article_checks(case, exc.reason)
    except ParseError as exc:
        return [Check(name, False, f"parse error: {exc}") for name in _expected_fields(case)]
    if case.not_article is not None:
        return [Check("not_article", False, f"parsed as an article: {article.title!r}")]
    return _article_checks(case, article)


def _expected_fields(case: Case) -> list[str]:
    names = list(case.fields) + [f"source:{name}" for name in case.sources]
    if case.body_contains or case.body_not_contains:
        names.append("body_snippets")
    return names or ["not_article"]


def _not_article_checks(case: Case, reason: str) -> list[Check]:
    if case.not_article is None:
        return [Check(name, False, f"not an article: {reason}") for name in _expected_fields(case)]
    passed = reason == case.not_article
    return [Check("not_article", passed, f"reason {reason!r}, expected {case.not_article!r}")]


def _article_checks(case: Case, article: Article) -> list[Check]:
    got = record_fields(article)
    checks = [
        Check(name, got[name] == want, f"got {got[name]!r}, expected {want!r}")
        for name, want in case.fields.items()
    ]
    checks += [
        Check(f"source:{name}", article.sources.get(name) == want,
              f"source {article.sources.get(name)!r}, expected {want!r}")
        for name, want in case.sources.items()
    ]
    text = "\n".join(article.body_paragraphs)
    checks += [
        Check("body_snippets", snippet in text, f"body lacks {snippet!r}")
        for snippet in case.body_contains
    ]
    checks += [
        Check("body_snippets", snippet not in text, f"body holds {snippet!r}")
        for snippet in case.body_not_contains
    ]
    return checks


# --- the three sets of cases -------------------------------------------------------------


def hand_written_cases() -> list[Case]:
    """The pages of ``tests/pages`` with their expectations from ``expected.json``."""
    entries = json.loads(EXPECTED.read_text(encoding="utf-8"))["pages"]
    return [
        Case(
            name=entry["name"],
            html=(PAGES / f"{entry['name']}.html").read_text(encoding="utf-8"),
            url=entry["url"],
            fields=entry.get("fields", {}),
            sources=entry.get("sources", {}),
            body_contains=tuple(entry.get("body_contains", ())),
            body_not_contains=tuple(entry.get("body_not_contains", ())),
            not_article=entry.get("not_article"),
        )
        for entry in entries
    ]


def sample_site_cases() -> list[Case]:
    """Every article page of the sample site, expected to give its ground truth."""
    site = build_site(SAMPLE_ORIGIN, SAMPLE_ORIGIN)
    return [
        Case(
            name=f"sample-{truth.article_id}",
            html=site.lookup(truth.path).body,
            url=truth.url,
            fields=_truth_fields(truth),
        )
        for truth in site.articles
    ]


def _truth_fields(truth: ArticleTruth) -> dict[str, Any]:
    return {
        "url": truth.url,
        "article_id": truth.article_id,
        "title": truth.title,
        "lead": truth.lead,
        "published_at": truth.published_at.isoformat(),
        "updated_at": truth.updated_at.isoformat(),
        "author": truth.author,
        "section": truth.section_name,
        "section_slug": truth.section_slug,
        "tags": list(truth.tags),
        "body_paragraphs": list(truth.body_paragraphs),
        "images": [list(image) for image in truth.images],
        "related": [list(link) for link in truth.related],
    }


def seed_case() -> Case:
    """The seed article, expected as the seed text prints it."""
    from tests import test_parse_seed as seed

    return Case(
        name="seed",
        html=seed.seed_html(),
        url=seed.ARTICLE_URL,
        fields={
            "url": seed.ARTICLE_URL,
            "article_id": "274411",
            "title": seed.TITLE,
            "lead": seed.LEAD,
            "published_at": "2024-10-15T10:12:00+07:00",
            "published_raw": "2024-10-15T10:12:00+0700",
            "updated_at": "2024-10-15T16:40:00+07:00",
            "author": "Thu Hà",
            "section": "Xây dựng Đảng",
            "section_slug": "xay-dung-dang",
            "tags": ["Dân vận khéo", "Hương Sơn", "Công tác dân vận"],
            "template": "cms",
            "body_paragraphs": list(seed.PARAGRAPHS),
        },
        body_not_contains=seed.MUST_NOT_CONTAIN,
    )


def all_cases() -> Iterator[Case]:
    """The seed page, the sample site's pages, then the hand-written pages."""
    yield seed_case()
    yield from sample_site_cases()
    yield from hand_written_cases()


def score(cases: Iterator[Case] | list[Case]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Return ``{field: (passed, total)}`` over ``cases`` and a line per failed check."""
    totals: dict[str, list[int]] = {}
    failures: list[str] = []
    for case in cases:
        for check in check_case(case):
            entry = totals.setdefault(check.field, [0, 0])
            entry[0] += check.passed
            entry[1] += 1
            if not check.passed:
                failures.append(f"{case.name}: {check.field}: {check.detail}")
    return {name: (passed, total) for name, (passed, total) in sorted(totals.items())}, failures
