"""Commands that read the store: `report`, `events`, `verify`, and `demo` (which prints a report)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker import output
from tracker.cli.group import (
    DATA_FORMATS,
    REPORT_FORMATS,
    Options,
    check_option,
    handled,
    main,
    open_store,
    shared_options,
)
from tracker.cliparams import (
    CHECKPOINT,
    DATE_HELP,
    EVENT_TYPE,
    MOMENT_BY,
    PERIOD,
    POSITION_OR_MOMENT,
    POSITIVE_COUNT,
    FilePath,
)
from tracker.clock import format_utc
from tracker.completion import complete_subject_ids
from tracker.cycles import cycles_uncollected
from tracker.errors import StoreError, StoreNotFound, VerificationFailed
from tracker.storage.chain import KEY_FILE_ENV, load_key

if TYPE_CHECKING:
    from tracker.bootstrap import Tracker
    from tracker.limits import Period


@main.command()
@click.option(
    "--checkpoint",
    type=CHECKPOINT,
    metavar="POSITION:HASH",
    help="A head saved earlier (every report names one): the log must still extend it.",
)
@click.option(
    "--key-file",
    type=FilePath(dir_okay=False),
    envvar=KEY_FILE_ENV,
    metavar="PATH",
    help=f"Check the seals made with this key (env {KEY_FILE_ENV}).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Also check every index against its table (PRAGMA integrity_check; slower).",
)
@shared_options(DATA_FORMATS)
@handled
def verify(checkpoint: tuple[int, str] | None, key_file: str | None, full: bool, opts: Options) -> None:
    """Check SQLite's integrity, the schema, the hash chain, and a checkpoint or the seals of a key;
    each problem on its own line, then exit 1."""
    from tracker.projections import checkpoints
    from tracker.storage.store import Store

    paths = opts.paths()
    key = load_key(key_file) if key_file else None
    try:
        # `older`: a store an older tracker wrote is audited as it is, not refused; no quick
        # check first: the audit names damaged pages as findings.
        store = Store.open(paths.db, readonly=True, older=True, check=False)
    except StoreNotFound:
        raise
    except StoreError as exc:  # not a database, corrupt beyond opening, not ours
        output.warn(str(exc), kind="problem")
        raise VerificationFailed("the store cannot be verified") from None
    with store:
        result = store.audit(checkpoint=checkpoint, key=key, full=full)
        skipped = checkpoints.skipped_events(store)
    # The log is sound; its interpretation went on without these events.
    notes = list(result.notes) + [
        f"projection {name} went on without position {position} ({event_id}): {error}"
        for name, position, event_id, error in skipped
    ]
    if opts.fmt == "json":
        output.echo_json(
            {
                "ok": not result.findings,
                "events": result.events,
                "head_position": result.head_position,
                "head_hash": result.head_hash,
                "findings": [str(finding) for finding in result.findings],
                "notes": notes,
            }
        )
    else:
        for line in notes:
            output.note(f"note: {line}")
        for finding in result.findings:
            output.warn(str(finding), kind="problem")
    if result.findings:
        raise VerificationFailed(f"{len(result.findings)} problem(s) found")
    if opts.fmt != "json":
        proved = " extends the checkpoint;" if checkpoint else ""
        proved += " every head sealed with the key;" if key else ""
        output.echo(
            f"ok: {result.events} events,{proved} chain head {result.head_position} {result.head_hash}"
        )


# --- events ------------------------------------------------------------------------------------


def _since(value: int | datetime | None) -> tuple[int, str | None]:
    """--since POS|DATE → (position, recorded_after)."""
    if value is None:
        return 0, None
    if isinstance(value, int):
        return value, None
    return 0, format_utc(value - timedelta(microseconds=1))


@main.command()
@click.option("--type", "types", multiple=True, type=EVENT_TYPE, help="Only this event type (repeatable).")
@click.option(
    "--since",
    type=POSITION_OR_MOMENT,
    metavar="POS|DATE",
    help=f"After this position, or recorded since this date ({DATE_HELP}; four digits are a year).",
)
@click.option("--limit", type=POSITIVE_COUNT, help="At most this many events.")
@check_option
@shared_options(DATA_FORMATS)
@handled
def events(
    types: tuple[str, ...], since: int | datetime | None, limit: int | None, check: bool, opts: Options
) -> None:
    """List events from the log, oldest first."""
    after, recorded_after = _since(since)
    with open_store(opts.paths(), readonly=True, check=check) as store, store.snapshot():
        rows = list(store.read(after=after, types=types or None, recorded_after=recorded_after, limit=limit))
    if opts.fmt == "json":
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
@click.option(
    "--as-of",
    "as_of",
    type=PERIOD,
    metavar="DATE",
    help=f"World time: changes by the end of this {DATE_HELP} (UTC).",
)
@click.option(
    "--known-at",
    "known_at",
    type=MOMENT_BY,
    metavar="DATETIME",
    help=f"Record time: what the log held at this ISO datetime (or by the end of {DATE_HELP}).",
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
    "--since",
    metavar="DATE|DURATION",
    help="Only timeline entries recorded since this ISO date/datetime, or this long ago (1d, 12h).",
)
@click.option(
    "--details",
    is_flag=True,
    help="Every source and evidence sentence of each entry and subject (a summary lists the first few "
    "with their totals), and every mention with what the fold made of it.",
)
@click.option(
    "--latest",
    type=click.IntRange(min=0),
    metavar="N",
    help="Newest articles listed per feed in the coverage (default 3).",
)
@click.option(
    "-o",
    "--output",
    "out_file",
    type=FilePath(dir_okay=False, writable=True),
    help="Write the report to this file instead of stdout.",
)
@check_option
@shared_options(REPORT_FORMATS)
@handled
@cycles_uncollected  # the whole command: the report is built, then written, then freed
def report(
    as_of: Period | None,
    known_at: datetime | None,
    subject_ids: tuple[str, ...],
    since: str | None,
    details: bool,
    latest: int | None,
    out_file: str | None,
    check: bool,
    opts: Options,
) -> None:
    """The state of every subject, with evidence, and the dated timeline of changes."""
    from tracker.bootstrap import open_tracker
    from tracker.report import build_report, render

    paths = opts.paths()
    cfg = paths.load_config()
    with open_tracker(cfg, paths.db, readonly=True, check=check) as tracker:
        _note_unprojected_articles(tracker)
        data = build_report(
            tracker.store,
            tracker.config,
            as_of=as_of.last if as_of else None,
            known_at=known_at,
            subjects=subject_ids or None,
            details=details,
            latest=latest,
        )
        if since is not None:
            data = _recorded_since(tracker, data, since, subject_ids)
    if out_file is None and opts.fmt == "json":
        output.echo_json(data)
    elif out_file is None:
        output.echo(render(data, opts.fmt, terminal=output.styled(), color=True))
    else:
        Path(out_file).write_text(render(data, opts.fmt) + "\n", encoding="utf-8")
        output.note(f"report written to {out_file}")


# Fewer events than this are read from the log in well under a second: a daemon's usual lag.
_LAG_WORTH_A_NOTE = 1_000


def _note_unprojected_articles(tracker: Tracker) -> None:
    """A read-only report extracts in memory whatever the facts projection has not caught up with.
    After an upgrade that changes the extractor (or an edit to the subject rules) that is the whole
    log, which takes minutes on a large store: say so before it starts, and how to avoid it."""
    for status in tracker.runner.status(tracker.store):
        if status.name != "facts":
            continue
        behind = status.lag if status.fingerprint_ok else status.head
        if behind >= _LAG_WORTH_A_NOTE:
            why = "" if status.fingerprint_ok else " (it is out of date with the code or the subject rules)"
            output.note(
                f"the facts projection is {behind:,} events behind the log{why}: this report extracts "
                "them in memory; `tracker fetch` or `tracker rebuild` brings it up to date"
            )


def _recorded_since(
    tracker: Tracker, data: dict[str, Any], since: str, subject_ids: tuple[str, ...]
) -> dict[str, Any]:
    from tracker.cli.changes import since_moment
    from tracker.report.changes import build_changes, recorded_since

    moment = since_moment(since)
    changes = build_changes(tracker.store, tracker.config, since=moment, subjects=subject_ids or None)
    return recorded_since(data, changes)


# --- demo ----------------------------------------------------------------------------------------


@main.command()
@shared_options(REPORT_FORMATS)
@handled
def demo(opts: Options) -> None:
    """Serve the bundled demo feeds on loopback, fetch them into the demo's own store, print the report.

    Needs no network and no feeds.toml (--config is ignored: the demo brings its own feeds). The
    store is ./demo.db unless --db says otherwise; a store real feeds write to is refused, and a
    second run adds nothing."""
    from tracker.demo.outlets import DEMO_DB
    from tracker.demo.run import run_demo

    paths = opts.paths(default_db=DEMO_DB)
    terminal = output.styled()
    output.echo(run_demo(paths.db, fmt=opts.fmt, terminal=terminal, note=output.note))
