"""Hand-written fixture pages of every page variant parse to their expected values.

Each page of ``tests/pages/`` stands for one variant of SITE.md (e-magazine, a migrated old
article, a photo gallery, the ``/tv/`` family with only generic metadata, times only as
visible text) or for a page that is no article (section, tag, error page served with 200,
empty body). Its expected values, the sources they must come from and the snippets its
body must and must not hold are in ``tests/pages/expected.json``. To report a parser bug,
add a page and its expectations there: this test and the quality gate fail until it is fixed.
"""

from __future__ import annotations

import json

import pytest

from tests.parse_quality import EXPECTED, PAGES, Case, check_case, hand_written_cases

CASES = hand_written_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_page_parses_to_its_expected_values(case: Case) -> None:
    failed = [f"{check.field}: {check.detail}" for check in check_case(case) if not check.passed]
    assert failed == []


def test_every_page_has_expectations_and_every_expectation_a_page() -> None:
    pages = {path.stem for path in PAGES.glob("*.html")}
    assert pages == {case.name for case in CASES}
    for case in CASES:
        assert case.not_article or (case.fields and case.body_contains), case.name


def test_every_variant_of_the_issue_has_a_page() -> None:
    templates = {case.fields.get("template") for case in CASES}
    assert {"emagazine", "old", "tv", "cms"} <= templates
    reasons = {case.not_article for case in CASES}
    assert {"section page", "tag page", "error page", "empty body"} <= reasons
    raws = {case.fields.get("published_raw") for case in CASES}
    assert {"Thứ Ba, 15/10/2024 - 10:12", "10:12 15/10/2024"} <= raws


def test_a_wrong_expectation_is_caught() -> None:
    """The checker itself can fail: a changed title, a missing snippet, a wrong reason."""
    case = next(case for case in CASES if case.name == "emagazine")
    wrong = Case(
        name="wrong",
        html=case.html,
        url=case.url,
        fields={**case.fields, "title": "Một tiêu đề khác"},
        sources={"title": "jsonld"},
        body_contains=("không có trong bài",),
        body_not_contains=("Đổi mới và phát triển",),
    )
    failed = sorted({check.field for check in check_case(wrong) if not check.passed})
    assert failed == ["body_snippets", "source:title", "title"]
    error_page = next(case for case in CASES if case.name == "error-page")
    as_article = Case(name="x", html=error_page.html, url=error_page.url, not_article="tag page")
    assert [check.passed for check in check_case(as_article)] == [False]


def test_expected_json_uses_only_known_keys() -> None:
    data = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert set(data) == {"pages"}
    for entry in data["pages"]:
        assert set(entry) <= {
            "name", "url", "fields", "sources", "body_contains", "body_not_contains",
            "not_article",
        }, entry["name"]
