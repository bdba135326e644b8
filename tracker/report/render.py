"""Renderers of the report data: text (rich tables on a terminal, plain when piped), JSON,
Markdown and HTML. Every string from a feed passes through `neutralise` (text) or is escaped
(Markdown, HTML)."""

from __future__ import annotations

import io
import re
import string
import textwrap
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from tracker.fold import DEFINITION
from tracker.output import json_text, neutralise
from tracker.textsafe import link_url

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def render(report: dict[str, Any], fmt: str, *, terminal: bool = False) -> str:
    if fmt == "json":
        return json_text(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        from tracker.report.html import render_html

        return render_html(report)
    return render_rich(report) if terminal else render_plain(report)


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
    return textwrap.wrap(text, width=100, initial_indent=indent, subsequent_indent=indent + " ") or [indent]


def _conflict_text(conflict: dict[str, Any]) -> str:
    what = conflict.get("state") or f"{conflict.get('count')}"
    publishers = sorted({s["publisher"] for s in conflict["sources"]})
    return f"{_clean(what)} according to {', '.join(_clean(p) for p in publishers)}"


# --- rich (terminal) ------------------------------------------------------------------------------


def render_rich(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, markup=False, emoji=False)
    console.print(heading(report), style="bold")
    console.print(_clean(head_line(report)))
    if _nothing_fetched(report):
        console.print(NOTHING_FETCHED)
    subjects = Table(title="Subjects", title_justify="left", show_lines=True)
    for column in ("subject", "state", "evidence", "sources"):
        subjects.add_column(column, overflow="fold")
    for subject in report["subjects"]:
        evidence = "\n".join(f"“{_clean(e['sentence'])}”\n{_source_line(e)}" for e in subject["evidence"][:2])
        conflicts = "".join(f"\nCONFLICT: {_conflict_text(c)}" for c in subject.get("conflicts", []))
        subjects.add_row(
            _clean(subject["title"]), subject_status(subject) + conflicts, evidence, _outlets(subject)
        )
    console.print(subjects)
    timeline = Table(title="Timeline", title_justify="left")
    for column in ("date", "subject", "change", "reported by"):
        timeline.add_column(column, overflow="fold")
    for entry in report["timeline"]:
        timeline.add_row(
            show_date(entry["date"], entry["date_precision"]),
            _clean(entry["subject"]),
            entry_change(entry)
            + "".join(f"\nCONFLICT: {_conflict_text(c)}" for c in entry.get("conflicts", [])),
            _outlets(entry),
        )
    console.print(timeline)
    if report.get("retracted"):
        console.print("Retracted (not counted)", style="bold")
        for item in report["retracted"]:
            console.print(f"- {_retraction_text(item)}")
    return buffer.getvalue().rstrip("\n")


# --- Markdown -------------------------------------------------------------------------------------


_MD_ESCAPES = {ord(ch): "\\" + ch for ch in string.punctuation}


def _md(text: object) -> str:
    """Inert Markdown text: one line (newlines and tabs became spaces, controls escaped), and every
    ASCII punctuation character backslash-escaped, so nothing in it is markup, HTML, an entity or a
    table cell boundary under CommonMark or GFM."""
    return _clean(text).translate(_MD_ESCAPES)


def _md_link(title: object, url: str | None) -> str:
    label = _md(title or url or "source")
    target = link_url(url)
    return f"[{label}]({target})" if target else label


def _md_head(report: dict[str, Any]) -> str:
    head = report.get("head") or {}
    position, digest = head.get("position"), str(head.get("hash"))
    if not isinstance(position, int) or not re.fullmatch("[0-9a-f]{64}", digest):
        return _md(head_line(report))
    # Digits and hex only: shown as code, so the checkpoint can be copied as it is.
    return f"Built from the event log up to position {position}: checkpoint `{position}:{digest}`"


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"# {_md(heading(report))}", "", _md_head(report), ""]
    if _nothing_fetched(report):
        lines += [_md(NOTHING_FETCHED), ""]
    lines += ["## Subjects", ""]
    for subject in report["subjects"]:
        lines.append(f"### {_md(subject['title'])}")
        lines.append("")
        lines.append(f"**{_md(subject_status(subject))}**")
        lines.append("")
        for item in subject["evidence"][:3]:
            lines.append(f"> {_md(item['sentence'])} — {_md_link('source', item.get('url'))}")
            lines.append("")
        for conflict in subject.get("conflicts", []):
            lines.append(f"- ⚠ conflict: {_md(_conflict_text(conflict))}")
        if subject["sources"]:
            lines.append("Sources: " + ", ".join(_md_link(s["title"], s["url"]) for s in subject["sources"]))
            lines.append("")
    lines += ["## Timeline", "", "| date | subject | change | sources |", "|---|---|---|---|"]
    for entry in report["timeline"]:
        sources = ", ".join(_md_link(s["publisher"], s["url"]) for s in entry["sources"])
        lines.append(
            f"| {show_date(entry['date'], entry['date_precision'])} | {_md(entry['subject'])} | "
            f"{_md(entry_change(entry))} | {sources} |"
        )
    if report.get("retracted"):
        lines += ["", "## Retracted (not counted)", ""]
        lines += [f"- {_md(_retraction_text(item))}" for item in report["retracted"]]
    return "\n".join(lines)
