"""Settings: defined once (name, default, help), loaded from TOML, validated, frozen.

Each ``[table]`` of ``config.toml`` is a frozen dataclass below; a field's ``help`` metadata
is its documentation (``baohatinh config show`` prints it). Loading rejects unknown keys and
wrong types with a one-line :class:`ConfigError` naming the file and the key.

The config file is chosen by ``--config PATH``, else ``$BAOHATINH_CONFIG``, else
``./config.toml`` when it exists, else the built-in defaults. ``$BAOHATINH_DATABASE_URL``
overrides ``database.url``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import __version__
from .css import SelectorError, compile_selector
from .errors import ConfigError
from .fetch import check_user_agent, normalise_hosts
from .profile import DEFAULT_PROFILE, SiteProfile, check_url_pattern
from .triggers import check_expression, check_timezone
from .urls import host_of

CONFIG_ENV = "BAOHATINH_CONFIG"
DATABASE_ENV = "BAOHATINH_DATABASE_URL"
DEFAULT_CONFIG_NAME = "config.toml"
MAX_RUN_MINUTES = 366 * 24 * 60.0  # a year: longest crawl.max_run_minutes (timers take it)


def _opt(default: Any, help: str) -> Any:  # noqa: A002 - "help" reads best in the table
    if isinstance(default, list | dict):
        raise TypeError("use tuples for sequence defaults")
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class SiteSettings:
    """``[site]``: where the newspaper lives."""

    base_url: str = _opt("https://baohatinh.vn", "Origin of the site; article URLs are under it.")
    allowed_hosts: tuple[str, ...] = _opt(
        ("baohatinh.vn", "cdn.baohatinh.vn"),
        "Host names the crawler may fetch (ports ignored); redirects elsewhere are refused.",
    )


@dataclass(frozen=True)
class Section:
    """One ``[[sections]]`` entry: a section of the site to archive."""

    slug: str = _opt("xay-dung-dang", "URL slug of the section page, /<slug>/.")
    name: str = _opt("Xây dựng Đảng", "Name of the section as the site prints it.")
    schedule: str = _opt(
        "", "When `baohatinh schedule` crawls this section (cron or \"every 30m\"); "
        "empty: [schedule] crawl."
    )


@dataclass(frozen=True)
class DatabaseSettings:
    """``[database]``: where the archive is kept."""

    url: str = _opt(
        "sqlite:///archive.db",
        "SQLAlchemy URL: sqlite:///PATH (default) or postgresql+psycopg://USER@HOST/DB.",
    )


@dataclass(frozen=True)
class CrawlSettings:
    """``[crawl]``: politeness, limits and timeouts of the crawler."""

    user_agent: str = _opt(
        f"baohatinh-archive/{__version__} (+mailto:archivist@example.org)",
        "User-Agent sent with every request; must carry a contact URL or e-mail.",
    )
    concurrency: int = _opt(2, "Requests in flight per host.")
    parse_processes: int = _opt(
        1, "Worker processes that parse fetched pages beside the crawl; 0: parse in the crawl's."
    )
    delay_seconds: float = _opt(1.0, "Minimum gap between two requests to one host, seconds.")
    connect_timeout: float = _opt(10.0, "Seconds to wait for a connection.")
    read_timeout: float = _opt(30.0, "Seconds to wait for data once connected.")
    total_timeout: float = _opt(
        120.0,
        "Seconds one request may take, from sending it to its answer's last byte "
        "(a server trickling bytes cannot hold the crawl).",
    )
    max_attempts: int = _opt(4, "Attempts per URL per run (timeouts, 5xx, 429 are retried).")
    backoff_seconds: float = _opt(1.0, "Base of the exponential backoff between attempts.")
    max_body_bytes: int = _opt(10 * 1024 * 1024, "Largest answer accepted, after decompression.")
    max_listing_pages: int = _opt(
        1000, "Most load-more pages walked per section in one run (a safety stop)."
    )
    obey_robots: bool = _opt(True, "Obey robots.txt. Leave on for the real site.")
    overlap: int = _opt(
        5, "Incremental runs stop walking a listing after this many already-archived articles."
    )
    recheck_days: int = _opt(
        3, "Incremental runs re-check articles published in the last N days (conditional GET)."
    )
    follow_depth: int = _opt(
        1, "How many \"Đọc thêm\" links deep to follow (only articles of the sections kept)."
    )
    retry_base_seconds: float = _opt(
        600.0, "A failed URL waits this long before a later run retries it, doubling each time."
    )
    max_run_minutes: float = _opt(
        0.0,
        "A run takes no new URL after this many minutes and ends; the next goes on. 0: no limit.",
    )


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the read-only web application of ``baohatinh serve``."""

    host: str = _opt(
        "127.0.0.1",
        "Address to listen on; 127.0.0.1 keeps it on this machine, 0.0.0.0 opens it to all.",
    )
    port: int = _opt(8000, "TCP port to listen on (0: any free port, printed at start).")
    page_size: int = _opt(20, "Search results per page.")


