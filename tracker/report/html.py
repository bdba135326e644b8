"""A self-contained HTML page of the report: subject cards, an SVG timeline with one lane per
subject, a cumulative chart per tally, every entry with its evidence and sources.

The page is rendered from Jinja2 templates with autoescaping, and every value printed also
passes through `neutralise`: a control, format or bidi character is shown as a visible escape
(`\x1b`, `\u202e`), never passed to the browser.
Links are kept only for http(s) URLs. A Content-Security-Policy forbids scripts and every
remote load: the page makes no request at all.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from tracker.fold import ANALYST_PUBLISHER
from tracker.output import neutralise
from tracker.report.html_timeline import charts_view, timeline_view
from tracker.report.render import head_line, heading, outlet_names, show_date
from tracker.textsafe import link_url

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _printable(value: object) -> object:
    """Jinja's `finalize`: every printed string loses its control and format characters. Markup
    is the output of the templates' own macros, whose values went through here already."""
    if isinstance(value, str) and not isinstance(value, Markup) and not value.isprintable():
        return neutralise(value, multiline=True)  # printable text has none: the common case, fast
    return value


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.report", "templates"),
        autoescape=True,
        finalize=_printable,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["link"] = http_url
    env.filters["day"] = show_date
    return env


def http_url(url: object) -> str | None:
    """The URL if it is http(s) with a host, percent-encoded; else None (no javascript:, data: or
    relative links)."""
    return link_url(url) if isinstance(url, str) else None


def render_html(report: dict[str, Any]) -> str:
    # The policy is a constant of ours, written as is: quotes and all.
    return _environment().get_template("report.html.j2").render(page=page_view(report), csp=Markup(CSP))


# --- the page as plain data for the template ------------------------------------------------------


def page_view(report: dict[str, Any]) -> dict[str, Any]:
    subjects = report.get("subjects", [])
    titles = {s["id"]: s.get("title") or s["id"] for s in subjects}
    colours = {s["id"]: i % 6 for i, s in enumerate(subjects)}
    timeline = report.get("timeline", [])
    for entry in timeline:
        colours.setdefault(entry["subject"], len(colours) % 6)
    labels = _state_labels(subjects, timeline, titles)
    entries = [_entry_view(i, entry, titles, colours, labels) for i, entry in enumerate(timeline)]
    retracted = report.get("retracted") or []
    title = report.get("title") if isinstance(report.get("title"), str) else None
    return {
        "title": title or heading(report),
        "subtitle": " · ".join(titles.values()),
        "generated_at": _moment(report.get("generated_at")),
        "as_of": report.get("as_of"),
        "known_at": _moment(report.get("known_at")),
        "cards": [_card(s, timeline, retracted, colours[s["id"]], labels) for s in subjects],
        "timeline": timeline_view(entries, list(titles)) if entries else None,
        "charts": charts_view(subjects, entries),
        "entries": entries,
        "retracted": [
            {**r, "subject_title": titles.get(r.get("subject") or "", r.get("subject"))} for r in retracted
        ],
        "coverage": report.get("coverage", []),
        "head": head_line(report),
    }


def _moment(value: object) -> str | None:
    """2026-11-26T18:00:00.123Z → 2026-11-26 18:00 UTC."""
    if not isinstance(value, str) or len(value) < 16:
        return value if isinstance(value, str) else None
    return f"{value[:10]} {value[11:16]} UTC"


def _by_analyst(source: dict[str, Any]) -> bool:
    """An analyst's `--source` for an assertion: not an outlet's reporting."""
    return bool(source.get("feed") == ANALYST_PUBLISHER)


def _outlets(item: dict[str, Any]) -> list[str]:
    return outlet_names({**item, "sources": [s for s in item.get("sources", []) if not _by_analyst(s)]})


def _host(url: object) -> str:
    return (urlsplit(url).hostname or url) if isinstance(url, str) and url else "source"


def _source_view(source: dict[str, Any]) -> dict[str, Any]:
    by_analyst = _by_analyst(source)
    return {
        "url": http_url(source.get("url")),
        "title": _host(source.get("url"))
        if by_analyst
        else source.get("title") or source.get("url") or "source",
        "publisher": "" if by_analyst else source.get("publisher") or source.get("feed") or "",
        "published": source.get("published"),
        "retelling": bool(source.get("retrospective")) or source.get("decision") == "retelling",
        "analyst": by_analyst,
    }


