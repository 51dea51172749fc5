"""The ``baohatinh`` command: thin wrappers that parse options and call one library function.

Every project error becomes a one-line ``error: …`` message on stderr and the error's exit
code (2 for usage and config errors); see ``scraper.report`` for the crawl's exit codes.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TextIO

import click

from . import __version__
from .errors import BaohatinhError
from .report import EXIT_USAGE
from .settings import Settings, describe, load_settings


class ProjectErrorGroup(click.Group):
    """A click group that turns the project's exceptions into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BaohatinhError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _settings(ctx: click.Context) -> Settings:
    """Load the settings once per invocation (lazily: ``--help`` needs no config)."""
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings(obj.get("config_path"))
    return obj["settings"]


def _open_store(ctx: click.Context) -> Any:
    from storage import Store

    return Store.open(_settings(ctx).database.url)


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
    default="warning",
    show_default=True,
    help="How much to log on stderr.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """Archive Báo Hà Tĩnh articles: crawl, search, read and export them."""
    ctx.ensure_object(dict)["config_path"] = config_path
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def crawl(ctx: click.Context, as_json: bool) -> None:
    """Crawl the configured sections into the archive; the exit code tells how it went."""
    from .crawl import run_crawl

    with _open_store(ctx) as store:
        report = run_crawl(_settings(ctx), store)
    _print_report(report.to_dict() if as_json else report.summary(), as_json)
    ctx.exit(report.exit_code)


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(report)


@cli.command()
@click.argument("query", default="")
@click.option("--from", "date_from", metavar="DAY",
              help="Published on or after this day (2024-10-15 or 15/10/2024).")
@click.option("--to", "date_to", metavar="DAY",
              help="Published on or before this day (2024-10-15 or 15/10/2024).")
@click.option("--section", help="Only this section (name or slug, any spelling).")
@click.option("--author", help="Only articles whose byline holds these words.")
@click.option("--tag", help="Only articles with this tag (any spelling).")
@click.option("--with-images", is_flag=True, help="Only articles with at least one image.")
@click.option("--title-only", is_flag=True, help="Match the words in titles only.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
              default="relevance", show_default=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
              default="table", show_default=True)
@click.pass_context
def search(ctx: click.Context, query: str, fmt: str, limit: int, offset: int, sort: str,
           title_only: bool, date_from: str | None, date_to: str | None,
           **filters: Any) -> None:
    """Full-text search, with or without diacritics: baohatinh search "dân vận khéo".

    QUERY: words (all must match), "a phrase", OR, -excluded, prefix*, title:word.
    """
    from storage import SearchFilters, SearchQuery
    from storage import search as run_search
    from storage.search import parse_day

    from .search_output import format_results

    days = {name: parse_day(value) if value else None
            for name, value in (("date_from", date_from), ("date_to", date_to))}
    request = SearchQuery(query, SearchFilters(**days, **filters), sort, title_only)
    with _open_store(ctx) as store:
        results = run_search(store, request, limit=limit, offset=offset)
    output = format_results(results, query, fmt, bold=sys.stdout.isatty(), offset=offset)
    click.echo(output, nl=False)


@cli.command()
@click.argument("key")
@click.pass_context
def show(ctx: click.Context, key: str) -> None:
    """Print one archived article (by site id or URL) as a reader sees it."""
    from .render import render_article

    with _open_store(ctx) as store:
        click.echo(render_article(store.get_article(key)), nl=False)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Export the archive (one JSON object per article, or CSV) with fixed keys."""
    from storage import export_csv, export_jsonl

    writer: Callable[[Any, TextIO], int] = export_jsonl if fmt == "jsonl" else export_csv
    with _open_store(ctx) as store:
        if output is None:
            count = writer(store, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                count = writer(store, handle)
    click.echo(f"exported {count} article(s)" + (f" to {output}" if output else ""), err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Print what the archive holds: articles, revisions, raw pages and bytes, runs."""
    with _open_store(ctx) as store:
        counts = store.counts()
    if as_json:
        click.echo(json.dumps(counts))
        return
    for name, value in counts.items():
        click.echo(f"{name:>16}  {value:,}")


@cli.group()
def db() -> None:
    """Manage the archive database."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the archive or bring its schema up to date (Alembic migrations)."""
    from storage import Store

    url = _settings(ctx).database.url
    with Store.open(url) as store:
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

# [crawl-status]

# [archive]

# [schedule]

# [serve]


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="baohatinh")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("interrupted", err=True)
        sys.exit(130)


__all__ = ["cli", "main", "EXIT_USAGE"]