@dataclass(frozen=True)
class ScheduleSettings:
    """``[schedule]``: the jobs of ``baohatinh schedule`` (each: cron or "every N<s|m|h|d>")."""

    crawl: str = _opt(
        "15 */2 * * *", "When to crawl each section (a [[sections]] schedule overrides it)."
    )
    recheck: str = _opt("40 2 * * *", "Nightly re-check of recent articles; empty: off.")
    sitemap: str = _opt("10 4 * * 0", "Weekly sweep of the sitemaps; empty: off.")
    timezone: str = _opt("Asia/Ho_Chi_Minh", "Time zone of the cron expressions (IANA name).")
    jitter_seconds: int = _opt(300, "Each run starts up to this many seconds late, at random.")
    misfire_grace_seconds: int = _opt(
        3600, "A run missed (daemon down or busy) still starts if at most this late."
    )
    coalesce: bool = _opt(True, "Several missed runs of one job start once, not each.")


@dataclass(frozen=True)
class LockSettings:
    """``[lock]``: the archive's crawl lock (one crawl at a time, whoever starts it)."""

    lease_seconds: float = _opt(
        120.0, "A crashed crawl's lock is taken over once this long without a heartbeat."
    )
    heartbeat_seconds: float = _opt(20.0, "How often a running crawl renews its lease.")


@dataclass(frozen=True)
class ArchiveSettings:
    """``[archive]``: what the archive keeps besides the pages themselves."""

    archive_images: bool = _opt(
        False, "Download the articles' image files into images_dir (sha256-named)."
    )
    images_dir: str = _opt(
        "images", "Folder of the downloaded images (relative to the working directory)."
    )
    max_image_bytes: int = _opt(
        5 * 1024 * 1024, "Largest image file kept, in bytes; larger ones are skipped."
    )


