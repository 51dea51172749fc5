"""parse_datetime: every date form of the site's pages, always timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.dates import SITE_TZ, parse_datetime

PLUS7 = timezone(timedelta(hours=7))
# 10:12 on 15 October 2024 in Hà Tĩnh: the seed article's publication time.
SEED_TIME = datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-10-15T10:12:00+0700",  # offset without a colon, as seen on the site
        "2024-10-15T10:12:00+07:00",
        "2024-10-15T10:12:00+07",
        "2024-10-15T03:12:00Z",
        "2024-10-15T03:12:00.000Z",
        "2024-10-15T10:12:00",  # naive: local time
        "2024-10-15 10:12",
        "1728961920",  # epoch seconds (time[data-time])
        "1728961920000",  # epoch milliseconds
        "Thứ Ba, 15/10/2024 - 10:12",  # visible article header
        "10:12 15/10/2024",  # visible listing time
        "15/10/2024 10:12",
        "15/10/2024 | 10:12 (GMT+7)",
        "Cập nhật: 10h12 ngày 15/10/2024",
        "Tue, 15 Oct 2024 10:12:00 +0700",  # RFC 822 (RSS)
        "Tue, 15 Oct 2024 03:12:00 GMT",
        "  2024-10-15T10:12:00+0700\n",
    ],
)
def test_every_form_gives_the_same_instant(raw: str) -> None:
    parsed = parse_datetime(raw)
    assert parsed is not None
    assert parsed.tzinfo is not None and parsed.utcoffset() is not None
    assert parsed == SEED_TIME


def test_an_explicit_offset_is_kept() -> None:
    assert parse_datetime("2024-10-15T10:12:00+0700").utcoffset() == timedelta(hours=7)
    assert parse_datetime("2024-10-15T03:12:00Z").utcoffset() == timedelta(0)


def test_naive_times_are_hanoi_time() -> None:
    parsed = parse_datetime("2024-10-15T10:12:00")
    assert parsed is not None
    assert parsed.tzinfo is SITE_TZ
    assert parsed.utcoffset() == timedelta(hours=7)


def test_a_bare_date_is_midnight_local_time() -> None:
    for raw in ("15/10/2024", "2024-10-15"):
        assert parse_datetime(raw) == datetime(2024, 10, 15, tzinfo=PLUS7)


def test_epoch_values_are_converted_to_local_time() -> None:
    parsed = parse_datetime("1728961920")
    assert parsed is not None
    assert parsed.astimezone(UTC) == datetime(2024, 10, 15, 3, 12, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=7)


def test_rfc822_without_a_known_offset_is_local_time() -> None:
    assert parse_datetime("Tue, 15 Oct 2024 10:12:00 -0000") == SEED_TIME


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hôm nay",
        "31/02/2024",  # no such day
        "2024-13-01",
        "2024-10-15T25:00:00",
        "12345",  # an id, not a time
        "99999999999999",  # beyond any publication year
        "Tue, 99 Oct 2024 10:12:00 +0700",
        # The CMS's empty date, and the last day it can write: placeholders, not times.
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+07:00",
        "01/01/0001 00:00",
        "9999-12-31T23:00:00-05:00",
        "Mon, 01 Jan 1800 00:00:00 +0000",
    ],
)
def test_unparseable_text_gives_none(raw: str) -> None:
    assert parse_datetime(raw) is None


def test_none_gives_none() -> None:
    assert parse_datetime(None) is None


@given(st.text(max_size=60))
def test_never_raises_and_is_always_aware(raw: str) -> None:
    parsed = parse_datetime(raw)
    assert parsed is None or parsed.utcoffset() is not None
    # Every time found is an instant the archive can store: it can be told in UTC.
    assert parsed is None or 1900 <= parsed.astimezone(UTC).year <= 2200
