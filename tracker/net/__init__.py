"""The network edge: the HTTP client that fetches feeds (conditional GET, bounded bodies and
decompression, redirects checked hop by hop), the address guard that keeps a feed from reaching
inside the network, and HTTP date parsing."""

import sys

# `import httpx` also imports httpx's own command-line client, and with it click, rich and pygments
# when they are installed (as here). No process of ours runs that client: marked absent, the import
# fails the way httpx expects when they are missing, and it puts a stub in its place.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
