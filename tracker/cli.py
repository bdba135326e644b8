"""The `tracker` command: parse arguments, call the application, format the output.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 a handled error (bad
configuration, lock held, verification failed), 2 bad usage.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from tracker import __version__, app, output
from tracker.chain import KEY_FILE_ENV, load_key
from tracker.cliparams import CHECKPOINT, DAY, DURATION, FACT_DAY, MOMENT, POSITION_OR_MOMENT, POSITIVE_COUNT
from tracker.clock import format_utc, system_clock
from tracker.completion import complete_feed_ids, complete_subject_ids, complete_tags, config_option
from tracker.config import Config, default_config, load_config
from tracker.errors import ConfigError, StoreError, StoreNotFound, TrackerError, VerificationFailed
from tracker.polling import PollResult
from tracker.store import Store

DEFAULT_CONFIG = "feeds.toml"
DEFAULT_DB = "events.db"

F = TypeVar("F", bound=Callable[..., Any])


class Paths:
    """Where this command's configuration and database are, after flag > env > default."""

    def __init__(self, config: str | None, db: str | None) -> None:
        self.config_explicit = config is not None
        self.config = Path(config or DEFAULT_CONFIG)
        self.db = Path(db or DEFAULT_DB)

    def load_config(self, *, require_feeds: bool = False) -> Config:
        if not self.config_explicit and not self.config.exists():
            if require_feeds:
                raise ConfigError(
                    f"{self.config}: file not found (create it, or pass --config PATH; "
                    "`tracker demo` needs no configuration)"
                )
            return default_config()
        config = load_config(self.config)
        if require_feeds and not config.feeds:
            raise ConfigError(f"{self.config}: feeds: no [[feeds]] tables")
        return config


def store_options(func: F) -> F:
    """--config and --db, accepted after every command's name."""
    func = click.option(
        "--db",
        "db",
        envvar="TRACKER_DB",
        metavar="PATH",
        help=f"Event store (default ./{DEFAULT_DB}; env TRACKER_DB).",
    )(func)
    func = click.option(
        "--config",
        "config",
        envvar="TRACKER_CONFIG",
        metavar="PATH",
        help=f"Feed list and subjects (default ./{DEFAULT_CONFIG}; env TRACKER_CONFIG).",
    )(func)
    return func


