"""Alerts: a reactor that announces changes of the story to the destinations in `[[alerts]]`.

`settings` (the feeds.toml tables), `announce` (changes → payloads, pure), `outbox` (the
reactor's checkpoint and delivery record, SQL), `reactor` (record what changed, then deliver),
and `destinations` (webhook, command, Apprise). The daemon runs it in a thread of its own
(`tracker.daemon.alerting`).
"""
