"""The timeline's geometry: dates in order and to scale within stretches, markers that never
touch, labels that never overlap."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.report.timeline_layout import (
    BREAK_DAYS,
    MAX_ROWS,
    SPACING,
    cumulative_chart,
    pack_lane,
    place_labels,
    text_width,
    ticks,
    time_scale,
)

days = st.lists(st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(days)
def test_dates_keep_their_order_and_a_longer_gap_is_never_drawn_shorter(sample: list[date]) -> None:
    scale = time_scale(sample, min_width=960)
    xs = [scale.x(d) for d in sorted(set(sample))]
    assert all(a < b for a, b in itertools.pairwise(xs))
    assert min(xs) > 0 and max(xs) < scale.width and scale.width >= 960
    distinct = sorted(set(sample))
    steps = sorted(((b - a).days, scale.x(b) - scale.x(a)) for a, b in itertools.pairwise(distinct))
    assert all(w1 <= w2 + 1e-6 for (_, w1), (_, w2) in itertools.pairwise(steps))
    for gap, width in steps:  # to scale within a stretch
        if gap <= BREAK_DAYS:
            assert abs(width - gap * scale.px_per_day) < 1e-6


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=3000), max_size=400))
def test_markers_in_a_row_keep_their_spacing_and_every_entry_has_one(xs: list[float]) -> None:
    markers = pack_lane(list(enumerate(xs)))
    assert sorted(i for m in markers for i in m.entries) == list(range(len(xs)))
    assert all(0 <= m.row < MAX_ROWS for m in markers)
    for row in range(MAX_ROWS):
        placed = sorted(m.x for m in markers if m.row == row)
        assert all(b - a >= SPACING for a, b in itertools.pairwise(placed))
    if len(xs) <= 1 or min(abs(a - b) for i, a in enumerate(xs) for b in xs[i + 1 :]) >= SPACING:
        assert all(len(m.entries) == 1 and m.row == 0 for m in markers)  # nothing close: one row, no cluster


def test_same_day_entries_get_a_marker_each_below_one_another() -> None:
    markers = pack_lane([(0, 100.0), (1, 100.0), (2, 300.0)])
    assert [(m.x, m.row, m.entries) for m in markers] == [(100.0, 0, [0]), (100.0, 1, [1]), (300.0, 0, [2])]


@settings(max_examples=100, deadline=None)
@given(days)
def test_axis_labels_never_overlap_and_stay_inside(sample: list[date]) -> None:
    scale = time_scale(sample, min_width=960)
    boxes = sorted(
        (t.label_x - text_width(t.label, 11) / 2, t.label_x + text_width(t.label, 11) / 2)
        for t in ticks(scale, size=11)
    )
    assert boxes and boxes[0][0] >= 0 and boxes[-1][1] <= scale.width
    assert all(a[1] < b[0] for a, b in itertools.pairwise(boxes))


def test_labels_are_kept_only_where_they_fit_and_overlap_nothing() -> None:
    kept = place_labels([(0, 200), (40, 220), (250, 270), (400, 600)], size=11, texts=["Reopened"] * 4)
    assert kept == [True, False, False, True]


def test_the_cumulative_chart_climbs_by_each_release() -> None:
    start = date(2025, 1, 1)
    chart = cumulative_chart(
        [(start + timedelta(days=40), 14, 1), (start, 3, 0), (start + timedelta(days=90), 52, 2)]
    )
    assert [p.total for p in chart.points] == [3, 17, 69]
    assert [p.entry for p in chart.points] == [0, 1, 2]
    ys = [p.y for p in chart.points]
    assert ys == sorted(ys, reverse=True) and chart.y_ticks[0][1] == "0"
    assert chart.path.startswith("M") and chart.path.count("V") == 3
