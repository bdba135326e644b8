"""`tracker daemon`: unattended polling on schedule (see service.py for the design).

service.py    the scheduler, signals, reload, drain, storage pauses
catchup.py    interpretation projections caught up in a thread of their own
lock.py       one daemon per store (flock on <db>.lock)
heartbeat.py  the liveness row `tracker feeds` reads
clockwatch.py wall-clock jumps, detected against the monotonic clock
storage.py    telling a full or read-only disk from other errors
log.py        one line per poll, text or JSON, repeats rate-limited
"""

from tracker.daemon.service import Daemon, DaemonOptions, run_daemon

__all__ = ["Daemon", "DaemonOptions", "run_daemon"]