def handled(func: F) -> F:
    """TrackerError → `Error: …` on stderr and exit 1, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrackerError as exc:
            raise click.ClickException(output.error_text(str(exc))) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def open_store(paths: Paths, *, readonly: bool, create: bool = False) -> Iterator[Store]:
    """Only the commands that record observations (fetch, daemon, demo) may create a store."""
    store = Store.open(paths.db, readonly=readonly, create=create)
    try:
        yield store
    finally:
        store.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tracker")
def main() -> None:
    """Track developing news stories: poll feeds into an append-only log, fold it into the
    sourced state of tracked subjects and a dated timeline."""


# --- fetch --------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--feed",
    "feed_ids",
    multiple=True,
    metavar="ID",
    shell_complete=complete_feed_ids,
    help="Poll only this feed (repeatable).",
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    shell_complete=complete_tags,
    help="Poll only the enabled feeds with this tag (repeatable).",
)
@store_options
@handled
def fetch(feed_ids: tuple[str, ...], tags: tuple[str, ...], config: str | None, db: str | None) -> None:
    """Poll every feed now (or --feed ID, --tag TAG), whatever its schedule or back-off."""
    from tracker.feedlist.naming import select_feeds

    paths = Paths(config, db)
    cfg = paths.load_config(require_feeds=True)
    feeds = select_feeds(cfg, feed_ids, tags)
    with open_store(paths, readonly=False, create=True) as store:
        summary = _run_fetch(cfg, store, feeds)
    _print_fetch_summary(summary)


def _run_fetch(cfg: Config, store: Store, feeds: Any) -> app.FetchSummary:
    total = len(feeds if feeds is not None else [f for f in cfg.feeds if f.enabled])
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("polling"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task("", total=total)

            def advance(result: PollResult) -> None:
                progress.update(task, advance=1, description=output.neutralise(result.feed_id))

            return asyncio.run(app.fetch_feeds(cfg, store, feeds, on_result=advance))
    return asyncio.run(app.fetch_feeds(cfg, store, feeds))


def _print_fetch_summary(summary: app.FetchSummary) -> None:
    for result in summary.results:
        if result.failed:
            output.note(
                f"  {result.feed_id}: FAILED ({result.category}) {output.error_text(result.error or '')}"
            )
        else:
            detail = {"ok": f"{result.entries} entries", "not-modified": "not modified (304)"}.get(
                result.outcome, "unchanged body"
            )
            output.note(f"  {result.feed_id}: {detail}, {result.new} new, {result.revised} revised")
            if result.skipped:
                output.note(f"  {result.feed_id}: {len(result.skipped)} entries skipped: {result.skipped[0]}")
    output.note(
        f"{len(summary.results)} feeds polled: {summary.ok} ok, {len(summary.failed)} failed; "
        f"{summary.new} new articles, {summary.revised} revisions"
    )
    for error in summary.projection_errors:
        output.note(f"warning: {error}")


# --- rebuild / verify / prune ----------------------------------------------------------------------


@main.command()
@store_options
@handled
def rebuild(config: str | None, db: str | None) -> None:
    """Drop every projection and replay the whole log."""
    paths = Paths(config, db)
    cfg = paths.load_config()
    with open_store(paths, readonly=False) as store:
        result = app.rebuild(cfg, store)
    for name, count in result.applied.items():
        output.note(f"{name}: {count} events applied")
    for failure in result.failures:
        output.note(f"warning: {failure}")


@main.command()
@click.option(
    "--checkpoint",
    type=CHECKPOINT,
    metavar="POSITION:HASH",
    help="A head saved earlier (every report names one): the log must still extend it.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    envvar=KEY_FILE_ENV,
    metavar="PATH",
    help=f"Check the seals made with this key (env {KEY_FILE_ENV}).",
)
@store_options
@handled
def verify(
    checkpoint: tuple[int, str] | None, key_file: str | None, config: str | None, db: str | None
) -> None:
    """Check SQLite's integrity, the schema, the hash chain, and a checkpoint or the seals of a key;
    each problem on its own line, then exit 1."""
    paths = Paths(config, db)
    key = load_key(key_file) if key_file else None
    try:
        store = Store.open(paths.db, readonly=True)
    except StoreNotFound:
        raise
    except StoreError as exc:  # not a database, corrupt beyond opening, not ours
        output.note(f"problem: {exc}")
        raise VerificationFailed("the store cannot be verified") from None
    with store:
        result = store.audit(checkpoint=checkpoint, key=key)
    for line in result.notes:
        output.note(f"note: {line}")
    for finding in result.findings:
        output.note(f"problem: {finding}")
    if result.findings:
        raise VerificationFailed(f"{len(result.findings)} problem(s) found")
    proved = " extends the checkpoint;" if checkpoint else ""
    proved += " every head sealed with the key;" if key else ""
    output.echo(f"ok: {result.events} events,{proved} chain head {result.head_position} {result.head_hash}")


@main.command()
@click.option(
    "--polls-older-than", "age", type=DURATION, required=True, metavar="AGE", help='e.g. "30d", "12h".'
)
@store_options
@handled
def prune(age: int, config: str | None, db: str | None) -> None:
    """Delete old rows of the poll log (never events)."""
    paths = Paths(config, db)
    with open_store(paths, readonly=False) as store:
        removed = app.prune_polls(store, system_clock() - timedelta(seconds=age))
    output.note(f"{removed} poll rows removed")


# --- events ------------------------------------------------------------------------------------


def _since(value: int | datetime | None) -> tuple[int, str | None]:
    """--since POS|DATE → (position, recorded_after)."""
    if value is None:
        return 0, None
    if isinstance(value, int):
        return value, None
    return 0, format_utc(value - timedelta(microseconds=1))


@main.command()
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Only this event type (repeatable).")
@click.option(
    "--since",
    type=POSITION_OR_MOMENT,
    metavar="POS|DATE",
    help="After this position, or recorded since this date.",
)
@click.option("--limit", type=POSITIVE_COUNT, help="At most this many events.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_options
@handled
def events(
    types: tuple[str, ...],
    since: int | datetime | None,
    limit: int | None,
    fmt: str,
    config: str | None,
    db: str | None,
) -> None:
    """List events from the log, oldest first."""
    paths = Paths(config, db)
    after, recorded_after = _since(since)
    with open_store(paths, readonly=True) as store, store.snapshot():
        rows = list(store.read(after=after, types=types or None, recorded_after=recorded_after, limit=limit))
    if fmt == "json":
        output.echo_json(
            [
                {
                    "position": e.position,
                    "id": e.id,
                    "stream": e.stream,
                    "version": e.version,
                    "type": e.type,
                    "data": e.event.model_dump(mode="json", exclude={"type"}),
                    "meta": e.meta,
                    "occurred_at": e.occurred_at,
                    "recorded_at": e.recorded_at,
                }
                for e in rows
            ]
        )
        return
    output.table(
        None,
        ["position", "recorded_at", "type", "stream", "summary"],
        [(e.position, e.recorded_at, e.type, e.stream, _event_summary(e.event)) for e in rows],
    )


def _event_summary(event: Any) -> str:
    for attribute in ("title", "reason", "new_url", "note", "url"):
        value = getattr(event, attribute, None)
        if value:
            return str(value)[:100]
    return ""


# --- feeds -------------------------------------------------------------------------------------


@main.group(invoke_without_command=True)
@store_options
@click.pass_context
@handled
def feeds(ctx: click.Context, config: str | None, db: str | None) -> None:
    """Feed health: last poll, status, failures, back-off and next attempt."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = Paths(config, db)
        return
    paths = Paths(config, db)
    cfg = paths.load_config()
    from tracker.report.feeds import feed_health

    with open_store(paths, readonly=True) as store:
        health = feed_health(store, cfg)
    tags = {feed.id: ",".join(feed.tags) for feed in cfg.feeds}
    output.table(
        None,
        ["feed", "tags", "health", "last poll", "status", "failures", "next due", "articles", "last error"],
        [
            (
                h.feed_id,
                tags.get(h.feed_id, ""),
                h.health,
                h.last_poll_at or "never",
                h.last_status or "",
                h.consecutive_failures,
                h.next_due_at or "",
                h.articles,
                h.last_error or "",
            )
            for h in health.feeds
        ],
    )
    for line in health.notes:
        output.note(line)


