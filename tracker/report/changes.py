"""`tracker changes`: what the log learned since a time, as data, and its renderers.

The story as known at the start (the last position recorded by then) is folded beside the story
as known now, with the same rules, and compared (`tracker.changes.diff_stories`): new timeline
entries, subjects whose state or tally moved, new conflicts, new retractions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker.changes import NewConflict, NewRetraction, StoryChanges, SubjectChange, diff_stories
from tracker.clock import Clock, format_utc, system_clock
from tracker.config import Config
from tracker.fold import Story
from tracker.output import neutralise
from tracker.report.data import conflicts_json, entry_json, evidence_json, source_json, story_at
from tracker.report.render import entry_change, md_link, md_text, show_date
from tracker.storage.log_queries import ArticleVersion, article_versions, position_recorded_by
from tracker.storage.store import Store


def fold_at(store: Store, config: Config, position: int, subjects: Sequence[str] | None = None) -> Story:
    """The story as known at log position `position` (call inside a snapshot)."""
    return story_at(store, config, position, subjects=subjects)[0]


def build_changes(
    store: Store,
    config: Config,
    *,
    since: datetime,
    subjects: Sequence[str] | None = None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    for subject_id in subjects or ():
        config.subject(subject_id)  # an unknown id is a ConfigError naming the known ones
    with store.snapshot():
        start = position_recorded_by(store, format_utc(since))
        head = store.head()[0]
        before = fold_at(store, config, start, subjects)
        after = fold_at(store, config, head, subjects) if head != start else before
        articles = [_article_json(version) for version in article_versions(store, head, after=start)]
    changes = diff_stories(before, after)
    return {
        "generated_at": format_utc(clock()),
        "since": format_utc(since),
        "from_position": start,
        "to_position": head,
        **changes_json(changes),
        "articles": articles,
    }


def recorded_since(report: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`tracker report --since`: the report with only the timeline entries that are new, or newly
    reported by more sources, since then."""
    fresh = {entry["id"] for entry in changes["timeline"] + changes["corroborated"]}
    timeline = [entry for entry in report["timeline"] if entry["id"] in fresh]
    return report | {"since": changes["since"], "timeline": timeline}


def _article_json(version: ArticleVersion) -> dict[str, Any]:
    return {
        "feed": version.feed_id,
        "title": version.title,
        "url": version.link,
        "published": version.occurred_at[:10] if version.occurred_at else None,
        "revision": version.revision,
    }


def changes_json(changes: StoryChanges) -> dict[str, Any]:
    return {
        "timeline": [entry_json(entry) for entry in changes.entries],
        "corroborated": [
            entry_json(update.entry) | {"new_sources": [source_json(s) for s in update.new_sources]}
            for update in changes.updated
        ],
        "states": [_subject_change_json(change) for change in changes.subjects],
        "conflicts": [_conflict_json(conflict) for conflict in changes.conflicts],
        "retracted": [_retraction_json(item) for item in changes.retractions],
    }


def _subject_change_json(change: SubjectChange) -> dict[str, Any]:
    data: dict[str, Any] = {"subject": change.subject, "title": change.title, "kind": change.kind}
    if change.kind == "tally":
        data |= {"old_total": change.old_total or 0, "new_total": change.new_total or 0}
    else:
        data |= {
            "old_state": change.old_state,
            "new_state": change.new_state,
            "old_label": change.old_label,
            "new_label": change.new_label,
        }
    data["since"] = change.since.isoformat() if change.since else None
    data["evidence"] = evidence_json(change.evidence)
    data["sources"] = [source_json(s) for s in change.sources]
    return data


def _conflict_json(item: NewConflict) -> dict[str, Any]:
    data: dict[str, Any] = {"subject": item.subject, "title": item.title}
    data["date"] = item.date.isoformat() if item.date else None
    data["shown"] = item.shown_state if item.shown_state is not None else item.shown_count
    data |= conflicts_json([item.conflict])[0]
    return data


def _retraction_json(item: NewRetraction) -> dict[str, Any]:
    r = item.retracted
    return {
        "subject": item.subject,
        "fact_id": r.fact_id,
        "reason": r.reason,
        "sentence": r.sentence,
        "url": r.url,
    }


# --- renderers ------------------------------------------------------------------------------------


