"""Projections: folds of the event log into ordinary, documented SQL tables and views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tracker.config import Config
from tracker.projections.articles import ArticlesProjection
from tracker.projections.facts import FactsProjection
from tracker.projections.feeds import FeedStatusProjection
from tracker.projections.runner import Projection, ProjectionRunner
from tracker.projections.story import StoryProjection
from tracker.subjects import Subject

__all__ = ["Projection", "ProjectionRunner", "default_projections", "runner_for"]


def default_projections(subjects: Sequence[Subject], publishers: Mapping[str, str]) -> list[Projection]:
    """Every projection tracker keeps, in the order they are caught up (story reads facts)."""
    return [
        ArticlesProjection(),
        FeedStatusProjection(),
        FactsProjection(subjects),
        StoryProjection(subjects, publishers),
    ]


def runner_for(config: Config) -> ProjectionRunner:
    """The projection runner for a configuration's subjects and publishers."""
    return ProjectionRunner(default_projections(config.subjects, config.publishers))