@feeds.command("reset")
@click.argument("feed_id", shell_complete=complete_feed_ids)
@store_options
@click.pass_obj
@handled
def feeds_reset(parent: Paths | None, feed_id: str, config: str | None, db: str | None) -> None:
    """Clear a feed's failures and gone mark so it is polled again."""
    paths = Paths(
        config or (str(parent.config) if parent and parent.config_explicit else None),
        db or (str(parent.db) if parent else None),
    )
    with open_store(paths, readonly=False) as store:
        if not app.reset_feed(store, feed_id):
            raise TrackerError(f"no polling state for feed {feed_id!r}")
    output.note(f"{feed_id}: failures cleared; it will be polled at the next opportunity")


# --- feeds add / remove / import / export: the feed list, edited in place ------------------------


def _feed_list_paths() -> Paths:
    """--config given to `feeds` or to its subcommand, else TRACKER_CONFIG, else the default."""
    return Paths(config_option(click.get_current_context()), None)


@feeds.command("add")
@click.argument("url")
@click.option("--id", "feed_id", metavar="ID", help="Feed id (default: derived from the URL).")
@click.option("--title", metavar="TEXT", help="Title shown in reports.")
@click.option("--interval", metavar="DURATION", help='How often to poll: "90s", "15m", "2h", "1d".')
@click.option("--tags", metavar="TAG,TAG", help="Comma-separated labels (`tracker fetch --tag`).")
@store_options
@handled
def feeds_add(
    url: str,
    feed_id: str | None,
    title: str | None,
    interval: str | None,
    tags: str | None,
    config: str | None,
    db: str | None,
) -> None:
    """Add a feed to feeds.toml, keeping its comments.

    Appends a [[feeds]] table after the last one (creating the file if missing); the id is derived
    from the URL's host and path unless --id is given."""
    from tracker.feedlist.manage import add_feed
    from tracker.feedlist.naming import parse_tags

    path = _feed_list_paths().config
    feed = add_feed(path, url, feed_id=feed_id, title=title, interval=interval, tags=parse_tags(tags or ""))
    output.note(f"{path}: added feed {feed.id!r} ({feed.url})")


