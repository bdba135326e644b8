"""`tracker changes --since DATE|DURATION`: what the log learned since then."""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from tracker import output
from tracker.cli.group import Options, check_option, handled, main, shared_options
from tracker.clock import parse_duration, parse_utc, system_clock
from tracker.completion import complete_subject_ids


def since_moment(value: str, now: datetime | None = None) -> datetime:
    """`1d`, `12h`, `90m` (that long ago) or an ISO date/datetime (UTC unless it says otherwise)."""
    try:
        return (now or system_clock()) - timedelta(seconds=parse_duration(value))
    except ValueError:
        pass
    try:
        return parse_utc(value)
    except ValueError:
        raise click.BadParameter(
            'expected a duration ("1d", "12h") or an ISO date/datetime', param_hint="--since"
        ) from None


@main.command()
@click.option(
    "--since",
    required=True,
    metavar="DATE|DURATION",
    help="Recorded since this ISO date/datetime, or this long ago (1d, 12h).",
)
@click.option(
    "--subject",
    "subject_ids",
    multiple=True,
    metavar="ID",
    shell_complete=complete_subject_ids,
    help="Only this subject (repeatable).",
)
@check_option
@shared_options(("text", "json", "markdown"))
@handled
def changes(since: str, subject_ids: tuple[str, ...], check: bool, opts: Options) -> None:
    """New timeline entries, state and tally changes, new conflicts and retractions recorded since
    a time."""
    from tracker.report.changes import build_changes, render_changes

    paths = opts.paths()
    moment = since_moment(since)
    from tracker.bootstrap import open_tracker  # heavy: only when the command runs

    with open_tracker(paths.load_config(), paths.db, readonly=True, check=check) as tracker:
        data = build_changes(tracker.store, tracker.config, since=moment, subjects=subject_ids or None)
    output.echo(render_changes(data, opts.fmt))
