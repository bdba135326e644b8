"""Geometry of the HTML report's timeline and tally charts: pure functions of dates and counts.

Dates are to scale within stretches of activity; a quiet gap longer than BREAK_DAYS is drawn at
a fixed width with a break mark, so years of quiet do not squeeze the weeks that matter, and a
longer gap never looks shorter than a drawn one. Markers of one lane closer than SPACING go to
the next row (up to MAX_ROWS), then merge into a cluster marker; a label is drawn only where it
overlaps nothing, estimated generously from its length.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

PAD = 28.0  # room at either end for a marker and half a label
BREAK_DAYS = 60
BREAK_PX = 36.0  # a break is drawn as wide as BREAK_DAYS to scale, plus this
MIN_PX_PER_DAY = 1.5
MAX_PX_PER_DAY = 40.0
SPACING = 18.0  # between marker centres in one row: two clusters' radii and a gap
MAX_ROWS = 3
LABEL_GAP = 6.0
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def text_width(text: str, size: float) -> float:
    """A generous estimate of rendered width: DejaVu Sans, among the widest fallback sans-serif
    fonts, averages about 0.6 em a character."""
    return len(text) * size * 0.64 + 2


def month_label(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"


def day_label(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class Break:
    start: date
    end: date
    x0: float
    x1: float


@dataclass(frozen=True, slots=True)
class Scale:
    """Distinct dates and their x, ascending; between two of them either linear or a break."""

    anchors: tuple[tuple[date, float], ...]
    px_per_day: float
    width: float
    breaks: tuple[Break, ...] = ()

    def x(self, day: date) -> float:
        i = bisect_right(self.anchors, day, key=lambda anchor: anchor[0]) - 1
        if i < 0:
            first, x0 = self.anchors[0]
            return x0 - (first - day).days * self.px_per_day
        start, x0 = self.anchors[i]
        if i + 1 == len(self.anchors):
            return x0 + (day - start).days * self.px_per_day
        end, x1 = self.anchors[i + 1]
        return x0 + (x1 - x0) * (day - start).days / (end - start).days


def time_scale(days: Sequence[date], *, min_width: float) -> Scale:
    """A scale over `days`, at least `min_width` wide: to scale within stretches, breaks between."""
    distinct = sorted(set(days))
    if not distinct:
        return Scale(((date(1970, 1, 1), PAD),), MAX_PX_PER_DAY, min_width)
    gaps = [(b - a).days for a, b in itertools.pairwise(distinct)]
    linear_days = sum(g for g in gaps if g <= BREAK_DAYS)
    broken = sum(1 for g in gaps if g > BREAK_DAYS)
    room = min_width - 2 * PAD - broken * BREAK_PX
    per_day_units = linear_days + broken * BREAK_DAYS
    px_per_day = room / per_day_units if per_day_units else MAX_PX_PER_DAY
    px_per_day = max(MIN_PX_PER_DAY, min(MAX_PX_PER_DAY, px_per_day))
    anchors = [(distinct[0], PAD)]
    breaks = []
    for day, gap in zip(distinct[1:], gaps, strict=True):
        previous, x = anchors[-1]
        if gap > BREAK_DAYS:
            step = BREAK_DAYS * px_per_day + BREAK_PX
            breaks.append(Break(previous, day, x, x + step))
        else:
            step = gap * px_per_day
        anchors.append((day, x + step))
    width = max(min_width, anchors[-1][1] + PAD)
    if len(anchors) == 1:
        anchors = [(distinct[0], width / 2)]
    return Scale(tuple(anchors), px_per_day, width, tuple(breaks))


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str
    day: date
    label_x: float  # the label's centre: moved inwards where it would cross an edge


def ticks(scale: Scale, *, size: float, label_stretches: bool = True) -> list[Tick]:
    """Axis labels: the first day of each stretch (with `label_stretches`), then month (or quarter,
    or year) starts, kept only where they overlap no label already kept."""
    candidates: list[Tick] = []
    starts = {scale.anchors[0][0]} | {b.end for b in scale.breaks}
    ends = {b.start for b in scale.breaks} | {scale.anchors[-1][0]}
    month_step = next((s for s in (1, 3, 12) if s * 30 * scale.px_per_day >= 64), 12)
    for start in sorted(starts):
        if label_stretches:
            candidates.append(Tick(scale.x(start), day_label(start), start, 0))
        end = min(e for e in ends if e >= start)
        month = date(start.year, start.month, 1)
        while month <= end:
            if (
                month >= start
                and (month > start or not label_stretches)
                and (month.month - 1) % month_step == 0
            ):
                candidates.append(Tick(scale.x(month), month_label(month), month, 0))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    kept: list[Tick] = []
    right_edge = -1e9
    for tick in sorted(candidates, key=lambda t: (t.x, t.day)):
        half = text_width(tick.label, size) / 2
        centre = min(max(tick.x, half), scale.width - half)
        if centre - half >= right_edge + LABEL_GAP and abs(centre - tick.x) < half:
            kept.append(Tick(tick.x, tick.label, tick.day, centre))
            right_edge = centre + half
    return kept


@dataclass(slots=True)
class Marker:
    """One drawn marker: a single entry, or a cluster of entries too close to draw apart."""

    x: float
    row: int
    entries: list[int] = field(default_factory=list)


def pack_lane(items: Sequence[tuple[int, float]], *, spacing: float = SPACING) -> list[Marker]:
    """Markers for (entry index, x) pairs of one lane: each goes to the first row where it keeps
    `spacing` from the row's last marker; when no row has room it joins the nearest marker."""
    markers: list[Marker] = []
    last_in_row: list[Marker] = []
    for index, x in sorted(items, key=lambda item: (item[1], item[0])):
        row = next((r for r, m in enumerate(last_in_row) if x - m.x >= spacing), None)
        if row is None and len(last_in_row) < MAX_ROWS:
            row = len(last_in_row)
            last_in_row.append(Marker(x, row, [index]))
            markers.append(last_in_row[row])
        elif row is None:
            nearest = max(last_in_row, key=lambda m: m.x)
            nearest.entries.append(index)
        else:
            last_in_row[row] = Marker(x, row, [index])
            markers.append(last_in_row[row])
    return markers


