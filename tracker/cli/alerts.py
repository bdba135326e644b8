"""`tracker alerts` (the configured destinations with their last delivery) and
`tracker alerts test [ID]` (send a sample to check a destination)."""

from __future__ import annotations

from typing import Any

import click

from tracker import output
from tracker.cli.group import DATA_FORMATS, Options, handled, main, open_store, shared_options
from tracker.errors import ConfigError, StoreNotFound, TrackerError


@main.group(invoke_without_command=True)
@shared_options(DATA_FORMATS)
@click.pass_context
@handled
def alerts(ctx: click.Context, opts: Options) -> None:
    """The [[alerts]] destinations, with their deliveries: made, pending, last error."""
    if ctx.invoked_subcommand is not None:
        return
    from tracker.alerts import reactor

    paths = opts.paths()
    cfg = paths.load_config()
    try:
        with open_store(paths, readonly=True) as store:
            statuses = reactor.status(store)
    except StoreNotFound:
        statuses = {}
    rows: list[dict[str, Any]] = []
    for alert in cfg.alerts:
        status = statuses.get(alert.id)
        rows.append(
            {
                "id": alert.id,
                "destination": alert.destination,
                "subjects": list(alert.subjects) if alert.subjects is not None else None,
                "on": list(alert.on),
                "delivered": status.delivered if status else 0,
                "pending": status.pending if status else 0,
                "last_delivered_at": status.last_delivered_at if status else None,
                "next_attempt_at": status.next_attempt_at if status and status.pending else None,
                "last_error": status.last_error if status and status.pending else None,
            }
        )
    if opts.fmt == "json":
        output.echo_json(rows)
        return
    if not rows:
        output.note(f"{cfg.source}: no [[alerts]] tables")
    output.table(
        None,
        ["id", "destination", "subjects", "on", "delivered", "pending", "last delivered", "last error"],
        [
            (
                r["id"],
                r["destination"],
                ", ".join(r["subjects"]) if r["subjects"] is not None else "all",
                ", ".join(r["on"]),
                r["delivered"],
                r["pending"],
                r["last_delivered_at"] or "never",
                r["last_error"] or "",
            )
            for r in rows
        ],
    )


@alerts.command("test")
@click.argument("alert_id", required=False, metavar="[ID]")
@shared_options()
@handled
def alerts_test(alert_id: str | None, opts: Options) -> None:
    """Send a sample alert (marked as a test) to one destination, or to every one."""
    from tracker.alerts import reactor
    from tracker.alerts.destinations import DeliveryFailed

    cfg = opts.paths().load_config()
    chosen = [a for a in cfg.alerts if alert_id is None or a.id == alert_id]
    if not chosen:
        known = ", ".join(a.id for a in cfg.alerts) or "none"
        raise ConfigError(
            f"{cfg.source}: no alert {alert_id!r} (known: {known})"
            if alert_id
            else f"{cfg.source}: no [[alerts]] tables"
        )
    failed = 0
    for alert in chosen:
        try:
            reactor.send_sample(alert)
        except DeliveryFailed as exc:
            failed += 1
            output.note(f"{alert.id}: FAILED: {output.error_text(str(exc))}")
        else:
            output.note(f"{alert.id}: sample delivered ({alert.destination})")
    if failed:
        raise TrackerError(f"{failed} of {len(chosen)} destinations failed")
