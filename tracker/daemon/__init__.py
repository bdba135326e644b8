"""`tracker daemon`: unattended polling on schedule (see service.py for the design).

service.py    the thin service: wires the parts below, signals, drain
jobs.py       the job table: one APScheduler job per feed, when each runs next, reloads applied whole
polljob.py    what one scheduled run of one feed does, and the line it logs
reload.py     a reload as a pure diff of old and new configuration into actions
outage.py     full disk, read-only file, I/O errors: pause polling, probe, resume
wal.py        a WAL that keeps growing: checkpoint it, or warn that a reader blocks it
catchup.py    interpretation projections caught up in a thread of their own
alerting.py   the alert reactor's thread: record what changed, deliver it
background.py the loop both threads run, each on its own store connection
lock.py       one daemon per store, by the database file's identity (flocks)
heartbeat.py  the liveness row `tracker feeds` reads
clockwatch.py wall-clock jumps, detected against the monotonic clock
storage.py    telling a full or read-only disk from other errors
log.py        one line per poll, text or JSON, repeats rate-limited
"""

from tracker.daemon.service import Daemon, DaemonOptions, run_daemon

__all__ = ["Daemon", "DaemonOptions", "run_daemon"]
