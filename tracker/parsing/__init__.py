"""Feed bodies → entries, safely.

feed.py      bytes → ParsedFeed (feedparser behind defusedxml); pure, no I/O
jsonfeed.py  JSON Feed documents, which feedparser does not read; pure, no I/O
worker.py    the worker process that runs feed.py under an address-space limit
pool.py      the pool of killable, time-limited worker processes that callers parse through
"""