@feeds.command("remove")
@click.argument("feed_id", metavar="ID", shell_complete=complete_feed_ids)
@store_options
@handled
def feeds_remove(feed_id: str, config: str | None, db: str | None) -> None:
    """Remove a feed from feeds.toml, keeping the rest as written.

    Takes its table and the comment lines directly above it. Its events stay in the store: the
    log is never edited."""
    from tracker.feedlist.manage import remove_feed

    path = _feed_list_paths().config
    feed = remove_feed(path, feed_id)
    output.note(f"{path}: removed feed {feed.id!r} ({feed.url})")


@feeds.command("import")
@click.argument("opml_file", metavar="FILE.opml", type=click.Path(dir_okay=False, path_type=Path))
@store_options
@handled
def feeds_import(opml_file: Path, config: str | None, db: str | None) -> None:
    """Add the feeds of an OPML file; categories become tags.

    URLs already listed are skipped, with a note on stderr."""
    from tracker.feedlist.manage import import_opml

    path = _feed_list_paths().config
    result = import_opml(path, opml_file)
    for line in result.skipped:
        output.note(f"skipped {line}")
    output.note(f"{path}: {len(result.added)} feeds added, {len(result.skipped)} skipped")


@feeds.command("export")
@store_options
@handled
def feeds_export(config: str | None, db: str | None) -> None:
    """Print the feed list as OPML 2.0, tags as categories."""
    from tracker.feedlist.manage import export_opml

    cfg = _feed_list_paths().load_config()
    output.echo(export_opml(cfg).decode("utf-8").rstrip("\n"))


# --- report ------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--as-of",
    "as_of",
    type=DAY,
    help="World time: changes by the end of this day (UTC).",
)
@click.option(
    "--known-at",
    "known_at",
    type=MOMENT,
    metavar="DATETIME",
    help="Record time: what the log held at this ISO datetime.",
)
@click.option(
    "--subject",
    "subject_ids",
    multiple=True,
    metavar="ID",
    shell_complete=complete_subject_ids,
    help="Only this subject (repeatable).",
)
@store_options
@handled
def report(
    fmt: str,
    as_of: date | None,
    known_at: datetime | None,
    subject_ids: tuple[str, ...],
    config: str | None,
    db: str | None,
) -> None:
    """The state of every subject, with evidence, and the dated timeline of changes."""
    from tracker.report import build_report, render

    paths = Paths(config, db)
    cfg = paths.load_config()
    with open_store(paths, readonly=True) as store:
        data = build_report(store, cfg, as_of=as_of, known_at=known_at, subjects=subject_ids or None)
    output.echo(render(data, fmt, terminal=output.stdout_is_terminal()))


# --- analysts' word --------------------------------------------------------------------------------


