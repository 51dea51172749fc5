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
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
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
    """Return a crontab weekday field (0 or 7 = Sunday) as APScheduler 3 day names.

    APScheduler 3 numbers Monday 0, crontab numbers Sunday 0: numbers are turned into names
    so that "10 4 * * 0" runs on Sunday as in crontab, and ranges into lists (APScheduler's
    ranges cannot wrap past Sunday).
    """
    names = []
    for token in field.split(","):
        if "/" in token and any(ch.isdigit() for ch in token.split("/")[0]):
            raise ValueError(f"weekday {token!r}: list the days instead of a step")
        low, _, high = token.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            names.append(token)  # "*", "*/2", "mon-fri": APScheduler reads names as crontab
            continue
        first, last = int(low), int(high or low)
        if not 0 <= first <= last <= 7:
            raise ValueError(f"weekday {token!r} out of 0-7")
        names += [_WEEKDAYS[number % 7] for number in range(first, last + 1)]
    return ",".join(dict.fromkeys(names))


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
