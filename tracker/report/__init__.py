"""`tracker report`: the story's state, timeline and coverage as data, and its renderers."""

from tracker.report.data import build_report
from tracker.report.render import render

__all__ = ["build_report", "render"]
