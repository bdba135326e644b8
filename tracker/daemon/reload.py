"""A reload as a pure diff: the running and the new configuration in, the actions to take out.

No scheduler, no store, no clock: `plan_reload` only compares. Applying the plan is the job
table's business (jobs.py), which applies it whole or not at all.

Per feed (enabled feeds only; disabling a feed removes it):

* `add`        a feed that was not scheduled is scheduled from its stored state
* `remove`     a feed no longer wanted loses its job
* `new-url`    a new URL is a new feed to poll: scheduled afresh, polled soon even if the old URL was gone
* `reschedule` a new interval: the next poll keeps what is left of its wait, up to the new interval
* `update`     other settings (headers, title…): the next poll uses them, the schedule is kept
* `keep`       unchanged
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tracker.config import Config, FeedConfig
from tracker.projections.runner import ProjectionRunner

ActionKind = Literal["add", "remove", "new-url", "reschedule", "update", "keep"]
CHANGED: tuple[ActionKind, ...] = ("new-url", "reschedule", "update")


@dataclass(frozen=True, slots=True)
class FeedAction:
    kind: ActionKind
    feed_id: str
    old: FeedConfig | None  # None for `add`
    new: FeedConfig | None  # None for `remove`


@dataclass(frozen=True, slots=True)
class ReloadPlan:
    actions: tuple[FeedAction, ...]  # removals first, then by feed id
    interpretation_changed: bool  # subject rules or publishers: the catch-up worker needs a new runner
    fetch_changed: bool  # [fetch] settings: they take effect after a restart

    def ids(self, *kinds: ActionKind) -> list[str]:
        return [a.feed_id for a in self.actions if a.kind in kinds]

    def feeds(self, *kinds: ActionKind) -> list[FeedConfig]:
        return [a.new for a in self.actions if a.kind in kinds and a.new is not None]

    @property
    def scheduled(self) -> dict[str, FeedConfig]:
        """The feeds scheduled once the plan is applied."""
        return {a.feed_id: a.new for a in self.actions if a.new is not None}


def plan_reload(
    running: Mapping[str, FeedConfig],
    old: Config,
    new: Config,
    *,
    old_fingerprints: Sequence[str],
    new_fingerprints: Sequence[str],
) -> ReloadPlan:
    """The actions that turn the `running` feeds (scheduled from `old`) into those `new` wants."""
    wanted = {feed.id: feed for feed in new.feeds if feed.enabled}
    actions = [FeedAction("remove", i, running[i], None) for i in sorted(running.keys() - wanted.keys())]
    for feed_id in sorted(wanted):
        actions.append(_action(running.get(feed_id), wanted[feed_id]))
    return ReloadPlan(
        actions=tuple(actions),
        interpretation_changed=(
            list(old_fingerprints) != list(new_fingerprints) or old.publishers != new.publishers
        ),
        fetch_changed=old.fetch != new.fetch,
    )


def _action(before: FeedConfig | None, after: FeedConfig) -> FeedAction:
    kind: ActionKind
    if before is None:
        kind = "add"
    elif before == after:
        kind = "keep"
    elif before.url != after.url:
        kind = "new-url"
    elif before.interval_seconds != after.interval_seconds:
        kind = "reschedule"
    else:
        kind = "update"
    return FeedAction(kind, after.id, before, after)


def fingerprints(runner: ProjectionRunner) -> list[str]:
    """What `plan_reload` compares to tell whether the interpretation rules changed."""
    return [projection.fingerprint() for projection in runner.projections]
