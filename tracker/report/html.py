"""A self-contained HTML page of the report: subject cards, an SVG timeline with one lane per
subject, a cumulative chart per tally, every entry with its evidence and sources.

The page is rendered from Jinja2 templates with autoescaping, and every value printed also
passes through `neutralise`: a control, format or bidi character is shown as a visible escape
(`\x1b`, `\u202e`), never passed to the browser.
Links are kept only for http(s) URLs. A Content-Security-Policy forbids scripts and every
remote load: the page makes no request at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from tracker.output import neutralise
from tracker.report.render import heading, outlet_names, show_date
from tracker.report.timeline_layout import (
    SPACING,
    Marker,
    cumulative_chart,
    pack_lane,
    place_labels,
    ticks,
    time_scale,
)
from tracker.story import ANALYST_PUBLISHER

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TIMELINE_MIN_WIDTH = 960.0
AXIS_HEIGHT = 30.0
LANE_HEAD = 26.0  # from a lane's top to its band's centre line: room for count labels above
ROW_STEP = 18.0
LABEL_SIZE = 11.0
XOf = Callable[[date], float]


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
    """The URL if it is http(s), else None: no javascript:, data: or relative links."""
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


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
        "timeline": _timeline_view(entries, list(titles)) if entries else None,
        "charts": _charts(subjects, entries),
        "entries": entries,
        "retracted": [
            {**r, "subject_title": titles.get(r.get("subject") or "", r.get("subject"))} for r in retracted
        ],
        "coverage": report.get("coverage", []),
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


# --- the SVG timeline -----------------------------------------------------------------------------


def _timeline_view(entries: list[dict[str, Any]], order: list[str]) -> dict[str, Any]:
    scale = time_scale([e["date"] for e in entries], min_width=TIMELINE_MIN_WIDTH)
    lanes = []
    top = AXIS_HEIGHT
    for subject in dict.fromkeys([*order, *(e["subject"] for e in entries)]):
        lane_entries = [e for e in entries if e["subject"] == subject]
        if not lane_entries:
            continue
        lane = _lane(lane_entries, scale.x, top, scale.width)
        lanes.append(lane)
        top += lane["height"]
    return {
        "width": round(scale.width),
        "height": round(top + 4),
        "ticks": ticks(scale, size=LABEL_SIZE),
        "breaks": [
            {"x": (b.x0 + b.x1) / 2, "days": (b.end - b.start).days, "start": b.start, "end": b.end}
            for b in scale.breaks
        ],
        "lanes": lanes,
    }


def _lane(entries: list[dict[str, Any]], x_of: XOf, top: float, width: float) -> dict[str, Any]:
    """One subject's lane: state bands (or a baseline for a tally), markers, and count labels."""
    first = entries[0]
    centre = top + LANE_HEAD
    markers = pack_lane([(e["index"], x_of(e["date"])) for e in entries])
    rows = max(m.row for m in markers) + 1
    by_index = {e["index"]: e for e in entries}
    tally = all(e["count"] is not None for e in entries)
    row0 = sorted(m.x for m in markers if m.row == 0)
    marker_views = [_marker_view(m, [by_index[i] for i in m.entries], centre) for m in markers]
    bands = [] if tally else _bands(entries, x_of, width, row0)
    if tally:
        singles = [m for m in markers if m.row == 0]
        texts = [f"+{sum(by_index[i]['count'] or 0 for i in m.entries):,}" for m in singles]
        room = [(m.x - SPACING * 1.5, m.x + SPACING * 1.5) for m in singles]
        kept = place_labels(room, size=LABEL_SIZE, texts=texts)
        labels = [
            {"x": m.x, "y": centre - 13, "text": t} for m, t, k in zip(singles, texts, kept, strict=True) if k
        ]
    else:
        labels = []
    return {
        "subject": first["subject"],
        "title": first["subject_title"],
        "colour": first["colour"],
        "top": top,
        "centre": centre,
        "height": LANE_HEAD + (rows - 1) * ROW_STEP + 22,
        "bands": bands,
        "markers": marker_views,
        "labels": labels,
        "tally": tally,
    }


def _bands(entries: list[dict[str, Any]], x_of: XOf, width: float, row0: list[float]) -> list[dict[str, Any]]:
    """A band per stretch of one state, shaded by order of first appearance; its label is drawn
    inside when it fits between the markers at either end."""
    runs: list[dict[str, Any]] = []
    shades: dict[str, int] = {}
    for entry in entries:
        state = entry["state"] or entry["change"]
        if runs and runs[-1]["state"] == state:
            continue
        shades.setdefault(state, min(len(shades), 3))
        runs.append(
            {"state": state, "label": entry["change"], "x0": x_of(entry["date"]), "shade": shades[state]}
        )
    for run, following in zip(runs, [*runs[1:], None], strict=True):
        run["x1"] = following["x0"] if following else width - 4
    rooms = []
    for run in runs:
        # The widest stretch of the band between the markers drawn on it.
        stops = [run["x0"], *(x for x in row0 if run["x0"] < x < run["x1"]), run["x1"]]
        a, b = max(itertools.pairwise(stops), key=lambda pair: pair[1] - pair[0], default=(0, 0))
        rooms.append((a + 10, b - 10))
    kept = place_labels(rooms, size=LABEL_SIZE, texts=[r["label"] for r in runs])
    for run, (x0, x1), show in zip(runs, rooms, kept, strict=True):
        run["label_x"] = (x0 + x1) / 2
        run["show_label"] = show
    return runs


def _marker_view(marker: Marker, entries: list[dict[str, Any]], centre: float) -> dict[str, Any]:
    first = entries[0]
    if len(entries) == 1:
        outlets = f"{first['publishers']} outlet{'s' if first['publishers'] != 1 else ''}"
        shape = "initial" if first["kind"] == "initial" else "analyst" if first["analyst"] else "dot"
        label = f"{first['when']}: {first['subject_title']}: {first['change']}"
        if first["kind"] == "initial":
            label += " (starting point)"
        else:
            label += f" ({outlets}{', analyst' if first['analyst'] else ''})"
    else:
        shape = "cluster"
        label = (
            f"{len(entries)} entries, {entries[0]['when']} to {entries[-1]['when']}: "
            f"{first['subject_title']}: " + "; ".join(e["change"] for e in entries[:5])
        )
    conflict = any(e["conflicts"] for e in entries)
    if conflict:
        label += "; conflicting reports"
    return {
        "x": marker.x,
        "y": centre + marker.row * ROW_STEP,
        "href": f"#{first['anchor']}",
        "shape": shape,
        "count": len(entries),
        "conflict": conflict,
        "label": label,
        "entries": " ".join(e["anchor"] for e in entries),
    }


def _charts(subjects: list[dict[str, Any]], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A cumulative chart for each tally with at least one release."""
    charts = []
    for subject in subjects:
        releases = [
            (e["date"], e["count"], e["index"])
            for e in entries
            if e["subject"] == subject["id"] and e["count"] is not None
        ]
        if subject["kind"] == "tally" and any(count for _, count, _ in releases):
            charts.append(
                {"title": subject.get("title") or subject["id"], "chart": cumulative_chart(releases)}
            )
    return charts
