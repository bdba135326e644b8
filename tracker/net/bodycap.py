"""A body reader with a cap on decoded bytes: gzip is inflated in bounded steps, so a compression
bomb stops at the cap instead of being inflated whole in memory. Pure: fed bytes, no I/O."""

from __future__ import annotations

import zlib

from tracker.errors import BodyTooLarge, FetchError, UnsupportedEncoding

_CHUNK = 64 * 1024  # most bytes the inflater may produce per step
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_GZIP_MAGIC = b"\x1f\x8b"


def body_reader(content_length: str | None, content_encoding: str | None, cap: int) -> BoundedBody:
    """The reader for a body with these headers: refused at once when its declared length is over
    the cap or its coding is not gzip (the only one requested)."""
    if content_length is not None and content_length.strip().isdigit() and int(content_length) > cap:
        raise BodyTooLarge(f"Content-Length {int(content_length):,} over the {cap:,}-byte cap")
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if codings and codings != ["gzip"] and codings != ["x-gzip"]:
        raise UnsupportedEncoding(f"Content-Encoding {', '.join(codings)[:40]!r} not requested")
    return BoundedBody(gzip=bool(codings), cap=cap)


class BoundedBody:
    """Accumulates a body, inflating gzip in steps of at most `_CHUNK` bytes so output stops at the cap."""

    def __init__(self, gzip: bool, cap: int) -> None:
        self._cap = cap
        self._out = bytearray()
        self._inflater = zlib.decompressobj(_GZIP_WBITS) if gzip else None
        self._pending = b""  # start of a possible next gzip member, split across reads
        self._trailing = False  # bytes after the gzip stream that are not another member: ignored

    def feed(self, data: bytes) -> None:
        if self._inflater is None:
            self._append(data)
            return
        data = self._pending + data
        self._pending = b""
        while data and not self._trailing:
            if self._inflater.eof:  # concatenated gzip members are one body
                if len(data) < len(_GZIP_MAGIC):
                    self._pending = data
                    return
                if not data.startswith(_GZIP_MAGIC):
                    self._trailing = True
                    return
                self._inflater = zlib.decompressobj(_GZIP_WBITS)
            self._append(self._inflate(data))
            data = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail

    def finish(self) -> bytes:
        if self._inflater is not None:
            # Output still held back by the step limit; a truncated stream yields what it decoded.
            while not self._inflater.eof and (piece := self._inflate(b"")):
                self._append(piece)
        return bytes(self._out)

    def _inflate(self, data: bytes) -> bytes:
        assert self._inflater is not None
        try:
            return self._inflater.decompress(data, _CHUNK)
        except zlib.error:
            raise FetchError("corrupt gzip body") from None

    def _append(self, piece: bytes) -> None:
        self._out += piece
        if len(self._out) > self._cap:
            raise BodyTooLarge(f"body over the {self._cap:,}-byte cap")