def render_changes(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return _markdown(data)
    return _plain(data)


def _subject_line(change: dict[str, Any]) -> str:
    if change["kind"] == "tally":
        return f"{change['title']}: {change['old_total']} → {change['new_total']}"
    old = change["old_label"] or change["old_state"] or "no state"
    return f"{change['title']}: {old} → {change['new_label'] or change['new_state']}"


def _conflict_line(conflict: dict[str, Any]) -> str:
    other = conflict.get("state") or conflict.get("count")
    publishers = ", ".join(sorted({s["publisher"] for s in conflict["sources"]}))
    return f"{conflict['title']}: {other} (shown: {conflict['shown']}) according to {publishers}"


def _plain(data: dict[str, Any]) -> str:
    out = [
        f"Changes recorded since {data['since']} "
        f"(log positions {data['from_position']}–{data['to_position']})"
    ]
    if not any(
        data[key] for key in ("timeline", "corroborated", "states", "conflicts", "retracted", "articles")
    ):
        out += ["", "nothing new"]
    if data["states"]:
        out += ["", "STATE CHANGES"]
        for change in data["states"]:
            out.append(f"- {_subject_line(change)} (since {show_date(change['since'])})")
            for item in change["evidence"][:1]:
                out.append(f"    “{item['sentence']}”")
                if item.get("url"):
                    out.append(f"    {item['url']}")
    if data["timeline"]:
        out += ["", "NEW TIMELINE ENTRIES"]
        for entry in data["timeline"]:
            when = show_date(entry["date"], entry["date_precision"])
            out.append(f"{when:<11} {entry['subject']}: {entry_change(entry)}")
            for source in entry["sources"]:
                if source.get("url"):
                    out.append(f"            {source['url']}")
    if data["corroborated"]:
        out += ["", "NEW SOURCES FOR KNOWN ENTRIES"]
        for entry in data["corroborated"]:
            when = show_date(entry["date"], entry["date_precision"])
            out.append(f"{when:<11} {entry['subject']}: {entry_change(entry)}")
            out += [
                f"            + {s['publisher']}: {s['url']}" for s in entry["new_sources"] if s.get("url")
            ]
    if data["conflicts"]:
        out += ["", "NEW CONFLICTS"]
        out += [f"- {_conflict_line(conflict)}" for conflict in data["conflicts"]]
    if data["retracted"]:
        out += ["", "RETRACTED"]
        out += [f"- {item['fact_id']} ({item['subject']}): {item['reason']}" for item in data["retracted"]]
    if data["articles"]:
        out += ["", "ARTICLES RECORDED"]
        for article in data["articles"]:
            revised = " (revised)" if (article["revision"] or 1) > 1 else ""
            out.append(f"- {article['feed']}: {article['title']}{revised}")
            if article["url"]:
                out.append(f"    {article['url']}")
    return neutralise("\n".join(out), multiline=True)


def _md_entry(entry: dict[str, Any]) -> str:
    when = show_date(entry["date"], entry["date_precision"])
    return f"{when} {md_text(entry['subject'])}: {md_text(entry_change(entry))}"


def _markdown(data: dict[str, Any]) -> str:
    lines = [f"# Changes recorded since {md_text(data['since'])}", ""]
    if data["states"]:
        lines += ["## State changes", ""]
        for change in data["states"]:
            lines.append(f"- **{md_text(_subject_line(change))}** (since {show_date(change['since'])})")
            for item in change["evidence"][:1]:
                lines.append(f"  > {md_text(item['sentence'])} — {md_link('source', item.get('url'))}")
        lines.append("")
    if data["timeline"]:
        lines += ["## New timeline entries", "", "| date | subject | change | sources |", "|---|---|---|---|"]
        for entry in data["timeline"]:
            sources = ", ".join(md_link(s["publisher"], s["url"]) for s in entry["sources"])
            lines.append(
                f"| {show_date(entry['date'], entry['date_precision'])} | {md_text(entry['subject'])} | "
                f"{md_text(entry_change(entry))} | {sources} |"
            )
        lines.append("")
    if data["corroborated"]:
        lines += ["## New sources for known entries", ""]
        for entry in data["corroborated"]:
            sources = ", ".join(md_link(s["publisher"], s["url"]) for s in entry["new_sources"])
            lines.append(f"- {_md_entry(entry)}: {sources}")
        lines.append("")
    if data["conflicts"]:
        lines += ["## New conflicts", ""]
        lines += [f"- {md_text(_conflict_line(conflict))}" for conflict in data["conflicts"]]
        lines.append("")
    if data["retracted"]:
        lines += ["## Retracted", ""]
        lines += [f"- {md_text(item['subject'])}: {md_text(item['reason'])}" for item in data["retracted"]]
        lines.append("")
    if data["articles"]:
        lines += ["## Articles recorded", ""]
        for article in data["articles"]:
            revised = " (revised)" if (article["revision"] or 1) > 1 else ""
            lines.append(
                f"- {md_text(article['feed'])}: {md_link(article['title'], article['url'])}{revised}"
            )
        lines.append("")
    if len(lines) == 2:
        lines.append("Nothing new.")
    return "\n".join(lines).rstrip()
