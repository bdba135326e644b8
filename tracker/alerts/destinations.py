"""Sending one payload to one destination: a webhook (JSON POST), a command (JSON on stdin) or
any service Apprise supports (an optional extra, imported only when an `apprise` alert sends).

A destination the user wrote in `[[alerts]]` is trusted as written, loopback and private
addresses included, unlike the addresses a feed leads to: nothing here follows a redirect, so
only that destination is ever contacted. Every attempt is bounded by the alert's `timeout`.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from tracker import __version__
from tracker.alerts.settings import AlertConfig
from tracker.clock import parse_duration
from tracker.errors import TrackerError


class DeliveryFailed(Exception):
    """One attempt failed; the message says why (it is recorded and shown by `tracker alerts`)."""


def send(alert: AlertConfig, payload: dict[str, Any]) -> None:
    """Deliver `payload` to the alert's destination, or raise DeliveryFailed."""
    body = dict(payload, alert=alert.id)
    timeout = float(parse_duration(alert.timeout))
    if alert.webhook is not None:
        _post(alert.webhook, body, timeout)
    elif alert.command is not None:
        _run(alert.command, body, timeout)
    else:
        _apprise(alert.apprise or "", body)


def _post(url: str, body: dict[str, Any], timeout: float) -> None:
    import tracker.net  # noqa: F401  (first: it keeps httpx's own command-line client unloaded)

    # isort: split
    import httpx  # the polling library; loaded only when a webhook is due

    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(body["key"]),
        "User-Agent": f"tracker/{__version__} (alerts)",
    }
    try:
        response = httpx.post(
            url,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}")


def _run(command: tuple[str, ...], body: dict[str, Any], timeout: float) -> None:
    env_key = {"TRACKER_ALERT_KEY": str(body["key"]), "TRACKER_ALERT_ID": str(body["alert"])}
    try:
        result = subprocess.run(
            list(command),
            input=json.dumps(body, ensure_ascii=False).encode(),
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **env_key},
            check=False,
        )
    except FileNotFoundError:
        raise DeliveryFailed(f"command not found: {command[0]}") from None
    except subprocess.TimeoutExpired:
        raise DeliveryFailed(f"command did not finish within {timeout:g}s") from None
    except OSError as exc:
        raise DeliveryFailed(f"command failed to start: {exc.strerror}") from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise DeliveryFailed(f"command exited {result.returncode}: {detail[0][:200]}")


def _apprise(url: str, body: dict[str, Any]) -> None:
    try:
        import apprise  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise TrackerError(
            "apprise alerts need the optional Apprise library: pip install 'tracker[alerts]'"
        ) from None
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryFailed("Apprise does not understand this URL")
    lines = [str(body["text"])]
    lines += [f"“{item['sentence']}”" for item in body.get("evidence", [])[:1]]
    lines += list(body.get("sources", []))[:3]
    if not notifier.notify(title=f"tracker: {body['title']}", body="\n".join(lines)):
        raise DeliveryFailed("Apprise could not notify")