@dataclass(frozen=True)
class Settings:
    """Every setting of one run, validated. ``source`` is the file it came from, if any;
    ``from_env`` names the keys an environment variable set, as (key, variable) pairs."""

    site: SiteSettings = field(default_factory=SiteSettings)
    sections: tuple[Section, ...] = field(default_factory=lambda: (Section(),))
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    web: WebSettings = field(default_factory=WebSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    lock: LockSettings = field(default_factory=LockSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    profile: SiteProfile = DEFAULT_PROFILE
    source: str | None = None
    from_env: tuple[tuple[str, str], ...] = ()

    def with_database(self, url: str) -> Settings:
        """Return a copy that archives into the database at ``url``."""
        from_env = tuple(pair for pair in self.from_env if pair[0] != "database.url")
        return replace(self, database=DatabaseSettings(url=url), from_env=from_env)


TABLES: Mapping[str, type] = {
    "site": SiteSettings,
    "database": DatabaseSettings,
    "crawl": CrawlSettings,
    "web": WebSettings,
    "schedule": ScheduleSettings,
    "lock": LockSettings,
    "archive": ArchiveSettings,
}
ARRAY_TABLES: Mapping[str, type] = {"sections": Section}
OVERRIDE_TABLES = ("selectors", "url_patterns")


def resolve_config_path(explicit: str | None) -> Path | None:
    """Return the config file to read: ``explicit``, ``$BAOHATINH_CONFIG``, ``./config.toml``
    when present, else ``None`` (built-in defaults)."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load and validate the settings (see the module docstring for how the file is chosen).

    Raises :class:`ConfigError` naming the file and key for a missing or unreadable file,
    bad TOML, an unknown key, a wrong type, an invalid selector or URL pattern.
    """
    config_path = resolve_config_path(os.fspath(path) if path is not None else None)
    data: dict[str, Any] = {}
    source = None
    if config_path is not None:
        source = str(config_path)
        data = _read_toml(config_path)
    settings = settings_from_dict(data, source=source)
    env_url = os.environ.get(DATABASE_ENV)
    if env_url:
        settings = settings.with_database(env_url)
        settings = replace(settings, from_env=(("database.url", DATABASE_ENV),))
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("config file not found", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file ({exc.strerror})", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path=str(path)) from None
    except RecursionError:
        raise ConfigError("invalid TOML (nested too deeply)", path=str(path)) from None


def settings_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Settings:
    """Build validated :class:`Settings` from parsed TOML ``data``."""
    known = [*TABLES, *ARRAY_TABLES, *OVERRIDE_TABLES]
    for key in data:
        if key not in known:
            _unknown(key, known, source)
    values: dict[str, Any] = {
        name: _build(cls, data.get(name, {}), name, source) for name, cls in TABLES.items()
    }
    if "sections" in data:
        values["sections"] = _build_sections(data["sections"], source)
    profile = _build_profile(data, source)
    settings = Settings(**values, profile=profile, source=source)
    _check(settings, source)
    return settings


def _build_sections(raw: Any, source: str | None) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("expected at least one [[sections]] table", path=source, key="sections")
    return tuple(
        _build(Section, entry, f"sections[{index}]", source) for index, entry in enumerate(raw)
    )


def _build(cls: type, raw: Any, table: str, source: str | None) -> Any:
    """Instantiate dataclass ``cls`` from TOML table ``raw``, checking keys and types."""
    if not isinstance(raw, dict):
        raise ConfigError("expected a table", path=source, key=table)
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in raw:
        if key not in names:
            _unknown(f"{table}.{key}", [f"{table}.{n}" for n in names], source)
    kwargs = {}
    for f in fields(cls):
        if f.name in raw:
            kwargs[f.name] = _coerce(raw[f.name], hints[f.name], f"{table}.{f.name}", source)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError("missing required key", path=source, key=f"{table}.{f.name}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, key: str, source: str | None) -> Any:
    """Check ``value`` against the field type ``hint``; ints are accepted where floats are."""
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif hint is str:
        ok = isinstance(value, str)
    elif typing.get_origin(hint) is tuple:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value
    else:  # pragma: no cover - a field type this loader does not know is a programming error
        raise TypeError(f"unsupported setting type {hint!r} for {key}")
    if not ok:
        raise ConfigError(
            f"expected {_type_name(hint)}, got {type(value).__name__} {value!r}",
            path=source,
            key=key,
        )
    return value


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return "a list of strings"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[hint]


def _unknown(key: str, known: list[str], source: str | None) -> typing.NoReturn:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"unknown key{hint}", path=source, key=key)


def _build_profile(data: Mapping[str, Any], source: str | None) -> SiteProfile:
    """Apply ``[selectors]`` and ``[url_patterns]`` overrides, compiling each one."""
    selectors: dict[str, tuple[str, ...]] = {}
    for name, value in _override_table(data, "selectors", source).items():
        key = f"selectors.{name}"
        if name not in DEFAULT_PROFILE.selectors:
            _unknown(key, [f"selectors.{n}" for n in DEFAULT_PROFILE.selectors], source)
        items = (value,) if isinstance(value, str) else value
        selectors[name] = _coerce(list(items) if isinstance(items, tuple) else items,
                                  tuple[str, ...], key, source)
        for css in selectors[name]:
            _check_css(css, key, source)
    patterns: dict[str, str] = {}
    for name, value in _override_table(data, "url_patterns", source).items():
        key = f"url_patterns.{name}"
        if name not in DEFAULT_PROFILE.url_patterns:
            _unknown(key, [f"url_patterns.{n}" for n in DEFAULT_PROFILE.url_patterns], source)
        patterns[name] = _coerce(value, str, key, source)
        _config_check(lambda pattern, name=name: check_url_pattern(name, pattern),
                      patterns[name], key, source)
    return DEFAULT_PROFILE.with_overrides(selectors, patterns)


def _override_table(data: Mapping[str, Any], name: str, source: str | None) -> dict[str, Any]:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError("expected a table", path=source, key=name)
    return raw


def _check_css(css: str, key: str, source: str | None) -> None:
    # *_words entries are text to look for and *_attrs entries attribute names, not CSS.
    if key.endswith(("_words", "_attrs")):
        return
    # Compile with the parser's own compiler: a selector it cannot run must fail here,
    # at load time, not on every page of a crawl.
    try:
        compile_selector(css)
    except SelectorError as exc:
        message = str(exc).splitlines()[0]
        raise ConfigError(f"invalid CSS selector {css!r} ({message})", path=source,
                          key=key) from None


# The range each number may take, as (key, lowest, highest, lowest allowed itself). TOML
# also reads inf, nan and numbers too large for a timer or a date: each is refused at load
# time, naming its key, rather than crash a crawl (or a nightly job) later.
HOUR, DAY, WEEK = 3600.0, 86400.0, 7 * 86400.0
_BOUNDS: tuple[tuple[str, float, float, bool], ...] = (
    ("crawl.concurrency", 1, 256, True),
    ("crawl.parse_processes", 0, 64, True),
    ("crawl.delay_seconds", 0, HOUR, True),
    ("crawl.connect_timeout", 0, HOUR, False),
    ("crawl.read_timeout", 0, HOUR, False),
    ("crawl.total_timeout", 0, DAY, False),
    ("crawl.max_attempts", 1, 100, True),
    ("crawl.backoff_seconds", 0, HOUR, True),
    ("crawl.max_body_bytes", 1, 2**31, True),
    ("crawl.max_listing_pages", 1, 10**7, True),
    ("crawl.overlap", 0, 10**7, True),
    ("crawl.recheck_days", 0, 36500, True),
    ("crawl.follow_depth", 0, 100, True),
    ("crawl.retry_base_seconds", 0, WEEK, True),
    ("crawl.max_run_minutes", 0, MAX_RUN_MINUTES, True),
    ("archive.max_image_bytes", 1, 2**31, True),
    ("schedule.jitter_seconds", 0, DAY, True),
    ("schedule.misfire_grace_seconds", 1, WEEK, True),
    ("lock.heartbeat_seconds", 0, DAY, False),
    ("lock.lease_seconds", 0, WEEK, False),
)
_RANGE_NOTES = {"crawl.max_run_minutes": " (a year)"}


def _check(settings: Settings, source: str | None) -> None:
    """Cross-field checks: values a type alone cannot rule out."""
    for key, low, high, low_allowed in _BOUNDS:
        table, name = key.split(".")
        value = getattr(getattr(settings, table), name)
        in_range = (low <= value if low_allowed else low < value) and value <= high
        if not in_range:  # also refuses nan, which compares false with everything
            span = (f"from {_plain(low)} to" if low_allowed
                    else f"greater than {_plain(low)} and at most")
            raise ConfigError(
                f"must be {span} {_plain(high)}{_RANGE_NOTES.get(key, '')}, got {value}",
                path=source, key=key)
    crawl = settings.crawl
    _config_check(check_user_agent, crawl.user_agent, "crawl.user_agent", source)
    if not re.search(r"\+?https?://|@", crawl.user_agent):
        raise ConfigError("must name a contact URL or e-mail address", path=source,
                          key="crawl.user_agent")
    _check_site(settings.site, source)
    _check_sections(settings.sections, source)
    _check_web(settings.web, source)
    if not settings.database.url.strip():
        raise ConfigError("must not be empty", path=source, key="database.url")
    _check_schedule(settings, source)
    _check_lock(settings.lock, source)
    _check_archive(settings.archive, source)


def _plain(number: float) -> str:
    """``number`` as a person writes it: 2147483648, not 2.14748e+09; 0.5 stays 0.5."""
    return str(int(number)) if number == int(number) else f"{number:g}"


def _check_site(site: SiteSettings, source: str | None) -> None:
    origin = "must be an http(s) origin like https://baohatinh.vn"
    try:
        parts = urlsplit(site.base_url)
        parts.port  # noqa: B018 - reading it checks the port (a ValueError when bad)
    except ValueError as exc:
        raise ConfigError(f"{origin} ({exc})", path=source, key="site.base_url") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or any(ch.isspace() for ch in site.base_url)
    ):
        raise ConfigError(f"{origin}, got {site.base_url!r}", path=source, key="site.base_url")
    _config_check(normalise_hosts, site.allowed_hosts, "site.allowed_hosts", source)
    # The fetcher refuses every other host: a crawl would fail each request and exit 3.
    if host_of(site.base_url) not in normalise_hosts(site.allowed_hosts):
        raise ConfigError(
            f"host {host_of(site.base_url)!r} is not in site.allowed_hosts "
            f"{list(site.allowed_hosts)!r}", path=source, key="site.base_url")


# A slug is put in the section's URL (/<slug>/, /rss/<slug>.rss) as it is: one path
# segment of RFC 3986 unreserved characters, so it cannot reach another path or a query.
_SLUG = re.compile(r"[A-Za-z0-9._~-]+")


def _check_sections(sections: tuple[Section, ...], source: str | None) -> None:
    seen: dict[str, int] = {}
    for index, section in enumerate(sections):
        key = f"sections[{index}].slug"
        if not _SLUG.fullmatch(section.slug) or not section.slug.strip("."):
            raise ConfigError(
                "must be one URL path segment (letters, digits, '-', '_', '.', '~'), "
                f"got {section.slug!r}", path=source, key=key)
        # The scheduler keys its jobs by slug: a second entry would silently replace the first.
        if section.slug in seen:
            raise ConfigError(f"{section.slug!r} is already sections[{seen[section.slug]}]",
                              path=source, key=key)
        seen[section.slug] = index


def _check_archive(archive: ArchiveSettings, source: str | None) -> None:
    if "\0" in archive.images_dir or not archive.images_dir.strip():
        raise ConfigError("must be a folder path", path=source, key="archive.images_dir")
    folder = Path(archive.images_dir).expanduser()
    if archive.archive_images and folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder", path=source, key="archive.images_dir")


def _check_schedule(settings: Settings, source: str | None) -> None:
    schedule = settings.schedule
    keyed = {f"schedule.{name}": getattr(schedule, name) for name in ("recheck", "sitemap")}
    keyed["schedule.crawl"] = schedule.crawl
    for index, section in enumerate(settings.sections):
        keyed[f"sections[{index}].schedule"] = section.schedule
    for key, expression in keyed.items():
        if expression.strip():
            _config_check(check_expression, expression, key, source)
    _config_check(check_timezone, schedule.timezone, "schedule.timezone", source)


def _config_check(check: Callable[[Any], object], value: Any, key: str,
                  source: str | None) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise ConfigError(str(exc), path=source, key=key) from None


def _check_lock(lock: LockSettings, source: str | None) -> None:
    if lock.lease_seconds < 2 * lock.heartbeat_seconds:
        raise ConfigError(
            f"must be at least twice lock.heartbeat_seconds ({lock.heartbeat_seconds}), "
            f"got {lock.lease_seconds}", path=source, key="lock.lease_seconds")


def _check_web(web: WebSettings, source: str | None) -> None:
    if not 0 <= web.port <= 65535:
        raise ConfigError(f"must be a TCP port 0-65535, got {web.port}", path=source,
                          key="web.port")
    if not 1 <= web.page_size <= 200:
        raise ConfigError(f"must be between 1 and 200, got {web.page_size}", path=source,
                          key="web.page_size")
    if not web.host.strip():
        raise ConfigError("must not be empty", path=source, key="web.host")


def describe(settings: Settings) -> str:
    """Return the effective settings as commented TOML (what ``config show`` prints).

    The database password is shown as ``***``: the output is meant to be pasted into
    bug reports and chats.
    """
    # Imported here: SQLAlchemy is not needed to load the settings, only to show them.
    from storage.engine import safe_url

    origins = [settings.source or "built-in defaults"]
    origins += [f"{key} from ${variable}" for key, variable in settings.from_env]
    lines = [f"# effective settings (from {'; '.join(origins)})"]
    for name in TABLES:
        table = getattr(settings, name)
        if name == "database":
            table = replace(table, url=safe_url(table.url))
        lines += ["", f"[{name}]", *_describe_table(table)]
    for section in settings.sections:
        lines += ["", "[[sections]]", *_describe_table(section)]
    lines += _describe_overrides(settings.profile)
    return "\n".join(lines) + "\n"


def _describe_overrides(profile: SiteProfile) -> list[str]:
    """The ``[selectors]`` and ``[url_patterns]`` entries that differ from the built-in
    profile (all of it would be some hundred lines that no config file sets)."""
    lines: list[str] = []
    for table, effective, default in (
        ("selectors", profile.selectors, DEFAULT_PROFILE.selectors),
        ("url_patterns", profile.url_patterns, DEFAULT_PROFILE.url_patterns),
    ):
        changed = {name: value for name, value in effective.items() if value != default[name]}
        if changed:
            lines += ["", f"[{table}]", "# overrides; the other entries: scraper/profile.py"]
            lines += [f"{name} = {_toml_value(value)}" for name, value in changed.items()]
    return lines


def _describe_table(obj: Any) -> list[str]:
    out = []
    for f in fields(obj):
        out.append(f"# {f.metadata.get('help', '')}")
        out.append(f"{f.name} = {_toml_value(getattr(obj, f.name))}")
    return out


# A TOML basic string takes no control character but tab as it is (a name "X\nY" would
# end the line and make the output unreadable TOML): each is escaped, as are " and \.
_TOML_ESCAPES: dict[int, str] = {
    code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F) if code != ord("\t")
}
_TOML_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r"})


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.translate(_TOML_ESCAPES) + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)
