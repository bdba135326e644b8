"""Commands that poll feeds or look after polling: `fetch`, `daemon`, `feeds` (and `feeds reset`),
`prune`."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from tracker import output
from tracker.cli.group import DATA_FORMATS, Options, check_option, handled, main, open_store, shared_options
from tracker.cliparams import DURATION, FEED_ID
from tracker.clock import system_clock
from tracker.completion import complete_feed_ids, complete_tags
from tracker.errors import ConfigError, TrackerError

# The application, its projections and extractor are imported inside the commands that use
# them, so that `--help` and the reading commands do not pay for them.
if TYPE_CHECKING:  # polling imports httpx: only `tracker fetch` loads it
    from tracker import app
    from tracker.bootstrap import Tracker
    from tracker.polling import PollResult
    from tracker.report.feeds import FeedHealthRow
    from tracker.storage.page_store import PageCounts


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
@shared_options(DATA_FORMATS)
@handled
def fetch(feed_ids: tuple[str, ...], tags: tuple[str, ...], opts: Options) -> None:
    """Poll every feed now (or --feed ID, --tag TAG), whatever its schedule or back-off.

    Exit 0 when at least one feed answered (or there were no feeds to poll), 3 when every feed
    polled failed."""
    from tracker.bootstrap import open_tracker
    from tracker.demo.outlets import refuse_demo_store
    from tracker.feedlist.naming import select_feeds

    paths = opts.paths()
    cfg = paths.load_config(require_feeds=True)
    feeds = select_feeds(cfg, feed_ids, tags)
    output.detail(f"feed list: {cfg.source}; store: {paths.db}")
    with open_tracker(cfg, paths.db, readonly=False, create=True) as tracker:
        refuse_demo_store(tracker.store, cfg.feeds if feeds is None else feeds)
        summary = _run_fetch(tracker, feeds)
    if opts.fmt == "json":
        output.echo_json(_fetch_json(summary))
    else:
        _print_fetch_summary(summary)
    if summary.results and not summary.ok:
        output.warn(f"every feed failed ({output.count(len(summary.results), 'feed')}): nothing was fetched")
        sys.exit(3)


def _run_fetch(tracker: Tracker, feeds: Any) -> app.FetchSummary:
    import asyncio

    from tracker import app

    total = len(feeds if feeds is not None else [f for f in tracker.config.feeds if f.enabled])
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

            return asyncio.run(app.fetch_feeds(tracker, feeds, on_result=advance))
    return asyncio.run(app.fetch_feeds(tracker, feeds))


def _fetch_json(summary: app.FetchSummary) -> dict[str, Any]:
    return {
        "feeds": [
            {
                "feed": r.feed_id,
                "outcome": r.outcome,
                "status": r.status,
                "entries": r.entries,
                "new": r.new,
                "revised": r.revised,
                "error": r.error,
                "category": r.category,
                "skipped": list(r.skipped),
                "deferred": r.deferred,
            }
            for r in summary.results
        ],
        "ok": summary.ok,
        "failed": len(summary.failed),
        "new": summary.new,
        "revised": summary.revised,
        "warnings": list(summary.projection_errors),
        "alerts": [{"alert": o.alert_id, "error": o.error} for o in summary.alerts],
    }


def _print_fetch_summary(summary: app.FetchSummary) -> None:
    for result in summary.results:
        if result.failed:
            output.note(
                f"  {result.feed_id}: FAILED ({result.category}) {output.error_text(result.error or '')}"
            )
        else:
            detail = {
                "ok": output.count(result.entries, "entry", "entries"),
                "not-modified": "not modified (304)",
            }
            limited = f" ({result.deferred} changes rate-limited)" if result.deferred else ""
            output.note(
                f"  {result.feed_id}: {detail.get(result.outcome, 'unchanged body')}, "
                f"{result.new} new, {result.revised} revised{limited}"
            )
            if result.skipped:
                skipped = output.count(len(result.skipped), "entry", "entries")
                output.note(f"  {result.feed_id}: {skipped} skipped: {result.skipped[0]}")
    if not summary.results:
        output.note("no feeds to poll")
        return
    polled = output.count(len(summary.results), "feed")
    output.note(
        f"{polled} polled: {summary.ok} ok, {len(summary.failed)} failed; "
        f"{output.count(summary.new, 'new article')}, {output.count(summary.revised, 'revision')}"
    )
    for error in summary.projection_errors:
        output.warn(error)
    for outcome in summary.alerts:
        if outcome.error is None:
            output.note(f"  alert {outcome.alert_id}: delivered")
        else:
            output.note(f"  alert {outcome.alert_id}: FAILED, will retry: {output.error_text(outcome.error)}")


@main.command()
@click.option(
    "--polls-older-than", "age", type=DURATION, required=True, metavar="AGE", help='e.g. "30d", "12h".'
)
@shared_options()
@handled
def prune(age: int, opts: Options) -> None:
    """Delete old rows of the poll log (never events)."""
    from tracker import app

    with open_store(opts.paths(), readonly=False) as store:
        removed = app.prune_polls(store, system_clock() - timedelta(seconds=age))
    output.note(f"{output.count(removed, 'poll row')} removed")


# --- feeds -------------------------------------------------------------------------------------


@main.group(invoke_without_command=True)
@check_option
@shared_options(DATA_FORMATS)
@click.pass_context
@handled
def feeds(ctx: click.Context, check: bool, opts: Options) -> None:
    """Feed health: last poll, status, failures, back-off and next attempt."""
    if ctx.invoked_subcommand is not None:
        return
    paths = opts.paths()
    cfg = paths.load_config()
    from tracker.bootstrap import open_tracker
    from tracker.report.feeds import feed_health
    from tracker.storage.page_store import counts as page_counts

    with open_tracker(cfg, paths.db, readonly=True, check=check) as tracker:
        health = feed_health(tracker)
        pages = page_counts(tracker.store)
    tags = {feed.id: list(feed.tags) for feed in cfg.feeds}
    if opts.fmt == "json":
        rows = [
            {
                **asdict(h),
                "tags": tags.get(h.feed_id, []),
                "pages": asdict(pages[h.feed_id]) if h.feed_id in pages else None,
            }
            for h in health.feeds
        ]
        output.echo_json({"feeds": rows, "notes": list(health.notes)})
        return
    _feeds_table(health.feeds, tags, pages)
    for line in health.notes:
        output.note(line)


def _feeds_table(
    feeds: Sequence[FeedHealthRow], tags: Mapping[str, list[str]], pages: Mapping[str, PageCounts]
) -> None:
    output.table(
        None,
        [
            "feed",
            "tags",
            "health",
            "last poll",
            "status",
            "failures",
            "next due",
            "articles",
            "last error",
            "pages",
            "last page error",
        ],
        [
            (
                h.feed_id,
                ",".join(tags.get(h.feed_id, [])),
                h.health,
                h.last_poll_at or "never",
                h.last_status or "",
                h.consecutive_failures,
                h.next_due_at or "",
                h.articles,
                h.last_error or "",
                _pages_cell(pages.get(h.feed_id)),
                (pages[h.feed_id].last_error or "") if h.feed_id in pages else "",
            )
            for h in feeds
        ],
    )


def _pages_cell(counts: PageCounts | None) -> str:
    """Article pages (`full_text`) of one feed: "3 fetched, 1 failing, 2 given up"."""
    if counts is None:
        return ""
    parts = [
        (counts.fetched, "fetched"),
        (counts.pending - counts.failing, "pending"),
        (counts.failing, "failing"),
        (counts.given_up, "given up"),
    ]
    return ", ".join(f"{number} {label}" for number, label in parts if number)


@feeds.command("reset")
@click.argument("feed_id", type=FEED_ID, shell_complete=complete_feed_ids)
@shared_options()
@handled
def feeds_reset(feed_id: str, opts: Options) -> None:
    """Clear a feed's failures and gone mark so it is polled again."""
    from tracker import app

    with open_store(opts.paths(), readonly=False) as store:
        if not app.reset_feed(store, feed_id):
            raise TrackerError(f"no polling state for feed {feed_id!r}")
    output.note(f"{feed_id}: failures cleared; it will be polled at the next opportunity")


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
    help="info (the default; -q: warning, -v: debug) logs every poll; warning only failures and trouble.",
)
@click.option(
    "--drain-timeout",
    type=click.FloatRange(min=0, max=3600),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="After SIGTERM/SIGINT, how long polls in flight may take to finish.",
)
@shared_options()
@handled
def daemon(log_format: str, log_level: str | None, drain_timeout: float, opts: Options) -> None:
    """Poll every enabled feed on its schedule until stopped.

    SIGTERM or SIGINT stops it cleanly (a second one at once); SIGHUP re-reads feeds.toml. One
    daemon per store: a second one exits 1, naming the first one's pid."""
    from tracker.daemon import DaemonOptions, run_daemon
    from tracker.daemon.log import configure

    paths = opts.paths()
    cfg = paths.load_config(require_feeds=True)
    if not cfg.feeds:  # valid for fetch and reports, but a daemon would wait for nothing
        raise ConfigError(f"{cfg.source}: no [[feeds]] tables: the daemon has nothing to poll")
    level = log_level or {-1: "warning", 0: "info", 1: "debug"}[output.verbosity()]
    logger = configure(log_format, level)
    options = DaemonOptions(config_path=paths.config, db_path=paths.db, drain_timeout=drain_timeout)
    sys.exit(run_daemon(cfg, options, logger))
