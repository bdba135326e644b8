"""Commands that edit the feed list in feeds.toml, in place: `feeds add`, `feeds remove`,
`feeds import FILE.opml`, `feeds export`."""

from __future__ import annotations

from pathlib import Path

import click

from tracker import output
from tracker.cli.group import Options, handled, shared_options
from tracker.cli.polling import feeds
from tracker.cliparams import FilePath
from tracker.completion import complete_feed_ids


@feeds.command("add")
@click.argument("url")
@click.option("--id", "feed_id", metavar="ID", help="Feed id (default: derived from the URL).")
@click.option("--title", metavar="TEXT", help="Title shown in reports.")
@click.option("--interval", metavar="DURATION", help='How often to poll: "90s", "15m", "2h", "1d".')
@click.option("--tags", metavar="TAG,TAG", help="Comma-separated labels (`tracker fetch --tag`).")
@shared_options()
@handled
def feeds_add(
    url: str,
    feed_id: str | None,
    title: str | None,
    interval: str | None,
    tags: str | None,
    opts: Options,
) -> None:
    """Add a feed to feeds.toml, keeping its comments.

    Appends a [[feeds]] table after the last one (creating the file if missing); the id is derived
    from the URL's host and path unless --id is given."""
    from tracker.feedlist.manage import add_feed
    from tracker.feedlist.naming import parse_tags

    path = opts.paths().config
    feed = add_feed(path, url, feed_id=feed_id, title=title, interval=interval, tags=parse_tags(tags or ""))
    output.note(f"{path}: added feed {feed.id!r} ({feed.url})")


@feeds.command("remove")
@click.argument("feed_id", metavar="ID", shell_complete=complete_feed_ids)
@shared_options()
@handled
def feeds_remove(feed_id: str, opts: Options) -> None:
    """Remove a feed from feeds.toml, keeping the rest as written.

    Takes its table and the comment lines directly above it. Its events stay in the store: the
    log is never edited."""
    from tracker.feedlist.manage import remove_feed

    path = opts.paths().config
    feed = remove_feed(path, feed_id)
    output.note(f"{path}: removed feed {feed.id!r} ({feed.url})")


@feeds.command("import")
@click.argument("opml_file", metavar="FILE.opml", type=FilePath(dir_okay=False, path_type=Path))
@shared_options()
@handled
def feeds_import(opml_file: Path, opts: Options) -> None:
    """Add the feeds of an OPML file; categories become tags.

    URLs already listed are skipped, with a note on stderr."""
    from tracker.feedlist.manage import import_opml

    path = opts.paths().config
    result = import_opml(path, opml_file)
    for line in result.skipped:
        output.note(f"skipped {line}")
    output.note(f"{path}: {len(result.added)} feeds added, {len(result.skipped)} skipped")


@feeds.command("export")
@shared_options()
@handled
def feeds_export(opts: Options) -> None:
    """Print the feed list as OPML 2.0, tags as categories."""
    from tracker.feedlist.manage import export_opml

    cfg = opts.paths().load_config()
    output.echo(export_opml(cfg).decode("utf-8").rstrip("\n"))
