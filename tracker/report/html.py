"""A self-contained HTML page of the report. Everything from feeds is escaped; links are kept
only for http(s) URLs; a Content-Security-Policy forbids scripts and remote loads."""

from __future__ import annotations

from html import escape
from typing import Any

from tracker.output import neutralise
from tracker.report.render import entry_change, head_line, heading, show_date, subject_status
from tracker.textsafe import link_url

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;
text-align:left}blockquote{margin:.3rem 0 .3rem 1rem;color:#444}.conflict{color:#a40}.muted{color:#777}
"""


def _e(value: object) -> str:
    """Escaped text with no control character: a terminal showing the page shows it inert."""
    return escape(neutralise("" if value is None else str(value)), quote=True)


def _link(label: object, url: str | None) -> str:
    target = link_url(url)
    if target:
        return f'<a href="{_e(target)}" rel="noopener noreferrer nofollow">{_e(label or url)}</a>'
    return _e(label)


def _conflicts(item: dict[str, Any]) -> str:
    parts = []
    for conflict in item.get("conflicts", []):
        what = conflict.get("state") or conflict.get("count")
        links = ", ".join(_link(s["publisher"], s["url"]) for s in conflict["sources"])
        parts.append(f'<div class="conflict">conflict: {_e(what)} according to {links}</div>')
    return "".join(parts)


def render_html(report: dict[str, Any]) -> str:
    rows = []
    for subject in report["subjects"]:
        evidence = "".join(
            f"<blockquote>{_e(e['sentence'])} {_link('source', e.get('url'))}</blockquote>"
            for e in subject["evidence"][:3]
        )
        sources = ", ".join(_link(s["publisher"], s["url"]) for s in subject["sources"])
        rows.append(
            f"<tr><th>{_e(subject['title'])}</th><td><strong>{_e(subject_status(subject))}</strong>"
            f"{_conflicts(subject)}{evidence}<div class=muted>{sources}</div></td></tr>"
        )
    timeline = []
    for entry in report["timeline"]:
        sources = ", ".join(_link(s["publisher"], s["url"]) for s in entry["sources"])
        evidence = "".join(f"<blockquote>{_e(e['sentence'])}</blockquote>" for e in entry["evidence"][:1])
        timeline.append(
            f"<tr><td>{_e(show_date(entry['date'], entry['date_precision']))}</td>"
            f"<td>{_e(entry['subject'])}</td>"
            f"<td>{_e(entry_change(entry))}{evidence}{_conflicts(entry)}</td><td>{sources}</td></tr>"
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_e(heading(report))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(heading(report))}</h1><p class=muted>{_e(head_line(report))}</p>"
        f"<h2>Subjects</h2><table>{''.join(rows)}</table>"
        "<h2>Timeline</h2><table><tr><th>date</th><th>subject</th><th>change</th><th>reported by</th></tr>"
        f"{''.join(timeline)}</table></body></html>"
    )
