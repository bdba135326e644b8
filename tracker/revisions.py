"""Which changes of a known entry become a revision in the log. Pure: no I/O.

- **Boring changes are no revision**: an entry whose title, link and text differ from the stored
  version only in whitespace, in tracking parameters of its link (`utm_*`, `fbclid`…), or in
  times written into its text (a time of day, an ISO timestamp, "5 minutes ago") is unchanged.
- **Churn is rate-limited**: an entry's first `FREE_REVISIONS` revisions are always recorded
  (corrections come in bursts); after that, at most one per period, the period a quarter of the
  entry's age, between an hour and a week. A change that comes sooner is not recorded (it is
  counted), and the version recorded when the period is over is the entry as it then is: the
  latest text is never lost, only intermediate ones. A feed that rewrites all its entries on every
  poll thus adds a few revisions per entry and then about log(age) more, not one per poll.
  (Feed readers bound the same thing: lemon24/reader stops after 24 changes of one entry.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FREE_REVISIONS = 3
MIN_PERIOD = timedelta(hours=1)
MAX_PERIOD = timedelta(days=7)

_TRACKING = re.compile(
    r"utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"ocid|cmpid|icid|at_medium|at_campaign|__twitter_impression",
    re.IGNORECASE,
)
_TIMES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"  # ISO timestamp
    r"|\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|MSK))?\b"
    r"|\b\d+\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)\s+ago\b",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def same_content(stored: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """Whether an entry's fields (`title`, `link`, `summary`, `content`) say what the stored
    version's say, boring changes aside."""
    return _plain(stored) == _plain(entry)


def due(revisions: int, first_seen: datetime, last_recorded: datetime, now: datetime) -> bool:
    """Whether an entry already revised `revisions` times may be revised again at `now`."""
    if revisions < FREE_REVISIONS:
        return True
    period = min(MAX_PERIOD, max(MIN_PERIOD, (now - first_seen) / 4))
    return now - last_recorded >= period


def _plain(fields: Mapping[str, Any]) -> tuple[str, ...]:
    link = _untracked(str(fields.get("link") or "").strip())
    return (link, *(_words(str(fields.get(name) or "")) for name in ("title", "summary", "content")))


def _words(text: str) -> str:
    return _SPACE.sub(" ", _TIMES.sub("", text)).strip()


def _untracked(link: str) -> str:
    """The link without the query parameters that only track who clicked it."""
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.fullmatch(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))
