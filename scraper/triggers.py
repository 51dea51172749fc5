"""When a scheduled job runs: a cron expression or an interval, as written in config.toml.

Two forms are accepted::

    "15 */2 * * *"   crontab (minute hour day month weekday), in [schedule] timezone
    "every 30m"      an interval: every N seconds (s), minutes (m), hours (h) or days (d)

``check_expression`` validates one (for the settings loader); ``build_trigger`` turns it
into an APScheduler 3 trigger with jitter.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["build_trigger", "check_expression", "check_timezone", "interval_of"]

# The longest "every N<unit>" interval: a year (longer ones overflow the scheduler).
MAX_INTERVAL = timedelta(days=366)
_INTERVAL = re.compile(r"^every\s+(\d+)\s*([smhd])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_of(expression: str) -> timedelta | None:
    """Return the interval of an ``"every N<unit>"`` expression, ``None`` for anything else.

    Raises ``ValueError`` for an interval of zero.
    """
    found = _INTERVAL.match(expression.strip())
    if found is None:
        return None
    amount = int(found.group(1))
    if amount <= 0:
        raise ValueError(f"{expression!r}: an interval must be at least 1")
    seconds = amount * _UNIT_SECONDS[found.group(2).lower()]  # an int: no overflow
    if seconds > MAX_INTERVAL.total_seconds():
        raise ValueError(f"{expression!r}: an interval must be at most a year (every 366d)")
    return timedelta(seconds=seconds)


def check_expression(expression: str) -> None:
    """Raise ``ValueError`` (one line, quoting it) unless ``expression`` is a valid schedule
    that fires (``* * 31 2 *`` is valid cron, but no day is the 31st of February)."""
    trigger = build_trigger(expression, timezone=ZoneInfo("UTC"), jitter_seconds=0)
    if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
        raise ValueError(f"{expression!r} never comes round (no such date)")


def check_timezone(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a known IANA time zone."""
    _zone(name)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like "
                         "'Asia/Ho_Chi_Minh' or 'UTC')") from None


def build_trigger(expression: str, *, timezone: tzinfo | str, jitter_seconds: int) -> BaseTrigger:
    """Return the APScheduler trigger for ``expression`` (see the module docstring).

    Raises ``ValueError`` naming the expression if it is neither form.
    """
    zone = _zone(timezone) if isinstance(timezone, str) else timezone
    jitter = jitter_seconds or None
    interval = interval_of(expression)
    if interval is not None:
        return IntervalTrigger(seconds=interval.total_seconds(), timezone=zone, jitter=jitter)
    try:
        minute, hour, day, month, weekday = _cron_fields(expression)
        return CronTrigger(minute=minute, hour=hour, day=day, month=_crontab_months(month),
                           day_of_week=_crontab_weekdays(weekday), timezone=zone, jitter=jitter)
    except ValueError as exc:
        raise ValueError(
            f"{expression!r} is neither a cron expression (minute hour day month weekday) "
            f"nor an interval like 'every 30m' ({exc})"
        ) from None


def _cron_fields(expression: str) -> list[str]:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} fields, expected 5")
    return fields


def _crontab_weekdays(field: str) -> str:
    """Return a crontab weekday field (0 or 7 = Sunday, or names) as the APScheduler 3
    day names it means in crontab, listed one by one.

    APScheduler 3 numbers Monday 0, crontab numbers Sunday 0, and its steps count from
    Monday: "*/2" is Sunday, Tuesday, Thursday and Saturday in crontab, so every token is
    read here (ranges, steps and names alike) and what reaches APScheduler is a list.
    """
    days = _crontab_values(field, "weekday", 0, 7, _WEEKDAYS)
    return ",".join(dict.fromkeys(_WEEKDAYS[day % 7] for day in days))


def _crontab_months(field: str) -> str:
    """Return a crontab month field (1-12, or names) as the list of month numbers it
    means: APScheduler 3 misreads a step over names ("jan-dec/3" as every month)."""
    return ",".join(str(month) for month in _crontab_values(field, "month", 1, 12, _MONTHS))


def _crontab_values(
    field: str, what: str, low: int, high: int, names: tuple[str, ...]
) -> list[int]:
    """The numbers a crontab field means: comma-separated ``*``, ``N``, ``N-M``, each with
    an optional ``/step``; a value is a number from ``low`` to ``high`` or a name (the
    first name is ``low``'s). Raises ``ValueError`` naming the token it cannot read."""
    values: list[int] = []
    for token in field.split(","):
        base, slash, step_text = token.partition("/")
        if slash and not step_text.isdigit() or slash and int(step_text) == 0:
            raise ValueError(f"{what} {token!r}: a step is a number from 1")
        if base == "*":
            first, last = low, high if what != "weekday" else 6
        else:
            start, dash, end = base.partition("-")
            first = _crontab_value(start, token, what, low, high, names)
            last = _crontab_value(end, token, what, low, high, names) if dash else first
            if last < first:
                raise ValueError(f"{what} {token!r}: a range runs from low to high")
            if slash and not dash:
                last = high  # "N/step": from N to the end, as crontab reads it
        values += range(first, last + 1, int(step_text) if slash else 1)
    return sorted(set(values))


def _crontab_value(
    text: str, token: str, what: str, low: int, high: int, names: tuple[str, ...]
) -> int:
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    if text.lower() in names:
        return low + names.index(text.lower())
    raise ValueError(f"{what} {token!r}: not a {what} ({low}-{high}, or a name)")


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
