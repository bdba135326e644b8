"""Renderers of the report data: text (the same lines on a terminal as when piped, styled there by
`terminal.py`), JSON, Markdown and HTML. Every string from a feed passes through `neutralise`
(text) or is escaped (Markdown, HTML)."""

from __future__ import annotations

import re
import string
import textwrap
from datetime import date
from typing import Any

from tracker.fold import DEFINITION
from tracker.output import json_text, neutralise
from tracker.textsafe import link_url

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def render(report: dict[str, Any], fmt: str, *, terminal: bool = False, color: bool | None = None) -> str:
    """`terminal`: styled for a terminal; `color`: True when the caller already chose to style
    (a --color flag wins over NO_COLOR), None to ask the environment."""
    if fmt == "json":
        return json_text(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        from tracker.report.html import render_html

        return render_html(report)
    if terminal:
        from tracker.report.terminal import render_terminal

        return render_terminal(render_plain(report), color=color)
    return render_plain(report)


def show_date(iso: str | None, precision: str = "day") -> str:
    """2025-09-11 → "2025-09-11"; month precision → "Sep 2025"; year → "2025"."""
    if not iso:
        return "undated"
    day = date.fromisoformat(iso[:10])
    if precision == "month":
        return f"{_MONTHS[day.month - 1]} {day.year}"
    if precision == "year":
        return str(day.year)
    return day.isoformat()


def short_id(fact_id: str) -> str:
    """A fact id as the text report shows it: the first 8 hex digits (`tracker retract` takes it)."""
    return (fact_id.partition(":")[2] or fact_id)[:8]


NOTHING_FETCHED = (
    "Nothing has been fetched successfully yet (`tracker feeds` says why): "
    "every state below is a subject's starting point."
)


def _nothing_fetched(report: dict[str, Any]) -> bool:
    return bool(report.get("articles", len(report["coverage"])) == 0)


def _clean(value: object) -> str:
    return neutralise("" if value is None else str(value))


def head_line(report: dict[str, Any]) -> str:
    """The log head the report was built from: `tracker verify --checkpoint` takes it as given."""
    head = report.get("head")
    if not head:
        return ""
    position = head["position"]
    return f"Built from the event log up to position {position}: checkpoint {position}:{head['hash']}"


def heading(report: dict[str, Any]) -> str:
    text = "Story report"
    if report.get("as_of"):
        text += f", as of the end of {report['as_of']}"
    if report.get("known_at"):
        text += f", as known at {report['known_at']}"
    if report.get("since"):
        text += f"; timeline entries recorded since {report['since']}"
    return text


def subject_status(subject: dict[str, Any]) -> str:
    if subject["kind"] == "tally":
        status = f"{subject['total']} in total"
        if subject.get("since"):
            status += f", last on {show_date(subject['since'], subject['date_precision'])}"
        return status
    if subject.get("state") is None:
        return "no state yet"
    since = show_date(subject["since"], subject["date_precision"])
    status = f"{_clean(subject.get('state_label') or subject['state'])} since {since}"
    return status + (" (analyst)" if subject.get("analyst") else "")


def entry_change(entry: dict[str, Any]) -> str:
    text = _clean(entry["summary"])
    if entry["kind"] == "reaffirmed":
        text += " (again)"
    if entry.get("analyst"):
        text += " (analyst)"
    return text


def outlet_names(item: dict[str, Any]) -> list[str]:
    """The distinct outlets reporting a subject's state or an entry (retellings and the subject's
    own definition are not corroboration), sorted."""
    sources = [s for s in item["sources"] if not s.get("retrospective") and s["feed"] != DEFINITION]
    return sorted({_clean(s["publisher"]) for s in sources})


def _outlets(item: dict[str, Any]) -> str:
    if item.get("kind") == "initial":
        return "starting point, from the subject's definition"
    publishers = outlet_names(item)
    if not publishers:
        return ""
    return f"{len(publishers)} {'outlet' if len(publishers) == 1 else 'outlets'}: {', '.join(publishers)}"


# --- plain text -----------------------------------------------------------------------------------


def render_plain(report: dict[str, Any]) -> str:
    out: list[str] = [heading(report), _clean(head_line(report)), ""]
    if _nothing_fetched(report):
        out += [NOTHING_FETCHED, ""]
    out.append("SUBJECTS")
    for subject in report["subjects"]:
        out.append(f"- {_clean(subject['title'])}: {subject_status(subject)}")
        if subject.get("quote"):
            out.append(f"    quote: “{_clean(subject['quote'])}”")
        for item in subject["evidence"][:3]:
            out.extend(_wrapped(f"“{_clean(item['sentence'])}”", "    "))
            if item.get("url") or item.get("fact_id"):
                out.append(f"      {_source_line(item)}")
        if outlets := _outlets(subject):
            out.append(f"    sources: {len(subject['sources'])} ({outlets})")
        for conflict in subject.get("conflicts", []):
            out.append(f"    CONFLICT: {_conflict_text(conflict)}")
    out += ["", "TIMELINE"]
    for entry in report["timeline"]:
        when = show_date(entry["date"], entry["date_precision"])
        out.append(f"{when:<11} {_clean(entry['subject'])}: {entry_change(entry)}")
        if entry["evidence"]:
            first = entry["evidence"][0]
            out.extend(_wrapped(f"“{_clean(first['sentence'])}”", "            "))
            if first.get("url") or first.get("fact_id"):
                out.append(f"              {_source_line(first)}")
        outlets = _outlets(entry)
        if outlets:
            out.append(f"            {outlets}")
        for conflict in entry.get("conflicts", []):
            out.append(f"            CONFLICT: {_conflict_text(conflict)}")
    if report.get("retracted"):
        out += ["", "RETRACTED (not counted)"]
        for item in report["retracted"]:
            out.append(f"- {_retraction_text(item)}")
    out += ["", "LATEST COVERAGE"]
    for feed in report["coverage"]:
        out.append(f"{_clean(feed['title'])} ({feed['articles']} articles)")
        for article in feed["latest"]:
            out.append(f"  {show_date(article['published'])}  {_clean(article['title'])}")
    if not report["coverage"]:
        out.append("no articles yet: run `tracker fetch`" if _nothing_fetched(report) else "no articles")
    # Every value above was cleaned; this is the backstop for anything added later.
    return neutralise("\n".join(out), multiline=True)


def _source_line(evidence: dict[str, Any]) -> str:
    """The evidence's link and, for the analyst who would retract it, its short fact id."""
    parts = [_clean(evidence["url"])] if evidence.get("url") else []
    if evidence.get("fact_id"):
        parts.append(f"[fact {short_id(evidence['fact_id'])}]")
    return " ".join(parts)


def _retraction_text(item: dict[str, Any]) -> str:
    return f"{short_id(item['fact_id'])} ({_clean(item['subject'])}): {_clean(item['reason'])}"


def _wrapped(text: str, indent: str) -> list[str]:
    # A URL inside a sentence stays whole: long words are never broken.
    lines = textwrap.wrap(
        text,
        width=100,
        initial_indent=indent,
        subsequent_indent=indent + " ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [indent]


def _conflict_text(conflict: dict[str, Any]) -> str:
    what = conflict.get("state") or f"{conflict.get('count')}"
    publishers = sorted({s["publisher"] for s in conflict["sources"]})
    return f"{_clean(what)} according to {', '.join(_clean(p) for p in publishers)}"


# --- Markdown -------------------------------------------------------------------------------------


_MD_ESCAPES = {ord(ch): "\\" + ch for ch in string.punctuation}


def md_text(text: object) -> str:
    """Inert Markdown text: one line (newlines and tabs became spaces, controls escaped), and every
    ASCII punctuation character backslash-escaped, so nothing in it is markup, HTML, an entity or a
    table cell boundary under CommonMark or GFM."""
    return _clean(text).translate(_MD_ESCAPES)


def md_link(title: object, url: str | None) -> str:
    label = md_text(title or url or "source")
    target = link_url(url)
    return f"[{label}]({target})" if target else label


def _md_head(report: dict[str, Any]) -> str:
    head = report.get("head") or {}
    position, digest = head.get("position"), str(head.get("hash"))
    if not isinstance(position, int) or not re.fullmatch("[0-9a-f]{64}", digest):
        return md_text(head_line(report))
    # Digits and hex only: shown as code, so the checkpoint can be copied as it is.
    return f"Built from the event log up to position {position}: checkpoint `{position}:{digest}`"


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"# {md_text(heading(report))}", "", _md_head(report), ""]
    if _nothing_fetched(report):
        lines += [md_text(NOTHING_FETCHED), ""]
    lines += ["## Subjects", ""]
    for subject in report["subjects"]:
        lines.append(f"### {md_text(subject['title'])}")
        lines.append("")
        lines.append(f"**{md_text(subject_status(subject))}**")
        lines.append("")
        for item in subject["evidence"][:3]:
            lines.append(f"> {md_text(item['sentence'])} — {md_link('source', item.get('url'))}")
            lines.append("")
        for conflict in subject.get("conflicts", []):
            lines.append(f"- ⚠ conflict: {md_text(_conflict_text(conflict))}")
        if subject["sources"]:
            lines.append("Sources: " + ", ".join(md_link(s["title"], s["url"]) for s in subject["sources"]))
            lines.append("")
    lines += ["## Timeline", "", "| date | subject | change | sources |", "|---|---|---|---|"]
    for entry in report["timeline"]:
        sources = ", ".join(md_link(s["publisher"], s["url"]) for s in entry["sources"])
        lines.append(
            f"| {show_date(entry['date'], entry['date_precision'])} | {md_text(entry['subject'])} | "
            f"{md_text(entry_change(entry))} | {sources} |"
        )
    if report.get("retracted"):
        lines += ["", "## Retracted (not counted)", ""]
        lines += [f"- {md_text(_retraction_text(item))}" for item in report["retracted"]]
    return "\n".join(lines)