def place_labels(spans: Sequence[tuple[float, float]], *, size: float, texts: Sequence[str]) -> list[bool]:
    """Which of the labels centred at span midpoints (x0, x1 = the room each may use) fit their
    room and overlap no label kept before them, in order of x."""
    kept = [False] * len(texts)
    right_edge = -1e9
    for i in sorted(range(len(texts)), key=lambda i: spans[i][0]):
        x0, x1 = spans[i]
        width = text_width(texts[i], size)
        centre = (x0 + x1) / 2
        left = centre - width / 2
        if width <= x1 - x0 and left >= right_edge + LABEL_GAP:
            kept[i] = True
            right_edge = left + width
    return kept


# --- the cumulative chart of a tally -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    total: int
    count: int
    day: date
    entry: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    height: float
    left: float
    bottom: float
    path: str
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[Tick, ...]


def nice_step(maximum: int, *, ticks_wanted: int = 4) -> int:
    raw = max(1, maximum) / ticks_wanted
    magnitude: int = 10 ** (len(str(int(raw))) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def cumulative_chart(
    releases: Sequence[tuple[date, int, int]], *, width: float = 600, height: float = 220, size: float = 12
) -> Chart:
    """A step line of the running total over (date, count, entry index) releases, dates linear."""
    left, right, top, bottom = 48.0, 20.0, 16.0, height - 28.0
    ordered = sorted(releases)
    first = ordered[0][0] if ordered else date(1970, 1, 1)
    last = ordered[-1][0] if ordered else first
    pad = max(timedelta(days=3), (last - first) / 20)
    start, end = first - pad, last + pad
    span = (end - start).days

    def x_of(day: date) -> float:
        return left + (width - left - right) * (day - start).days / span

    step = nice_step(sum(count for _, count, _ in ordered))
    top_value = max(step, -(-sum(count for _, count, _ in ordered) // step) * step)

    def y_of(value: int) -> float:
        return bottom - (bottom - top) * value / top_value

    points = []
    total = 0
    path = [f"M{x_of(start):.1f},{y_of(0):.1f}"]
    for day, count, entry in ordered:
        x = x_of(day)
        path.append(f"H{x:.1f}")
        total += count
        path.append(f"V{y_of(total):.1f}")
        points.append(ChartPoint(x, y_of(total), total, count, day, entry))
    path.append(f"H{x_of(end):.1f}")
    y_ticks = tuple((y_of(v), f"{v:,}") for v in range(0, top_value + 1, step))
    axis = Scale(((start, x_of(start)), (end, x_of(end))), (width - left - right) / span, width)
    return Chart(
        width,
        height,
        left,
        bottom,
        "".join(path),
        tuple(points),
        y_ticks,
        tuple(ticks(axis, size=size, label_stretches=False)),
    )
