"""The operations behind `tracker feeds add|remove|import|export`.

An edit reads feeds.toml (a missing file is an empty one), validates the document it would write
with the same code that loads feeds.toml (so errors read the same: file, table, key), edits the
text (`feedsfile`), checks that the edited text parses to exactly that document, and replaces the
file atomically (temporary file, fsync, rename). On any error the file is untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit

from tracker.config import DEFAULT_INTERVAL, Config, FeedConfig, load_config, parse_config
from tracker.errors import ConfigError
from tracker.feedlist import feedsfile
from tracker.feedlist.naming import derive_feed_id, unique_tags
from tracker.feedlist.opml import OpmlFeed, read_opml, write_opml

_FEED_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: tuple[FeedConfig, ...]
    skipped: tuple[str, ...]  # one line per outline left out, saying why


def add_feed(
    path: Path,
    url: str,
    *,
    feed_id: str | None = None,
    title: str | None = None,
    interval: str | None = None,
    tags: Sequence[str] = (),
) -> FeedConfig:
    """Append one `[[feeds]]` table; the id is derived from the URL when not given."""
    current = _load(path)
    for index, feed in enumerate(current.feeds):
        if feed.url == url:
            raise ConfigError(f"{path}: feeds[{index}] (id {feed.id!r}): url: {url} is already listed")
    table = _table(
        feed_id or derive_feed_id(url, {f.id for f in current.feeds}), url, title, interval, unique_tags(tags)
    )
    config = _edit(path, lambda text, feeds: _appended(text, feeds, [table]))
    return config.feeds[-1]


def remove_feed(path: Path, feed_id: str) -> FeedConfig:
    """Remove the feed's table and the comments directly above it."""
    current = _load(path)
    feed = current.feed(feed_id)
    index = current.feeds.index(feed)
    _edit(path, lambda text, feeds: _removed(text, feeds, index))
    return feed


def import_opml(path: Path, opml_path: Path) -> ImportResult:
    """Add every feed of an OPML file whose URL is not listed yet."""
    try:
        data = opml_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{opml_path}: cannot read: {exc.strerror}") from None
    current = _load(path)
    listed = {feed.url: feed.id for feed in current.feeds}
    taken = set(listed.values())
    tables: list[dict[str, Any]] = []
    skipped: list[str] = []
    for outline in read_opml(data, str(opml_path)):
        if outline.url in listed:
            skipped.append(f"{outline.url}: already listed as {listed[outline.url]!r}")
            continue
        if urlsplit(outline.url).scheme not in ("http", "https"):
            skipped.append(f"{outline.url}: not an http:// or https:// URL")
            continue
        wanted = outline.feed_id
        feed_id = wanted if wanted and set(wanted) <= _FEED_ID_CHARS and wanted not in taken else None
        table = _table(
            feed_id or derive_feed_id(outline.url, taken),
            outline.url,
            outline.title,
            outline.interval,
            outline.tags,
            publisher=outline.publisher,
            enabled=outline.enabled,
        )
        tables.append(table)
        listed[outline.url] = table["id"]
        taken.add(table["id"])
    if not tables:
        return ImportResult((), tuple(skipped))
    config = _edit(path, lambda text, feeds: _appended(text, feeds, tables))
    return ImportResult(config.feeds[-len(tables) :], tuple(skipped))


def export_opml(config: Config) -> bytes:
    """The feed list as OPML 2.0, tags as categories."""
    feeds = [
        OpmlFeed(
            url=feed.url,
            title=feed.title,
            tags=feed.tags,
            feed_id=feed.id,
            interval=feed.interval,
            publisher=feed.publisher,
            enabled=feed.enabled,
        )
        for feed in config.feeds
    ]
    return write_opml(feeds, "tracker feeds", default_interval=DEFAULT_INTERVAL)


def _table(
    feed_id: str,
    url: str,
    title: str | None,
    interval: str | None,
    tags: Sequence[str],
    *,
    publisher: str | None = None,
    enabled: bool = True,
) -> dict[str, Any]:
    """A `[[feeds]]` table in the order feeds.toml is documented in, without defaults."""
    table: dict[str, Any] = {"id": feed_id}
    if title:
        table["title"] = title
    table["url"] = url
    optional = {"interval": interval, "publisher": publisher, "tags": list(tags) or None}
    table.update({key: value for key, value in optional.items() if value is not None})
    if not enabled:
        table["enabled"] = False
    return table


# --- reading, checking and writing the file ------------------------------------------------------

_Edit = Callable[[str, list[dict[str, Any]]], tuple[str, list[dict[str, Any]]]]


def _load(path: Path) -> Config:
    return load_config(path) if path.exists() else Config(path=path)


def _edit(path: Path, edit: _Edit) -> Config:
    """Apply `edit` (text, feed tables → new text, intended feed tables), validate, write."""
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    document = tomllib.loads(text)
    new_text, feeds = edit(text, list(document.get("feeds", [])))
    intended = {key: value for key, value in document.items() if key != "feeds"}
    intended["feeds"] = feeds
    config = parse_config(intended, path)
    try:
        edited = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        edited = {}
    if _dropping_empty_feeds(edited) != _dropping_empty_feeds(intended):
        raise ConfigError(f"{path}: feeds: this file's layout cannot be edited safely; edit it by hand")
    _write_atomically(path, new_text)
    return config


def _dropping_empty_feeds(document: dict[str, Any]) -> dict[str, Any]:
    """No `feeds` key and `feeds = []` say the same."""
    return {key: value for key, value in document.items() if key != "feeds" or value}


def _appended(
    text: str, feeds: list[dict[str, Any]], tables: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    intended = [*feeds, *tables]
    if feeds and feedsfile.feed_table_count(text) != len(feeds):  # written inline: feeds = [{…}]
        return _edit_inline(text, lambda array: array.extend(_inline(table) for table in tables)), intended
    rendered = [feedsfile.render_feed_table(table) for table in tables]
    return feedsfile.append_feeds(text, rendered), intended


def _removed(text: str, feeds: list[dict[str, Any]], index: int) -> tuple[str, list[dict[str, Any]]]:
    remaining = feeds[:index] + feeds[index + 1 :]
    if feedsfile.feed_table_count(text) != len(feeds):  # written inline: feeds = [{…}]
        return _edit_inline(text, lambda array: array.pop(index)), remaining
    return feedsfile.remove_feed(text, index), remaining


def _inline(table: dict[str, Any]) -> Any:
    inline = tomlkit.inline_table()
    inline.update(table)
    return inline


def _edit_inline(text: str, change: Callable[[Any], object]) -> str:
    """`feeds = [{…}, …]` written inline: tomlkit edits the array in place."""
    document = tomlkit.parse(text)
    change(document["feeds"])
    return tomlkit.dumps(document)


def _write_atomically(path: Path, text: str) -> None:
    target = Path(os.path.realpath(path))  # a symlinked feeds.toml stays a symlink
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
