"""Commands about interpretation and the analysts' word: `rebuild`, `assert`, `retract`, `eval`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from tracker import output
from tracker.cli.group import Paths, handled, main, store_options
from tracker.cliparams import FACT_DAY, FilePath
from tracker.completion import complete_subject_ids
from tracker.errors import TrackerError


@main.command()
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    metavar="N",
    help="Processes interpreting articles in parallel (default: env TRACKER_WORKERS, else one per core).",
)
@store_options
@handled
def rebuild(workers: int | None, config: str | None, db: str | None) -> None:
    """Drop every projection and replay the whole log, in short transactions."""
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = Paths(config, db)
    cfg = paths.load_config()
    with (
        open_tracker(cfg, paths.db, readonly=False, workers=workers) as tracker,
        output.working("rebuilding projections"),
    ):
        result = app.rebuild(tracker)
    for name, count in result.applied.items():
        output.note(f"{name}: {count} events applied")
    for failure in result.failures:
        output.note(f"warning: {failure} (went on without it; see `tracker feeds`)")


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
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = Paths(config, db)
    cfg = paths.load_config()
    when, precision = day
    with open_tracker(cfg, paths.db, readonly=False) as tracker:
        fact_id = app.assert_fact(
            tracker,
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
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = Paths(config, db)
    cfg = paths.load_config()
    with open_tracker(cfg, paths.db, readonly=False) as tracker:
        recorded = app.retract_fact(tracker, fact_id=fact_id, reason=reason, analyst=analyst)
    output.note(f"{fact_id}: retracted" if recorded else f"{fact_id}: already retracted")


# --- evaluation ------------------------------------------------------------------------------------


@main.command("eval")
@click.argument("path", default="tests/data/labelled.jsonl", type=FilePath(exists=True))
@click.option("--details", is_flag=True, help="List every miss and false positive.")
@click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice(["dev", "heldout", "all"]),
    help="Story corpora: the splits to score (default: all three).",
)
@store_options
@handled
def eval_(path: str, details: bool, splits: tuple[str, ...], config: str | None, db: str | None) -> None:
    """Precision and recall of state changes per subject on a labelled set (JSON lines), or of
    timeline entries on a corpus of stories (a directory: see tracker/storyeval.py)."""
    if Path(path).is_dir():
        from tracker.storyeval import SPLITS, evaluate_corpus, format_scores, story_dirs
        from tracker.subjects.story_packs import load_story_pack

        scores = evaluate_corpus(story_dirs(path), load_story_pack, splits or SPLITS)
        output.echo(format_scores(scores, details=details))
        return
    from tracker.extract.evaluate import evaluate, format_report, load_labelled

    cfg = Paths(config, db).load_config()
    try:
        labelled = load_labelled(path)
    except (ValueError, OSError) as exc:
        raise TrackerError(str(exc)) from None
    output.echo(format_report(evaluate(labelled, cfg.subjects), details=details))
