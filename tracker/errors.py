"""The exceptions tracker raises, in one place. Every exception class of the package is below.

    TrackerError
    ├── ConfigError               feeds.toml or a subject definition is invalid (names file and key)
    ├── StoreError                events.db cannot be used (also: SQLite too old for the schema)
    │   ├── StoreNotFound         a read command was pointed at a file that does not exist
    │   ├── StoreVersionError     the file is not ours, newer than this code, or older and read-only
    │   ├── ConcurrencyError      an expected stream version did not match
    │   └── EventDecodeError      a stored row could not be decoded (names its position)
    ├── ProjectionFailed          a projection raised on an event (it went on past it) or in finish()
    ├── LockHeld                  another daemon owns the store
    ├── LockFileError             the daemon's lock file cannot be created or written (exit 75)
    ├── VerificationFailed        hash chain or integrity check failed (names the position)
    ├── WorkerUnavailable         a worker process would not start, or its pool is closed
    │   ├── workers.pool.WorkerDied   a worker process ended before it answered
    │   └── interpretation.pool.InterpretationFailed  interpretation workers could not be used
    ├── ExtractionFailed          an article page's text could not be extracted within its budget
    └── FeedError                 one poll of one feed failed; recorded, never fatal to a pass
        ├── FetchError            HTTP-level failure
        │   ├── FetchTimeout          the per-feed deadline or a socket timeout expired
        │   ├── ConnectFailed         DNS, refused, reset, TLS
        │   ├── TooManyRedirects      redirect loop or chain over the cap
        │   ├── DestinationRefused    a connection would reach a private address the feed may not
        │   ├── BodyTooLarge          raw or decoded body over the cap (bombs stop here)
        │   ├── UnsupportedEncoding   a Content-Encoding we did not ask for
        │   ├── UnwantedContent       an article page that is not HTML, refused before its body
        │   └── HTTPStatusFailure     a 4xx/5xx answer (carries status and Retry-After)
        ├── ParseError            the body is not a usable feed
        │   ├── NotAFeed              HTML, empty, or otherwise not RSS/Atom/JSON Feed
        │   ├── FeedRejected          refused for safety (entity declarations, nesting)
        │   ├── ParseTimedOut         the parse worker overran its time and was stopped
        │   └── ParseWorkerDied       the parse worker process died (crash, memory limit)
        └── polling._InternalFailure  an unexpected exception while handling one feed (private)

    ValueError
    ├── subjects.patterns.PatternError  a subject pattern cannot be compiled; the subject
    │                                   loader turns it into a ConfigError naming the key
    ├── tables.TableError               a TOML table does not make its dataclass (names the
    │                                   key); the loaders turn it into a ConfigError
    └── tables.FieldError               a dataclass refuses one key's value on construction

    Exception
    ├── alerts.destinations.DeliveryFailed  one delivery attempt failed; recorded, then retried
    ├── net.conditional.Redirected          a redirect the light path hands to the HTTP client
    ├── net.netguard.Refused                a connection the address policy refuses, raised
    │                                       through either HTTP path → DestinationRefused
    ├── net.netguard.Unresolved             the host name does not resolve → ConnectFailed
    ├── extract.text._NotPlain              markup a parser must read, past what was read
    │                                       without one (private; never escapes the module)
    ├── pages.fetching._Failure             one article page could not be had, for now or for
    │                                       good (private; recorded in `page_fetches`)
    └── parsing.fastxml._Decline            the fast path leaves a document to feedparser
                                            (private; never escapes the parser)

    BaseException (so that a library's `except Exception` cannot swallow it)
    └── workers.child.OverBudget  a request over its CPU budget, inside a worker process
                                  (reported as a skipped article or a failed page)

    click.BadParameter (bad usage: exit 2)
    └── cliparams.BadValue        a bad value on the command line: one line, no usage banner


Every FeedError has a short `category` used in the poll log and in feed-health events.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class of every error tracker raises on purpose."""


class WorkerUnavailable(TrackerError):
    """Worker processes (parsing, extraction, interpretation) could not be used."""


class ExtractionFailed(TrackerError):
    """An article page's text could not be extracted (over its CPU or memory budget, a crash).
    `final`: another try would fail the same way."""

    def __init__(self, message: str, *, final: bool) -> None:
        super().__init__(message)
        self.final = final


class ConfigError(TrackerError):
    """Invalid configuration. The message names the file and the key."""


class StoreError(TrackerError):
    """The event store cannot be used as asked."""


class StoreNotFound(StoreError):
    """A read-only command was given a database path that does not exist."""


class StoreVersionError(StoreError):
    """The database is not a tracker store, or was written by a newer tracker."""


class ConcurrencyError(StoreError):
    """An append's expected stream version did not match the stored one."""


class EventDecodeError(StoreError):
    """A stored event row could not be decoded into an event model."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"event at position {position} cannot be decoded: {reason}")
        self.position = position


class ProjectionFailed(TrackerError):
    """A projection raised on the event at `position` (recorded, and skipped) or in its finish()."""

    def __init__(self, name: str, position: int, error: str) -> None:
        super().__init__(f"projection {name} could not apply position {position}: {error}")
        self.name, self.position, self.error = name, position, error


class LockHeld(TrackerError):
    """Another process holds the daemon lock on this store."""


class LockFileError(TrackerError):
    """The daemon's lock file cannot be created or written (a full disk, a read-only directory)."""


class VerificationFailed(TrackerError):
    """The hash chain or SQLite's integrity check found a problem."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class FeedError(TrackerError):
    """One poll of one feed failed. Recorded in the poll log; never stops other feeds."""

    category = "error"


class FetchError(FeedError):
    category = "fetch"


class FetchTimeout(FetchError):
    category = "timeout"


class ConnectFailed(FetchError):
    category = "connect"


class TooManyRedirects(FetchError):
    category = "redirects"


class DestinationRefused(FetchError):
    category = "refused-destination"


class BodyTooLarge(FetchError):
    category = "too-large"


class UnsupportedEncoding(FetchError):
    category = "encoding"


class UnwantedContent(FetchError):
    """A page whose Content-Type is not HTML (a PDF, an image, a binary): refused before its body."""

    category = "content-type"


class HTTPStatusFailure(FetchError):
    """A 4xx/5xx answer. `retry_after` is in seconds when the server sent a usable one."""

    category = "http"

    def __init__(self, status: int, reason: str = "", retry_after: float | None = None) -> None:
        text = f"HTTP {status}" + (f" {reason}" if reason else "")
        super().__init__(text)
        self.status = status
        self.retry_after = retry_after

    @property
    def gone(self) -> bool:
        return self.status == 410


class ParseError(FeedError):
    category = "parse"


class NotAFeed(ParseError):
    category = "not-a-feed"


class FeedRejected(ParseError):
    category = "rejected"


class ParseTimedOut(ParseError):
    category = "parse-timeout"


class ParseWorkerDied(ParseError):
    category = "parse-crash"
