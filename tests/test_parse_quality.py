"""The quality gate: the parser's field-by-field score on every fixture page, held to a floor.

The floor is pinned in ``tests/parse_quality_floor.json`` (100 % on today's pages). The test
prints the score of each field (run pytest with ``-s`` to see it) and fails when a field
falls below its floor, naming each failed check.
"""

from __future__ import annotations

import json

from tests.parse_quality import FLOOR, all_cases, score


def _floor() -> dict[str, float]:
    floor: dict[str, float] = json.loads(FLOOR.read_text(encoding="utf-8"))["floor"]
    return floor


def test_every_field_scores_at_least_its_floor() -> None:
    scores, failures = score(all_cases())
    floor = _floor()
    print("\nfield               passed / checks   score   floor")
    for name, (passed, total) in scores.items():
        share, pinned = passed / total, floor.get(name, 0)
        print(f"{name:<20}{passed:>6} / {total:<6}  {share:7.1%}  {pinned:6.0%}")
    below = [
        f"{name}: {passed}/{total} < {floor[name]:.0%}"
        for name, (passed, total) in scores.items()
        if name in floor and passed / total < floor[name]
    ]
    assert below == [], "\n".join(below + failures)


def test_the_floor_covers_every_scored_field() -> None:
    scores, _ = score(all_cases())
    floor = _floor()
    assert set(floor) == set(scores)
    assert all(0.0 <= value <= 1.0 for value in floor.values())


def test_a_failing_check_lowers_the_score() -> None:
    """The scoring counts failures: a case with a wrong title scores 0 of 1 on it."""
    from dataclasses import replace

    from tests.parse_quality import seed_case

    case = seed_case()
    wrong = replace(case, fields={"title": "Sai"}, body_not_contains=())
    scores, failures = score([case, wrong])
    assert scores["title"] == (1, 2)
    assert failures == ["seed: title: got " + repr(case.fields["title"]) + ", expected 'Sai'"]