@main.command("assert")
@click.argument("subject_id", metavar="SUBJECT", shell_complete=complete_subject_ids)
@click.argument("value", metavar="STATE|COUNT")
@click.option(
    "--date",
    "day",
    type=FACT_DAY,
    required=True,
    metavar="DATE",
    help="When it happened: YYYY-MM-DD, or YYYY-MM.",
)
@click.option("--source", required=True, metavar="URL", help="The article or document that supports it.")
@click.option("--note", metavar="TEXT", help="The supporting sentence or a comment, shown as evidence.")
@click.option(
    "--analyst", metavar="NAME", envvar="TRACKER_ANALYST", help="Who asserts it (env TRACKER_ANALYST)."
)
@store_options
@handled
def assert_(
    subject_id: str,
    value: str,
    day: tuple[date, str],
    source: str,
    note: str | None,
    analyst: str | None,
    config: str | None,
    db: str | None,
) -> None:
    """Record an analyst's assertion; it outranks extracted facts."""
    paths = Paths(config, db)
    cfg = paths.load_config()
    when, precision = day
    with open_store(paths, readonly=False) as store:
        fact_id = app.assert_fact(
            cfg,
            store,
            subject_id=subject_id,
            value=value,
            day=when,
            precision=precision,
            source=source,
            note=note,
            analyst=analyst,
        )
    output.echo(fact_id)


@main.command()
@click.argument("fact_id")
@click.option("--reason", required=True, metavar="TEXT", help="Why the fact should stop counting.")
@click.option(
    "--analyst", metavar="NAME", envvar="TRACKER_ANALYST", help="Who retracts it (env TRACKER_ANALYST)."
)
@store_options
@handled
def retract(fact_id: str, reason: str, analyst: str | None, config: str | None, db: str | None) -> None:
    """Withdraw a fact (extracted or asserted): it stops counting, and the report says so."""
    paths = Paths(config, db)
    cfg = paths.load_config()
    with open_store(paths, readonly=False) as store:
        recorded = app.retract_fact(cfg, store, fact_id=fact_id, reason=reason, analyst=analyst)
    output.note(f"{fact_id}: retracted" if recorded else f"{fact_id}: already retracted")


# --- evaluation ------------------------------------------------------------------------------------


@main.command("eval")
@click.argument("path", default="tests/data/labelled.jsonl", type=click.Path(dir_okay=False, exists=True))
@click.option("--details", is_flag=True, help="List every miss and false positive.")
@store_options
@handled
def eval_(path: str, details: bool, config: str | None, db: str | None) -> None:
    """Precision and recall of state changes per subject on a labelled set (JSON lines)."""
    from tracker.extract.evaluate import evaluate, format_report, load_labelled

    cfg = Paths(config, db).load_config()
    try:
        labelled = load_labelled(path)
    except (ValueError, OSError) as exc:
        raise TrackerError(str(exc)) from None
    output.echo(format_report(evaluate(labelled, cfg.subjects), details=details))


# --- demo ----------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html"]),
    default="text",
    show_default=True,
)
@store_options
@handled
def demo(fmt: str, config: str | None, db: str | None) -> None:
    """Serve the bundled demo feeds on loopback, fetch them into the store, print the report.

    Needs no network and no feeds.toml (--config is ignored: the demo brings its own feeds)."""
    from tracker.demo.run import run_demo

    paths = Paths(config, db)
    output.echo(run_demo(paths.db, fmt=fmt, terminal=output.stdout_is_terminal(), note=output.note))


# --- daemon --------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per poll on stderr, as text or as JSON objects.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="info logs every poll; warning only failures and trouble.",
)
@click.option(
    "--drain-timeout",
    type=click.FloatRange(min=0, max=3600),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="After SIGTERM/SIGINT, how long polls in flight may take to finish.",
)
@store_options
@handled
def daemon(log_format: str, log_level: str, drain_timeout: float, config: str | None, db: str | None) -> None:
    """Poll every enabled feed on its schedule until stopped.

    SIGTERM or SIGINT stops it cleanly (a second one at once); SIGHUP re-reads feeds.toml. One
    daemon per store: a second one exits 1, naming the first one's pid."""
    from tracker.daemon import DaemonOptions, run_daemon
    from tracker.daemon.log import configure

    paths = Paths(config, db)
    cfg = paths.load_config(require_feeds=True)
    logger = configure(log_format, log_level)
    options = DaemonOptions(config_path=paths.config, db_path=paths.db, drain_timeout=drain_timeout)
    sys.exit(run_daemon(cfg, options, logger))
