"""Shell completion of feed ids, tags and subject ids, read from the feeds.toml the command line
names (`--config`, then TRACKER_CONFIG, then ./feeds.toml). Completion never prints an error: an
unreadable file completes no feeds and the shipped subjects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.config import Config


def complete_feed_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    feeds = _config(ctx).feeds
    return [CompletionItem(f.id, help=f.title) for f in feeds if f.id.startswith(incomplete)]


def complete_tags(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    tags = dict.fromkeys(tag for feed in _config(ctx).feeds for tag in feed.tags)
    return [CompletionItem(tag) for tag in tags if tag.startswith(incomplete)]


def complete_subject_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    subjects = _config(ctx).subjects
    return [CompletionItem(s.id, help=s.title) for s in subjects if s.id.startswith(incomplete)]


def _config(ctx: click.Context) -> Config:
    from tracker.cli.group import DEFAULT_CONFIG  # the CLI imports this module
    from tracker.config import default_config, load_config

    path = Path(config_option(ctx) or DEFAULT_CONFIG)
    try:
        return load_config(path) if path.exists() else default_config()
    except TrackerError:
        return default_config()


def config_option(ctx: click.Context) -> str | None:
    """--config as the user gave it, after or before a subcommand's name (the innermost wins),
    else TRACKER_CONFIG."""
    current: click.Context | None = ctx
    while current is not None:
        if current.params.get("config"):
            return str(current.params["config"])
        current = current.parent
    return os.environ.get("TRACKER_CONFIG") or None
