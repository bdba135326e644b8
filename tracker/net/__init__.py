"""The network edge: the HTTP client that fetches feeds (conditional GET, bounded bodies and
decompression, redirects checked hop by hop), the address guard that keeps a feed from reaching
inside the network, and HTTP date parsing."""
