"""The `tracker` command group and what every command shares: where the files are (flag, then
environment, then default), the `--config`/`--db` options, and errors turned into exit codes."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker import __version__, output, storage_faults
from tracker.errors import ConfigError, TrackerError

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.store import Store

DEFAULT_CONFIG = "feeds.toml"
DEFAULT_DB = "events.db"

F = TypeVar("F", bound=Callable[..., Any])


class Paths:
    """Where this command's configuration and database are, after flag > env > default."""

    def __init__(self, config: str | None, db: str | None) -> None:
        self.config_explicit = config is not None
        self.config = Path(config or DEFAULT_CONFIG)
        self.db = Path(db or DEFAULT_DB)

    def load_config(self, *, require_feeds: bool = False) -> Config:
        # Imported here: the configuration's models and subjects are heavy, and --help needs none.
        from tracker.config import default_config, load_config

        if not self.config_explicit and not self.config.exists():
            if require_feeds:
                raise ConfigError(
                    f"{self.config}: file not found (create it, or pass --config PATH; "
                    "`tracker demo` needs no configuration)"
                )
            return default_config()
        config = load_config(self.config)
        if require_feeds and not config.feeds:
            raise ConfigError(f"{self.config}: feeds: no [[feeds]] tables")
        return config


def store_options(func: F) -> F:
    """--config and --db, accepted after every command's name."""
    func = click.option(
        "--db",
        "db",
        envvar="TRACKER_DB",
        metavar="PATH",
        help=f"Event store (default ./{DEFAULT_DB}; env TRACKER_DB).",
    )(func)
    func = click.option(
        "--config",
        "config",
        envvar="TRACKER_CONFIG",
        metavar="PATH",
        help=f"Feed list and subjects (default ./{DEFAULT_CONFIG}; env TRACKER_CONFIG).",
    )(func)
    return func


def handled(func: F) -> F:
    """TrackerError, or a fault of the storage met anywhere in the command (a full disk, a lock
    held too long, a damaged page: `tracker.storage_faults`) → one line `Error: …` on stderr and
    exit 1, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrackerError as exc:
            raise click.ClickException(output.error_text(str(exc))) from None
        except sqlite3.Error as exc:
            from tracker.store import BUSY_TIMEOUT_MS

            where = kwargs.get("db") or DEFAULT_DB
            text = storage_faults.describe(exc, where, busy_wait=BUSY_TIMEOUT_MS / 1000)
            raise click.ClickException(output.error_text(text)) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def open_store(paths: Paths, *, readonly: bool, check: bool | None = None) -> Iterator[Store]:
    """The store alone, for the commands that need no configuration (verify, events, prune, reset)."""
    from tracker.store import Store

    store = Store.open(paths.db, readonly=readonly, create=False, check=check)
    try:
        yield store
    finally:
        store.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tracker")
def main() -> None:
    """Track developing news stories: poll feeds into an append-only log, fold it into the
    sourced state of tracked subjects and a dated timeline."""
