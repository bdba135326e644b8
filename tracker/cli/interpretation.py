"""Commands about interpretation and the analysts' word: `rebuild`, `assert`, `retract`, `eval`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker import output
from tracker.cli.group import DATA_FORMATS, Options, handled, main, shared_options
from tracker.cliparams import DATE_HELP, PERIOD, FilePath
from tracker.completion import complete_subject_ids
from tracker.errors import TrackerError
from tracker.limits import Period

if TYPE_CHECKING:
    from tracker.evaluation.extraction import EvalReport


@main.command()
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    metavar="N",
    help="Processes interpreting articles in parallel (default: env TRACKER_WORKERS, else one per core).",
)
@shared_options()
@handled
def rebuild(workers: int | None, opts: Options) -> None:
    """Drop every projection and replay the whole log, in short transactions."""
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = opts.paths()
    cfg = paths.load_config()
    with (
        open_tracker(cfg, paths.db, readonly=False, workers=workers) as tracker,
        output.working("rebuilding projections"),
    ):
        result = app.rebuild(tracker)
    for name, count in result.applied.items():
        output.note(f"{name}: {output.count(count, 'event')} applied")
    for failure in result.failures:
        output.warn(f"{failure} (went on without it; see `tracker feeds`)")


# --- analysts' word --------------------------------------------------------------------------------


@main.command("assert")
@click.argument("subject_id", metavar="SUBJECT", shell_complete=complete_subject_ids)
@click.argument("value", metavar="STATE|COUNT")
@click.option(
    "--date", "day", required=True, type=PERIOD, metavar="DATE", help=f"When it happened: {DATE_HELP}."
)
@click.option("--source", required=True, metavar="URL", help="The article or document that supports it.")
@click.option("--note", metavar="TEXT", help="The supporting sentence or a comment, shown as evidence.")
@click.option(
    "--analyst", metavar="NAME", envvar="TRACKER_ANALYST", help="Who asserts it (env TRACKER_ANALYST)."
)
@shared_options(DATA_FORMATS)
@handled
def assert_(
    subject_id: str,
    value: str,
    day: Period,
    source: str,
    note: str | None,
    analyst: str | None,
    opts: Options,
) -> None:
    """Record an analyst's assertion; it outranks extracted facts. Prints its fact id."""
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = opts.paths()
    cfg = paths.load_config()
    with open_tracker(cfg, paths.db, readonly=False) as tracker:
        fact_id = app.assert_fact(
            tracker,
            subject_id=subject_id,
            value=value,
            day=day.first,
            precision=day.precision,
            source=source,
            note=note,
            analyst=analyst,
        )
    if opts.fmt == "json":
        output.echo_json({"fact_id": fact_id})
    else:
        output.echo(fact_id)


@main.command()
@click.argument("fact_id", metavar="FACT")
@click.option("--reason", required=True, metavar="TEXT", help="Why the fact should stop counting.")
@click.option(
    "--analyst", metavar="NAME", envvar="TRACKER_ANALYST", help="Who retracts it (env TRACKER_ANALYST)."
)
@shared_options()
@handled
def retract(fact_id: str, reason: str, analyst: str | None, opts: Options) -> None:
    """Withdraw a fact (extracted or asserted): it stops counting, and the report says so.

    FACT is a fact id, or a unique prefix of it as the text report shows it ([fact 1a2b3c4d])."""
    from tracker import app
    from tracker.bootstrap import open_tracker

    paths = opts.paths()
    cfg = paths.load_config()
    with open_tracker(cfg, paths.db, readonly=False) as tracker:
        full_id, recorded = app.retract_fact(tracker, fact_id=fact_id, reason=reason, analyst=analyst)
    output.note(f"{full_id}: retracted" if recorded else f"{full_id}: already retracted")


# --- evaluation ------------------------------------------------------------------------------------


@main.command("eval")
@click.argument("path", required=False, type=FilePath(exists=True, path_type=Path))
@click.option("--details", is_flag=True, help="List every miss and false positive.")
@click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice(["dev", "heldout", "all"]),
    help="Story corpora: the splits to score (default: all three).",
)
@shared_options(DATA_FORMATS)
@handled
def eval_(path: Path | None, details: bool, splits: tuple[str, ...], opts: Options) -> None:
    """Precision and recall of state changes per subject on a labelled set (JSON lines; by
    default the one shipped with tracker), or of timeline entries on a corpus of stories (a
    directory: see tracker/evaluation/story.py)."""
    if path is not None and path.is_dir():
        from tracker.evaluation.story import SPLITS, evaluate_corpus, format_scores, story_dirs
        from tracker.subjects.story_packs import load_story_pack

        scores = evaluate_corpus(story_dirs(path), load_story_pack, splits or SPLITS)
        if opts.fmt == "json":
            output.echo_json([{**asdict(s), "precision": s.precision, "recall": s.recall} for s in scores])
        else:
            output.echo(format_scores(scores, details=details))
        return
    from tracker.evaluation.extraction import LABELLED, evaluate, format_report, load_labelled

    cfg = opts.paths().load_config()
    try:
        items = load_labelled(path or LABELLED)
    except (ValueError, OSError) as exc:
        raise TrackerError(str(exc)) from None
    result = evaluate(items, cfg.subjects)
    if opts.fmt == "json":
        output.echo_json(_eval_json(result))
    else:
        output.echo(format_report(result, details=details))


def _eval_json(result: EvalReport) -> dict[str, Any]:
    def score(value: Any) -> dict[str, Any]:
        return {**asdict(value), "precision": value.precision, "recall": value.recall}

    return {
        "groups": {
            name: {
                "items": group.items,
                "subjects": {sid: score(s) for sid, s in group.subjects.items()},
                "overall": score(group.overall),
            }
            for name, group in result.groups.items()
        },
        "settled_errors": [
            {"item": item_id, "subject": claim.subject, "state": claim.state, "sentence": claim.sentence}
            for item_id, claim in result.settled_errors
        ],
    }
