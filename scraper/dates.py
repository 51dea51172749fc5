"""Date and time parsing for every form the site's pages use (pure functions, no I/O).

Forms understood by :func:`parse_datetime`:

- ISO 8601: ``2024-10-15T10:12:00+0700``, ``…+07:00``, ``…Z``, fractions of seconds,
  a space instead of ``T``, a bare date ``2024-10-15``, or no offset at all;
- unix epoch as a string, in seconds (``1728961920``) or milliseconds (``1728961920000``);
- the visible text of an article header: ``Thứ Ba, 15/10/2024 - 10:12``,
  ``10:12 15/10/2024``, ``15/10/2024 10:12``, ``15/10/2024``, also ``10h12`` and a trailing
  ``(GMT+7)``;
- RFC 822, as in RSS: ``Tue, 15 Oct 2024 10:12:00 +0700``.

Every result is timezone-aware. A time written without an offset is the newsroom's local
time, Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _local_zone() -> tzinfo:
    # A machine without tzdata still gets the right answer: Vietnam has kept +07:00 since
    # 1975 and has no daylight saving time.
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "+07")


SITE_TZ: tzinfo = _local_zone()
"""The zone of every time written without an offset."""

_EPOCH = re.compile(r"^(?P<int>\d{9,13})(?:\.(?P<frac>\d+))?$")
_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?!\d)")
_HM = re.compile(r"(?<![\d/])(?P<h>\d{1,2})\s*[:hH]\s*(?P<min>\d{2})(?::(?P<s>\d{2}))?(?![\d/])")
_GMT = re.compile(r"(?:GMT|UTC)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.I)
_RFC822_START = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\b")

# Epoch values outside these years are ids or counters, not publication times.
_EPOCH_MIN_YEAR, _EPOCH_MAX_YEAR = 1995, 2100
# No page was published or edited outside these years (in UTC). Written dates outside them
# are placeholders, such as the CMS's empty date 0001-01-01, and a time that cannot be
# told in UTC at all (0001-01-01T00:00+07:00) would break every later step.
_MIN_YEAR, _MAX_YEAR = 1900, 2200


def parse_datetime(raw: str | None) -> datetime | None:
    """Return the timezone-aware time that ``raw`` writes, or ``None`` if it writes none.

    Naive times are taken as Asia/Ho_Chi_Minh. Never raises: unparseable, empty or
    impossible values (``31/02/2024``) and placeholders outside the years 1900 to 2200
    (``0001-01-01``) give ``None``.
    """
    if not raw or not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    for parser in (_parse_epoch, _parse_iso, _parse_rfc822, _parse_visible):
        try:
            result = parser(text)
            if result is not None and not _MIN_YEAR <= result.astimezone(UTC).year <= _MAX_YEAR:
                return None
        except (ValueError, OverflowError, OSError, TypeError, IndexError):
            result = None
        if result is not None:
            return result
    return None


def _parse_epoch(text: str) -> datetime | None:
    match = _EPOCH.match(text)
    if not match:
        return None
    value = float(text)
    # 12 or more digits can only be milliseconds for any year we accept.
    if len(match["int"]) >= 12:
        value /= 1000
    result = datetime.fromtimestamp(value, tz=UTC).astimezone(SITE_TZ)
    if not _EPOCH_MIN_YEAR <= result.year <= _EPOCH_MAX_YEAR:
        return None
    return result


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.match(text)
    if not match:
        return None
    day = date.fromisoformat(match["date"])
    clock = time.fromisoformat(match["time"].replace(",", ".")) if match["time"] else time()
    return datetime.combine(day, clock, tzinfo=_iso_offset(match["tz"]))


def _iso_offset(tz: str | None) -> tzinfo:
    """Turn ``Z``, ``+0700``, ``+07:00`` or ``+07`` into a tzinfo; ``None`` → site zone."""
    if not tz:
        return SITE_TZ
    if tz.upper() == "Z":
        return UTC
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if tz[0] == "-" else offset)


def _parse_rfc822(text: str) -> datetime | None:
    if not _RFC822_START.match(text):
        return None
    result = parsedate_to_datetime(text)
    # "-0000" means "offset unknown": the newsroom's own zone is the best guess.
    return result if result.tzinfo is not None else result.replace(tzinfo=SITE_TZ)


def _parse_visible(text: str) -> datetime | None:
    """Find ``dd/mm/YYYY`` and an optional ``HH:MM`` anywhere in a line of visible text."""
    day_match = _DMY.search(text)
    if not day_match:
        return None
    day = date(int(day_match["y"]), int(day_match["m"]), int(day_match["d"]))
    # The time may stand before or after the date; blank out the date so that its digits
    # are not read as a time.
    rest = text[: day_match.start()] + " " + text[day_match.end() :]
    zone, rest = _gmt_offset(rest)
    time_match = _HM.search(rest)
    clock = time()
    if time_match:
        clock = time(int(time_match["h"]), int(time_match["min"]), int(time_match["s"] or 0))
    return datetime.combine(day, clock, tzinfo=zone)


def _gmt_offset(text: str) -> tuple[tzinfo, str]:
    """Read a ``GMT+7`` / ``UTC+07:00`` note in visible text (none → the site zone).

    Returns the zone and the text without the note, whose ``07:00`` is no clock time.
    """
    match = _GMT.search(text)
    if not match:
        return SITE_TZ, text
    offset = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    zone = timezone(-offset if match["sign"] == "-" else offset)
    return zone, text[: match.start()] + " " + text[match.end() :]
