"""Projections: folds of the event log into ordinary, documented SQL tables and views.

One module per projection, each owning its tables; `default_projections` lists them all (a new
projection goes there), the runner (`runner.py`) keeps them caught up, and `checkpoints.py` holds
its bookkeeping. The application assembles them once, in `tracker.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tracker.projections.articles import ArticlesProjection
from tracker.projections.facts import FactsProjection, Interpreter, interpret_in_process
from tracker.projections.feeds import FeedHistoryProjection
from tracker.projections.runner import Projection, ProjectionRunner
from tracker.projections.story import StoryProjection
from tracker.subjects import Subject

__all__ = ["Projection", "ProjectionRunner", "default_projections"]


def default_projections(
    subjects: Sequence[Subject],
    publishers: Mapping[str, str],
    interpreter: Interpreter = interpret_in_process,
) -> list[Projection]:
    """Every projection tracker keeps, in the order they are caught up (story reads facts).
    `interpreter` extracts the articles' facts (in worker processes, when given a pool's)."""
    return [
        ArticlesProjection(),
        FeedHistoryProjection(),
        FactsProjection(subjects, interpreter),
        StoryProjection(subjects, publishers),
    ]
