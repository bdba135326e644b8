"""Feed bodies → entries, safely.

feed.py    bytes → ParsedFeed (feedparser behind defusedxml; JSON Feed); pure, no I/O
worker.py  the worker process that runs feed.py under an address-space limit
pool.py    the pool of killable, time-limited worker processes that callers parse through
"""
