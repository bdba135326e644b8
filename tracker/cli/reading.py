"""Commands that read the store: `report`, `events`, `verify`, and `demo` (which prints a report)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from tracker import output
from tracker.bootstrap import open_tracker
from tracker.cli.group import Paths, handled, main, open_store, store_options
from tracker.clock import format_utc, parse_utc
from tracker.completion import complete_subject_ids


@main.command()
@store_options
@handled
def verify(config: str | None, db: str | None) -> None:
    """Check the hash chain and SQLite's integrity; exit 1 naming the first bad position."""
    paths = Paths(config, db)
    with open_store(paths, readonly=True) as store:
        report = store.verify()
    output.echo(f"ok: {report.events} events, chain head {report.head_position} {report.head_hash}")


report_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html"]),
    default="text",
    show_default=True,
)


# --- events ------------------------------------------------------------------------------------


def _since(value: str | None) -> tuple[int, str | None]:
    """--since POS|DATE → (position, recorded_after)."""
    if value is None:
        return 0, None
    if value.isdigit():
        return int(value), None
    try:
        moment = parse_utc(value)
    except ValueError:
        raise click.BadParameter(
            "expected an event position or an ISO date/datetime", param_hint="--since"
        ) from None
    return 0, format_utc(moment - timedelta(microseconds=1))


@main.command()
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Only this event type (repeatable).")
@click.option("--since", metavar="POS|DATE", help="After this position, or recorded since this date.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many events.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_options
@handled
def events(
    types: tuple[str, ...], since: str | None, limit: int | None, fmt: str, config: str | None, db: str | None
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


# --- report ------------------------------------------------------------------------------------


@main.command()
@report_format
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="World time: changes by the end of this day (UTC).",
)
@click.option(
    "--known-at", "known_at", metavar="DATETIME", help="Record time: what the log held at this ISO datetime."
)
@click.option(
    "--subject",
    "subject_ids",
    multiple=True,
    metavar="ID",
    shell_complete=complete_subject_ids,
    help="Only this subject (repeatable).",
)
@click.option(
    "-o",
    "--output",
    "out_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file instead of stdout.",
)
@store_options
@handled
def report(
    fmt: str,
    as_of: datetime | None,
    known_at: str | None,
    subject_ids: tuple[str, ...],
    out_file: str | None,
    config: str | None,
    db: str | None,
) -> None:
    """The state of every subject, with evidence, and the dated timeline of changes."""
    from tracker.report import build_report, render

    paths = Paths(config, db)
    cfg = paths.load_config()
    known: datetime | None = None
    if known_at is not None:
        try:
            known = parse_utc(known_at)
        except ValueError:
            raise click.BadParameter("expected an ISO date or datetime", param_hint="--known-at") from None
    with open_tracker(cfg, paths.db, readonly=True) as tracker:
        data = build_report(
            tracker.store,
            tracker.config,
            as_of=as_of.date() if as_of else None,
            known_at=known,
            subjects=subject_ids or None,
        )
    if out_file is None:
        output.echo(render(data, fmt, terminal=output.stdout_is_terminal()))
    else:
        Path(out_file).write_text(render(data, fmt) + "\n", encoding="utf-8")
        output.note(f"report written to {out_file}")


# --- demo ----------------------------------------------------------------------------------------


@main.command()
@report_format
@store_options
@handled
def demo(fmt: str, config: str | None, db: str | None) -> None:
    """Serve the bundled demo feeds on loopback, fetch them into the store, print the report.

    Needs no network and no feeds.toml (--config is ignored: the demo brings its own feeds)."""
    from tracker.demo.run import run_demo

    paths = Paths(config, db)
    output.echo(run_demo(paths.db, fmt=fmt, terminal=output.stdout_is_terminal(), note=output.note))
