"""The text report on a terminal: the same lines as when piped, so the same sections, with bold
headings and, where the terminal supports them, URLs as OSC 8 hyperlinks.

A URL is always printed whole on a line of its own, never wrapped or folded, so it can be
clicked or copied. Only a line that is exactly one validated http(s) URL (on an evidence line,
followed by the fact's short id) becomes a hyperlink, and its visible label is that same URL:
feed text never chooses where a link points, nor hides it behind other words. `NO_COLOR` (any
value) turns styling and hyperlinks off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

BOLD, RESET = "\x1b[1m", "\x1b[0m"
HEADINGS = {"SUBJECTS", "TIMELINE", "RETRACTED (not counted)", "LATEST COVERAGE"}
# Printable ASCII only: no spaces, no escapes; evidence lines end with the fact's short id.
_URL_LINE = re.compile(r"^(\s*)(https?://[!-~]+)( \[fact [0-9a-f]{1,8}\])?$")


def wants_color(env: Mapping[str, str] | None = None) -> bool:
    """Styling on a terminal unless NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    env = os.environ if env is None else env
    return "NO_COLOR" not in env and env.get("TERM") != "dumb"


def supports_hyperlinks(env: Mapping[str, str] | None = None) -> bool:
    """Terminals known to render OSC 8 links; others would show nothing different, or garbage."""
    env = os.environ if env is None else env
    if env.get("TERM_PROGRAM") in {"iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper"}:
        return True
    if env.get("TERM") in {"xterm-kitty", "xterm-ghostty", "foot", "wezterm"} or "KITTY_WINDOW_ID" in env:
        return True
    if "WT_SESSION" in env or "DOMTERM" in env:
        return True
    vte = env.get("VTE_VERSION", "")
    return vte.isdigit() and int(vte) >= 5000


def safe_url(text: str) -> str | None:
    """`text` if it is an http(s) URL with a host and nothing that could escape a terminal string."""
    match = _URL_LINE.match(text)
    if not match or match.group(3):
        return None
    url = match.group(2)
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname and "\x1b" not in url else None


def hyperlink(url: str) -> str:
    """An OSC 8 link whose label is the URL itself."""
    return f"\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\"


def style(plain: str, *, color: bool, links: bool) -> str:
    """Decorate the plain report's lines (already neutralised: they hold no escape of their own)."""
    if not (color or links):
        return plain
    out = []
    for number, line in enumerate(plain.splitlines()):
        match = _URL_LINE.match(line)
        if links and match and safe_url(match.group(2)):
            out.append(match.group(1) + hyperlink(match.group(2)) + (match.group(3) or ""))
        elif color and (number == 0 or line in HEADINGS):
            out.append(f"{BOLD}{line}{RESET}")
        else:
            out.append(line)
    return "\n".join(out)


def render_terminal(plain: str, env: Mapping[str, str] | None = None, *, color: bool | None = None) -> str:
    """`color`: None asks the environment (NO_COLOR, TERM); True when a flag already decided."""
    color = wants_color(env) if color is None else color
    return style(plain, color=color, links=color and supports_hyperlinks(env))