def _evidence_view(item: dict[str, Any], sources: list[dict[str, Any]]) -> dict[str, Any]:
    source = next((s for s in sources if s.get("url") == item.get("url")), {})
    analyst = bool(item.get("analyst"))
    return {
        "sentence": item.get("sentence") or "",
        "url": http_url(item.get("url")),
        "publisher": "" if analyst else source.get("publisher") or "",
        "title": _host(item.get("url")) if analyst else source.get("title") or "",
        "analyst": analyst,
        "modality": item.get("modality"),
    }


Labels = dict[tuple[str, str], str]


def _state_labels(
    subjects: list[dict[str, Any]], timeline: list[dict[str, Any]], titles: dict[str, str]
) -> Labels:
    """(subject, state id) → its label, as far as the report shows it: for naming conflicts."""
    labels = {
        (e["subject"], e["state"]): _change_label(e, titles.get(e["subject"], ""))
        for e in timeline
        if e.get("state")
    }
    labels.update(
        {(s["id"], s["state"]): s["state_label"] for s in subjects if s.get("state") and s.get("state_label")}
    )
    return labels


def _conflicts_view(item: dict[str, Any], subject: str, labels: Labels) -> list[dict[str, Any]]:
    return [
        {
            "what": labels.get((subject, conflict["state"]), conflict["state"])
            if conflict.get("state")
            else f"a count of {conflict.get('count')}",
            "sources": [_source_view(s) for s in conflict.get("sources", [])],
            "evidence": [
                _evidence_view(e, conflict.get("sources", [])) for e in conflict.get("evidence", [])
            ],
        }
        for conflict in item.get("conflicts", [])
    ]


def _change_label(entry: dict[str, Any], title: str) -> str:
    """The entry's summary without the subject's title in front ("Relief promised")."""
    summary = str(entry.get("summary") or entry.get("state") or entry.get("count") or "")
    return summary.removeprefix(f"{title}: ")


def _entry_view(
    index: int, entry: dict[str, Any], titles: dict[str, str], colours: dict[str, int], labels: Labels
) -> dict[str, Any]:
    title = titles.get(entry["subject"], entry["subject"])
    sources = entry.get("sources", [])
    outlets = _outlets(entry)
    return {
        "index": index,
        "anchor": f"entry-{index + 1}",
        "date": date.fromisoformat(entry["date"][:10]),
        "when": show_date(entry["date"], entry.get("date_precision", "day")),
        "iso": entry["date"][:10],
        "subject": entry["subject"],
        "subject_title": title,
        "colour": colours[entry["subject"]],
        "kind": entry.get("kind"),
        "state": entry.get("state"),
        "count": entry.get("count"),
        "change": _change_label(entry, title),
        "analyst": bool(entry.get("analyst")),
        "publishers": len(outlets)
        if any(map(_by_analyst, sources))
        else entry.get("publishers", len(outlets)),
        "outlets": outlets,
        "evidence": [_evidence_view(e, sources) for e in entry.get("evidence", [])],
        "sources": [_source_view(s) for s in sources],
        "conflicts": _conflicts_view(entry, entry["subject"], labels),
    }


def _card(
    subject: dict[str, Any],
    timeline: list[dict[str, Any]],
    retracted: list[dict[str, Any]],
    colour: int,
    labels: Labels,
) -> dict[str, Any]:
    sources = subject.get("sources", [])
    tally = subject["kind"] == "tally"
    return {
        "id": subject["id"],
        "title": subject.get("title") or subject["id"],
        "colour": colour,
        "tally": tally,
        "status": (
            f"{subject.get('total', 0):,} in total"
            if tally
            else subject.get("state_label") or subject.get("state") or "No state yet"
        ),
        "since": show_date(subject["since"], subject.get("date_precision", "day"))
        if subject.get("since")
        else None,
        "since_iso": (subject.get("since") or "")[:10],
        "analyst": bool(subject.get("analyst")),
        "quote": _quote_unless_quoted(subject),
        "outlets": _outlets(subject),
        "evidence": [_evidence_view(e, sources) for e in subject.get("evidence", [])[:2]],
        "conflicts": _conflicts_view(subject, subject["id"], labels),
        "entries": sum(1 for e in timeline if e["subject"] == subject["id"]),
        "retracted": sum(1 for r in retracted if r.get("subject") == subject["id"]),
    }


def _quote_unless_quoted(subject: dict[str, Any]) -> str | None:
    """The subject's quote, unless its first evidence sentence, shown anyway, already holds it."""
    quote = subject.get("quote")
    evidence = subject.get("evidence") or [{}]
    return None if not quote or quote in (evidence[0].get("sentence") or "") else str(quote)
