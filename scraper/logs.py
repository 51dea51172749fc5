"""Logging set-up: one line per event, for a person at a terminal or for a log collector.

``text`` (the default) is ``TIME LEVEL logger: message``; ``json`` is one JSON object per
line with ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``pid``, any
``extra=`` fields, and ``error`` / ``traceback`` when an exception is logged. A traceback
never spreads over several lines: in text only its last line is shown.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging"]

LogFormat = Literal["text", "json"]

# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Third-party loggers that repeat at INFO what our own lines already say.
_QUIET = ("alembic", "apscheduler", "httpx", "httpcore")


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _one_line(text: str) -> str:
    return " ".join(text.split())


class TextFormatter(logging.Formatter):
    """``2026-11-28T13:20:01.123+00:00 INFO baohatinh.schedule: message`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        return _one_line(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring for the keys)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            data["error"] = f"{type(error).__name__}: {error}"
            data["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(
    level: str = "warning", fmt: LogFormat = "text", log_file: str | os.PathLike[str] | None = None
) -> None:
    """Send log lines of ``level`` and above to stderr, and also to ``log_file`` if given.

    Replaces any handlers installed before (the CLI calls this once per invocation).
    Raises ``OSError`` if the log file cannot be opened for appending.
    """
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level.upper())
    quiet = logging.DEBUG if level.lower() == "debug" else logging.WARNING
    for name in _QUIET:
        logging.getLogger(name).setLevel(quiet)
