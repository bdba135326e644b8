"""The `tracker` command group and what every command shares: where the files are, the output
format, verbosity and colour (flag, before or after the command's name, then environment, then
default), and errors turned into exit codes."""

from __future__ import annotations

import functools
import importlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker import __version__, output
from tracker.errors import ConfigError, TrackerError
from tracker.storage import storage_faults

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.storage.store import Store

DEFAULT_CONFIG = "feeds.toml"
DEFAULT_DB = "events.db"
DATA_FORMATS = ("text", "json")
REPORT_FORMATS = ("text", "json", "markdown", "html")
_ENV = {"db": "TRACKER_DB", "config": "TRACKER_CONFIG"}

F = TypeVar("F", bound=Callable[..., Any])


class Paths:
    """Where this command's configuration and database are, after flag > env > default."""

    def __init__(self, config: str | None, db: str | None, *, default_db: str = DEFAULT_DB) -> None:
        self.config_explicit = config is not None
        self.config = Path(config or DEFAULT_CONFIG)
        self.db = Path(db or default_db)

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
        return load_config(self.config)


@dataclass(frozen=True)
class Options:
    """The shared options as resolved for one command."""

    config: str | None
    db: str | None
    fmt: str

    def paths(self, *, default_db: str = DEFAULT_DB) -> Paths:
        return Paths(self.config, self.db, default_db=default_db)


def _shared_params(func: F) -> F:
    """The shared options themselves; none reads the environment here, so that a flag given at
    any level wins over the environment (see `_resolve`)."""
    decorators = [
        click.option(
            "--db", "db", metavar="PATH", help=f"Event store (default ./{DEFAULT_DB}; env TRACKER_DB)."
        ),
        click.option(
            "--config",
            "config",
            metavar="PATH",
            help=f"Feed list and subjects (default ./{DEFAULT_CONFIG}; env TRACKER_CONFIG).",
        ),
        click.option(
            "--format", "fmt", type=click.Choice(REPORT_FORMATS), help="Output format (default text)."
        ),
        click.option(
            "--quiet", "-q", "quiet", is_flag=True, default=None, help="Only warnings and errors on stderr."
        ),
        click.option("--verbose", "-v", "verbose", is_flag=True, default=None, help="More detail on stderr."),
        click.option(
            "--color/--no-color",
            "color",
            default=None,
            help="Styled output (default: on a terminal, unless NO_COLOR).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


_SHARED = ("db", "config", "fmt", "quiet", "verbose", "color")


def _given(ctx: click.Context, name: str) -> Any:
    """The value given on the command line at this level or the nearest enclosing one."""
    current: click.Context | None = ctx
    while current is not None:
        value = current.params.get(name)
        if value is not None:
            return value
        current = current.parent
    return None


def _resolve(ctx: click.Context, formats: Sequence[str] | None) -> Options:
    fmt = _given(ctx, "fmt")
    if fmt is not None and (formats is None or fmt not in formats):
        if not formats:
            raise click.UsageError(f"`{ctx.command_path}` takes no --format", ctx=ctx)
        raise click.UsageError(
            f"`{ctx.command_path}` takes --format {' or '.join(formats)}, not {fmt!r}", ctx=ctx
        )
    quiet, verbose = bool(_given(ctx, "quiet")), bool(_given(ctx, "verbose"))
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose exclude each other", ctx=ctx)
    output.configure(verbosity=-1 if quiet else 1 if verbose else 0, color=_given(ctx, "color"))
    config = _given(ctx, "config") or os.environ.get(_ENV["config"]) or None
    db = _given(ctx, "db") or os.environ.get(_ENV["db"]) or None
    return Options(config=config, db=db, fmt=fmt or "text")


def shared_options(formats: Sequence[str] | None = None) -> Callable[[F], F]:
    """The shared options, accepted after the command's name as well as before it; the command
    receives them resolved as `opts` (`formats`: the --format values it prints, None if none)."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name in _SHARED:
                kwargs.pop(name, None)
            return func(*args, opts=_resolve(click.get_current_context(), formats), **kwargs)

        return _shared_params(wrapper)  # type: ignore[return-value]

    return decorate


def handled(func: F) -> F:
    """TrackerError, or a fault of the storage met anywhere in the command (a full disk, a lock
    held too long, a damaged page: `tracker.storage.storage_faults`) → one line `Error: …` on stderr and
    exit 1, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrackerError as exc:
            raise click.ClickException(output.error_text(str(exc))) from None
        except sqlite3.Error as exc:
            from tracker.storage.connect import BUSY_TIMEOUT_MS

            opts = kwargs.get("opts")
            where = (opts.db if isinstance(opts, Options) else None) or DEFAULT_DB
            text = storage_faults.describe(exc, where, busy_wait=BUSY_TIMEOUT_MS / 1000)
            raise click.ClickException(output.error_text(text)) from None

    return wrapper  # type: ignore[return-value]


def check_option(func: F) -> F:
    """`--check`: the reading commands check the store's pages before answering."""
    return click.option(
        "--check",
        "check",
        is_flag=True,
        help="Check the store's pages first (PRAGMA quick_check) and refuse a damaged store.",
    )(func)


@contextmanager
def open_store(paths: Paths, *, readonly: bool, check: bool = False) -> Iterator[Store]:
    """The store alone, for the commands that need no configuration (verify, events, prune, reset)."""
    from tracker.storage.store import Store

    store = Store.open(paths.db, readonly=readonly, create=False, check=check)
    try:
        yield store
    finally:
        store.close()


# Where each command lives; its module is imported only when that command runs or `--help` lists
# them all, so a command pays for its own imports and no other's. `test_cli` checks it is complete.
COMMAND_MODULES = {
    "alerts": "tracker.cli.alerts",
    "assert": "tracker.cli.interpretation",
    "changes": "tracker.cli.changes",
    "daemon": "tracker.cli.polling",
    "demo": "tracker.cli.reading",
    "eval": "tracker.cli.interpretation",
    "events": "tracker.cli.reading",
    "feeds": "tracker.cli.feedlist",  # the group is in `polling`, its editing commands here
    "fetch": "tracker.cli.polling",
    "prune": "tracker.cli.polling",
    "rebuild": "tracker.cli.interpretation",
    "report": "tracker.cli.reading",
    "retract": "tracker.cli.interpretation",
    "serve": "tracker.cli.serve",
    "verify": "tracker.cli.reading",
}


class LazyGroup(click.Group):
    """A group whose commands register themselves when `COMMAND_MODULES` names their module."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES.keys() | self.commands.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_MODULES:  # even when registered: `feeds` gets its subcommands here
            importlib.import_module(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="tracker")
@_shared_params
def main(**shared: Any) -> None:
    """Track developing news stories: poll feeds into an append-only log, fold it into the
    sourced state of tracked subjects and a dated timeline.

    The options above are shared: each may also follow a command's name."""
