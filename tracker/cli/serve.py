"""`tracker serve`: the store in Datasette, read-only, with tracker's titles, descriptions and
canned queries (the optional extra `tracker[serve]`)."""

from __future__ import annotations

import importlib.util
import json
from importlib.resources import files
from typing import Any

import click

from tracker import output
from tracker.cli.group import Options, handled, main, shared_options
from tracker.errors import StoreNotFound, TrackerError


def datasette_metadata(database: str) -> dict[str, Any]:
    """The shipped metadata, keyed by the name Datasette gives this database (its file's stem)."""
    metadata: dict[str, Any] = json.loads(
        (files("tracker") / "datasette" / "metadata.json").read_text("utf-8")
    )
    metadata["databases"] = {database: metadata["databases"]["events"]}
    return metadata


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@shared_options()
@handled
def serve(host: str, port: int, opts: Options) -> None:
    """Browse the store in Datasette (read-only), with views and canned queries described."""
    if importlib.util.find_spec("datasette") is None:
        raise TrackerError("tracker serve needs Datasette: pip install 'tracker[serve]'")
    path = opts.paths().db
    if not path.is_file():
        raise StoreNotFound(f"{path}: no such database (run `tracker fetch` or `tracker demo` first)")
    import uvicorn  # type: ignore[import-not-found,unused-ignore]  # Datasette's own server
    from datasette.app import Datasette  # type: ignore[import-untyped,import-not-found,unused-ignore]

    output.note(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C stops)")
    # Datasette opens a database file read-only (mode=ro); one process, so stopping it stops all.
    app = Datasette([str(path)], metadata=datasette_metadata(path.stem)).app()
    uvicorn.run(app, host=host, port=port, log_level="warning")
