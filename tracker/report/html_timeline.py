"""The HTML report's SVG timeline and tally charts as plain data for the template: lanes, state
bands, markers (one per entry, or one per cluster of entries too close to draw apart) and the labels
that fit. The geometry itself is `tracker.report.timeline_layout`."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

from tracker.report.timeline_layout import (
    SPACING,
    Marker,
    cumulative_chart,
    pack_lane,
    place_labels,
    ticks,
    time_scale,
)

TIMELINE_MIN_WIDTH = 960.0
AXIS_HEIGHT = 30.0
LANE_HEAD = 26.0  # from a lane's top to its band's centre line: room for count labels above
ROW_STEP = 18.0
LABEL_SIZE = 11.0
XOf = Callable[[date], float]


def timeline_view(entries: list[dict[str, Any]], order: list[str]) -> dict[str, Any]:
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


def charts_view(subjects: list[dict[str, Any]], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
