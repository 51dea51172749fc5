"""The ``baohatinh`` command: thin wrappers that parse options and call one library function.

Every project error becomes a one-line ``error: …`` message on stderr and the error's exit
code (2 for usage and config errors); see ``scraper.report`` for the crawl's exit codes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from typing import IO, Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import (
    BaohatinhError,
    ConfigError,
    OutputError,
    QueryError,
    SchemaMismatch,
    StoreError,
)
from .report import EXIT_ARCHIVE_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from .settings import (
    CONFIG_ENV,
    DATABASE_ENV,
    MAX_RUN_MINUTES,
    Settings,
    describe,
    load_settings,
)


class ProjectErrorGroup(click.Group):
    """A click group that turns the project's exceptions, and click's own usage errors
    (bad options and arguments), into one line and an exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # the group's own options (--config, --log-file)
            _usage_line(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BaohatinhError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # a command's options and arguments
            _usage_line(exc)
        except KeyboardInterrupt:  # a second signal: click would say "Aborted!", exit 1
            click.echo("error: interrupted: stopped at once", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _usage_line(exc: click.UsageError) -> NoReturn:
    """Print a usage error as one line (click prints four) and exit 2; a bare command
    with no arguments still shows its help."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc
    command = exc.ctx.command_path if exc.ctx is not None else "baohatinh"
    click.echo(f"error: {exc.format_message()} (see {command} --help)", err=True)
    raise click.exceptions.Exit(exc.exit_code)


def _settings(ctx: click.Context) -> Settings:
    """Load the settings once per invocation (lazily: ``--help`` needs no config).

    An empty ``--config`` (or ``$BAOHATINH_CONFIG``) is refused: it names no file, and
    falling back to ./config.toml or the built-ins would archive somewhere unasked.
    """
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        path = obj.get("config_path")
        if path == "":
            raise ConfigError("empty path: name a config file, or leave --config out",
                              key="--config")
        if path is None and os.environ.get(CONFIG_ENV) == "":  # click takes it as unset
            raise ConfigError(f"empty path: name a config file, or unset {CONFIG_ENV}",
                              key=CONFIG_ENV)
        obj["settings"] = load_settings(path)
    return obj["settings"]


def _open_store(ctx: click.Context, *, create: bool = False) -> Any:
    """Open the configured archive, bringing its schema up to date.

    Only commands that fill an archive (``create``) start a new one: for the others an
    SQLite file that is not there is bad input (exit 2), not a new, empty archive in which
    a mistyped path finds nothing. A database URL that cannot be read is a config error
    naming where it came from.
    """
    from storage import Store
    from storage.engine import normalize_url, sqlite_path

    url = _settings(ctx).database.url
    where = f"${DATABASE_ENV}" if os.environ.get(DATABASE_ENV) else "database.url"
    try:
        path = sqlite_path(normalize_url(url))
    except StoreError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if not create and path is not None and not path.exists():
        raise ConfigError(
            f"{where}: no archive at {path}: check the path, or create one with "
            "`baohatinh crawl` (or `baohatinh db upgrade`)"
        )
    return Store.open(url)


def _not_the_archive(store: Any, output: str) -> str:
    """Return ``output``, or raise ``OutputError`` when it is the SQLite archive being
    read (or one of its journal files): opening it to write would empty the archive."""
    from storage.engine import sqlite_path

    database = sqlite_path(store.engine.url)
    if database is None or not output:
        return output
    target = os.path.realpath(output)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if target == os.path.realpath(f"{database}{suffix}"):
            raise OutputError(output, "it is the archive being exported; choose another file")
    return output


@click.group(cls=ProjectErrorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baohatinh")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="BAOHATINH_CONFIG",
    help="Config file (default: $BAOHATINH_CONFIG, else ./config.toml, else built-ins).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="How much to log on stderr (default: info for `schedule`, else warning).",
)
# [schedule] global logging options
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per event: text for a person, json (JSON lines) for a log collector.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also append the log lines to this file.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    log_level: str | None,
    log_format: str,
    log_file: str | None,
) -> None:
    """Archive Báo Hà Tĩnh articles: crawl, search, read and export them."""
    from .logs import configure_logging

    ctx.ensure_object(dict)["config_path"] = config_path
    level = log_level or ("info" if ctx.invoked_subcommand == "schedule" else "warning")
    try:
        configure_logging(level, "json" if log_format == "json" else "text", log_file)
    except OSError as exc:
        raise click.BadParameter(f"{log_file}: {exc.strerror}", param_hint="--log-file") from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--full", is_flag=True, help="Walk each section's whole history (resumable backfill)."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Walk each section's history back to this date (YYYY-MM-DD), resumably.",
)
@click.option("--progress/--no-progress", default=True, help="Show progress on stderr.")
@click.option(
    "--max-minutes",
    type=float,
    metavar="MINUTES",
    help="Take no new URL after this many minutes, commit and end; the next run goes on "
    "(sets crawl.max_run_minutes for this run; 0: no limit).",
)
@click.pass_context
def crawl(
    ctx: click.Context,
    as_json: bool,
    full: bool,
    since: Any,
    progress: bool,
    max_minutes: float | None,
) -> None:
    """Crawl the configured sections into the archive; the exit code tells how it went.

    Without options an incremental run: new articles, and re-checks of recent ones.
    """
    from .progress import ProgressPrinter
    from .runner import run_exclusive_crawl, stop_on_signals

    if full and since is not None:
        raise click.UsageError("--full and --since exclude each other")
    settings = _settings(ctx)
    if max_minutes is not None and not 0 <= max_minutes <= MAX_RUN_MINUTES:  # nan too
        raise click.BadParameter(
            f"must be from 0 to {MAX_RUN_MINUTES:g} (a year), got {max_minutes}",
            param_hint="--max-minutes",
        )
    if max_minutes is not None:
        settings = replace(settings, crawl=replace(settings.crawl, max_run_minutes=max_minutes))
    printer = ProgressPrinter() if progress else None
    try:
        # [schedule] one crawl at a time per archive (exit 75), stopped cleanly by SIGTERM.
        with _open_store(ctx, create=True) as store, stop_on_signals() as stop:
            report = run_exclusive_crawl(
                settings,
                store,
                holder="baohatinh crawl",
                stop=stop,
                full=full,
                since=since.date() if since is not None else None,
                progress=printer,
            )
    except StoreError as exc:
        if isinstance(exc, SchemaMismatch):
            raise  # exit 2: `baohatinh db upgrade` mends it
        # Not 1 ("some URLs failed", which cron lets pass): the archive itself failed.
        click.echo(f"error: {exc}", err=True)
        ctx.exit(EXIT_ARCHIVE_FAILED)
    if printer is not None:
        printer.finish()
    _print_report(report.to_dict() if as_json else report.summary(), as_json)
    ctx.exit(report.exit_code)


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(report)


# The query and its filters, shared by `search` and `export` (same names, same meaning).
_SEARCH_PARAMETERS = (
    click.argument("query", default=""),
    click.option("--from", "date_from", metavar="DAY",
                 help="Published on or after this day (2024-10-15 or 15/10/2024)."),
    click.option("--to", "date_to", metavar="DAY",
                 help="Published on or before this day (2024-10-15 or 15/10/2024)."),
    click.option("--section", help="Only this section (name or slug, any spelling)."),
    click.option("--author", help="Only articles whose byline holds these words."),
    click.option("--tag", help="Only articles with this tag (any spelling)."),
    click.option("--with-images", is_flag=True, help="Only articles with at least one image."),
    click.option("--title-only", is_flag=True, help="Match the words in titles only."),
    click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
                 default="relevance", show_default=True),
)

F = TypeVar("F", bound=Callable[..., Any])


def search_options(command: F) -> F:
    """Give ``command`` the QUERY argument and the search options; the command receives
    them as keyword arguments and turns them into a ``SearchQuery`` with ``search_request``."""
    for parameter in reversed(_SEARCH_PARAMETERS):
        command = parameter(command)
    return command


def search_request(query: str, criteria: dict[str, Any]) -> Any:
    """Return the ``storage.SearchQuery`` for QUERY and the options of ``search_options``.

    Raises ``QueryError`` naming a day that cannot be read.
    """
    from storage import SearchFilters, SearchQuery

    days = {name: _day(criteria[name], option)
            for name, option in (("date_from", "--from"), ("date_to", "--to"))}
    filters = SearchFilters(**days, section=criteria["section"], author=criteria["author"],
                            tag=criteria["tag"], with_images=criteria["with_images"])
    return SearchQuery(query, filters, criteria["sort"], criteria["title_only"])


def _day(value: str | None, option: str) -> Any:
    """Return the day of a ``--from``/``--to`` value (``None`` when not given). Raises
    ``QueryError`` naming the option for a value that is no day, the empty one too."""
    from storage.search import parse_day

    if value is None:
        return None
    try:
        return parse_day(value)
    except QueryError as exc:
        raise QueryError(f"{option}: {exc}") from None


@cli.command()
@search_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
              default="table", show_default=True)
@click.pass_context
def search(ctx: click.Context, query: str, fmt: str, limit: int, offset: int,
           **criteria: Any) -> None:
    """Full-text search, with or without diacritics: baohatinh search "dân vận khéo".

    QUERY: words (all must match), "a phrase", OR, -excluded, prefix*, title:word.
    """
    from storage import search as run_search

    from .search_output import format_results

    request = search_request(query, criteria)
    if not query.strip() and request.filters.is_empty():
        raise QueryError(
            "nothing to search for: give words, or a filter (--from, --to, --section, "
            "--author, --tag, --with-images); `baohatinh export` lists every article"
        )
    with _open_store(ctx) as store:
        results = run_search(store, request, limit=limit, offset=offset)
    output = format_results(results, query, fmt, bold=sys.stdout.isatty(), offset=offset)
    click.echo(output, nl=False)


@cli.command()
@click.argument("key")
@click.option("--revisions", is_flag=True, help="List the article's revisions instead.")
@click.option("--diff", nargs=2, type=click.IntRange(1), metavar="A B",
              help="Print a unified diff from revision A to revision B.")
@click.pass_context
def show(ctx: click.Context, key: str, revisions: bool, diff: tuple[int, int] | None) -> None:
    """Print one archived article (by site id or URL) as a reader sees it; related links
    already in the archive are marked with their id, so the link graph can be walked."""
    from storage.links import related_links
    from storage.revisions import diff_revisions, list_revisions

    from .render import render_article, render_revisions

    if diff and revisions:
        raise click.UsageError("--revisions and --diff exclude each other")
    with _open_store(ctx) as store:
        if diff:
            click.echo(diff_revisions(store, key, *diff) or "(no difference)", nl=False)
        elif revisions:
            click.echo(render_revisions(list_revisions(store, key)), nl=False)
        else:
            archived = store.get_article(key)
            links = related_links(store, key)
            click.echo(render_article(archived, links=links), nl=False)


@cli.command()
@search_options
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl",
    show_default=True, help="warc: the raw pages as WARC 1.1 (gzip), with -o only.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx: click.Context, query: str, fmt: str, output: str | None,
           **criteria: Any) -> None:
    """Export the archive (JSON Lines or CSV with fixed keys and citation keys, or WARC).

    With a QUERY or filters (as for `search`), only the matching articles, in result
    order; without, every article, newest first (--sort oldest: oldest first).
    """
    from storage import export_csv, export_jsonl

    request = search_request(query, criteria)
    selects = bool(request.text.strip()) or not request.filters.is_empty()
    if selects:
        request.parsed()  # a bad query fails here, before any file is written
        request.filters.time_range()
        request.filters.keys()
    if fmt == "warc":
        _export_warc(ctx, output, request if selects else None)
        return
    writer: Callable[..., int] = export_jsonl if fmt == "jsonl" else export_csv
    oldest = request.sort == "oldest"  # every article: newest first unless asked
    with _open_store(ctx) as store:
        ids = _matching(store, request) if selects else None
        if output is None:
            try:
                count = writer(store, sys.stdout, article_ids=ids, oldest=oldest)
                sys.stdout.flush()
            except OSError as exc:  # a full disk or a closed pipe behind the redirection
                raise OutputError("standard output", exc.strerror or str(exc)) from None
        else:
            with _output_file(_not_the_archive(store, output), "w") as handle:
                count = writer(store, handle, article_ids=ids, oldest=oldest)
    click.echo(f"exported {count} article(s)" + (f" to {output}" if output else ""), err=True)


@contextmanager
def _output_file(path: str, mode: str) -> Iterator[IO[Any]]:
    """Open ``path`` to write an export into (``mode`` "w" or "wb").

    Raises ``OutputError`` naming the file when it cannot be opened or written (no
    folder, no permission, a full disk). A regular file the export did not finish is
    removed, so that no half-written export passes for a whole one.
    """
    if not path:
        raise OutputError(path, "the file name is empty")
    text: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    try:
        handle = open(path, mode, **text)  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    try:
        with handle:
            yield handle
    except BaseException as exc:
        if os.path.isfile(path) and not os.path.islink(path):  # not /dev/full or a pipe
            with suppress(OSError):
                os.unlink(path)
        if isinstance(exc, OSError):
            raise OutputError(path, exc.strerror or str(exc)) from None
        raise


def _matching(store: Any, request: Any) -> Iterator[str]:
    from storage.search import matching_ids

    return matching_ids(store, request)


def _export_warc(ctx: click.Context, output: str | None, request: Any) -> None:
    from storage.warc import export_warc

    if output is None:
        raise click.UsageError("--format warc writes a binary file: give -o FILE.warc.gz")
    with _open_store(ctx) as store, _output_file(_not_the_archive(store, output), "wb") as handle:
        # WARC records follow the fetch log's order: the matching ids are a set to look in.
        ids = set(_matching(store, request)) if request is not None else None
        count = export_warc(
            store,
            handle,
            user_agent=_settings(ctx).crawl.user_agent,
            article_ids=ids,
            filename=os.path.basename(output),
        )
    click.echo(f"exported {count} fetch(es) to {output}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Print what the archive holds: articles, revisions, raw bytes (stored and original)
    and bytes per article, images, runs."""
    from storage.stats import archive_stats

    with _open_store(ctx) as store:
        figures = archive_stats(store)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for name, value in figures.items():
        shown = json.dumps(value) if isinstance(value, dict) else f"{value:,}"
        click.echo(f"{name:>30}  {shown}")


@cli.group()
def db() -> None:
    """Manage the archive database."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the archive or bring its schema up to date (Alembic migrations)."""
    with _open_store(ctx, create=True) as store:
        click.echo(f"{store.url}: schema at {store.schema_revision()}")


@cli.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective settings, with what each key means."""
    click.echo(describe(_settings(ctx)), nl=False)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False),
              help="SQLite file to archive into (default: a temporary one).")
@click.pass_context
def demo(ctx: click.Context, db_path: str | None) -> None:
    """Run the whole pipeline offline on the bundled sample site, then search it."""
    from .demo import run_demo
    from .render import render_results

    result = run_demo(_settings(ctx), db_path)
    click.echo(f"Crawled the sample site into {result.database_url}")
    click.echo(result.report.summary())
    click.echo("")
    click.echo(render_results(result.results, result.query), nl=False)
    ctx.exit(result.report.exit_code)


# Later commands, one block per capability (kept apart so that parallel work merges cleanly).

# [reparse]


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    from .reparse import parse_since

    try:
        return parse_since(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.option(
    "--since",
    metavar="DATE",
    callback=_since,
    help="Only articles fetched last at or after DATE (YYYY-MM-DD or an ISO 8601 time; "
    "without an offset, Vietnam time).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def reparse(ctx: click.Context, since: datetime | None, as_json: bool) -> None:
    """Parse the stored raw pages again and update the records (no re-crawl); waits for
    no crawl: exits 75 while one holds the archive."""
    from .reparse import run_reparse

    settings = _settings(ctx)
    with _open_store(ctx) as store:
        lease = store.crawl_lease(
            "baohatinh reparse",
            lease_seconds=settings.lock.lease_seconds,
            heartbeat_seconds=settings.lock.heartbeat_seconds,
        )
        # A crawl archiving an edit meanwhile would see it overwritten by the older page
        # this run listed at its start (and a revision added for nothing).
        with lease:
            report = run_reparse(settings, store, since=since)
    _print_report(report.to_dict() if as_json else report.summary(), as_json)
    ctx.exit(report.exit_code)

# [crawl-status]

# [archive]


def _new_file(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not value:
        raise click.BadParameter("empty path: name the new file to copy the archive to")
    return value


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False), callback=_new_file)
@click.pass_context
def db_backup(ctx: click.Context, path: str) -> None:
    """Copy the SQLite archive to PATH, consistent even while a crawl writes (PostgreSQL:
    use pg_dump)."""
    from storage.backup import backup_sqlite

    with _open_store(ctx) as store:
        result = backup_sqlite(store, path)
    click.echo(f"backed up {result.articles} article(s), {result.bytes:,} bytes, to {result.path}")


@db.command("optimize")
@click.pass_context
def db_optimize(ctx: click.Context) -> None:
    """Merge the search index for fast searches (weekly from cron, say); waits for no
    crawl: exits 75 while one holds the archive."""
    import time

    settings = _settings(ctx)
    with _open_store(ctx) as store:
        lease = store.crawl_lease(
            "baohatinh db optimize",
            lease_seconds=settings.lock.lease_seconds,
            heartbeat_seconds=settings.lock.heartbeat_seconds,
        )
        with lease:  # no crawl writes meanwhile: on SQLite this holds the write lock
            started = time.monotonic()
            store.optimize_search_index()
    click.echo(f"{store.url}: search index optimized in {time.monotonic() - started:.1f} s")


# [schedule]


@cli.command()
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run the scheduled crawls of [schedule] in the foreground until SIGTERM or Ctrl-C."""
    from .runner import stop_on_signals
    from .schedule import run_scheduler

    settings = _settings(ctx)
    with stop_on_signals() as stop:
        run_scheduler(settings, stop=stop)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--runs", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="How many recent runs to show.")
@click.option("--failures", default=20, show_default=True, type=click.IntRange(0, 10000),
              help="How many failed URLs to list.")
@click.pass_context
def status(ctx: click.Context, as_json: bool, runs: int, failures: int) -> None:
    """Last runs, next scheduled runs, lock holder, failed URLs and archive size."""
    from storage.status import read_status

    from .status import render_status

    with _open_store(ctx) as store:
        found = read_status(store, runs=runs, failures=failures)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_status(found), nl=False)


# [serve]


@cli.command()
@click.option("--host", help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535),
              help="TCP port (default: web.port, 8000; 0 picks a free one).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the archive as a read-only web application: search, read, export."""
    from .web import serve as run_server

    def ready(url: str) -> None:
        click.echo(f"Serving the archive at {url} (Ctrl+C to stop)")

    run_server(_settings(ctx), host=host, port=port, ready=ready)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="baohatinh")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        if exc.code != EXIT_INTERRUPTED:
            raise
        # Stopped at once: the run is recorded and the lock released by now, but the
        # interpreter would wait, on its way out, for every fetch thread still reading
        # an answer (up to crawl.total_timeout). Leave them.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


__all__ = ["cli", "main", "EXIT_USAGE"]
