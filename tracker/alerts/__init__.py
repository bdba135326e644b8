"""Alerts: a reactor that announces changes of the story to the destinations in `[[alerts]]`.

`settings` (the feeds.toml tables), `announce` (changes → payloads, pure), `outbox` (the
reactor's checkpoint and delivery record, SQL), `reactor` (record what changed, then deliver),
`destinations` (webhook, command, Apprise) and `worker` (the daemon's thread).
"""
