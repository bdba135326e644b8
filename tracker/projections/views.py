"""SQL views for the everyday questions, over the projections' tables: what is the state of each
subject, what is on the timeline with its evidence and its sources, what changed recently.
(`feed_health`, the fourth, belongs to the feed history projection.)

Views hold no rows: the story projection, whose tables they read, creates them with its tables
and drops them with them. Documented in the README
("SQL") and described for Datasette in `tracker/datasette/metadata.json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

VIEWS: dict[str, str] = {
    "current_state": """
        SELECT subject, title, kind, coalesce(state_label, state) AS state, state AS state_id, total,
            since, date_precision,
            (SELECT count(*) FROM story_sources AS s WHERE s.owner = v.subject AND s.conflict = 0) AS sources,
            json_extract(evidence, '$[0].sentence') AS evidence, json_extract(evidence, '$[0].url') AS url,
            json_array_length(conflicts) AS conflicts, recorded_at
        FROM subject_state AS v
    """,
    "timeline_evidence": """
        SELECT t.seq, t.entry_id, t.date, t.date_precision, t.subject, t.kind, t.summary, t.publishers,
            json_extract(e.value, '$.sentence') AS sentence, json_extract(e.value, '$.url') AS url,
            json_extract(e.value, '$.modality') AS modality, t.recorded_at
        FROM timeline AS t, json_each(t.evidence) AS e
    """,
    "timeline_sources": """
        SELECT t.seq, t.entry_id, t.date, t.subject, t.summary,
            s.publisher, s.title, s.url, s.published, s.retrospective AS retelling, t.recorded_at
        FROM timeline AS t JOIN story_sources AS s ON s.owner = t.entry_id AND s.conflict = 0
    """,
    "recent_changes": """
        SELECT 'timeline' AS what, recorded_at, subject, date, summary AS change, entry_id, position
        FROM timeline WHERE recorded_at IS NOT NULL
        UNION ALL
        SELECT 'state', recorded_at, subject, since, title || ': ' || coalesce(state_label, state, total),
            NULL, position
        FROM subject_state WHERE recorded_at IS NOT NULL
        ORDER BY recorded_at DESC, what
    """,
}


def create_views(db: sqlite_utils.Database) -> None:
    for name, select in VIEWS.items():
        db.execute(f"CREATE VIEW {name} AS {select}")


def drop_views(db: sqlite_utils.Database) -> None:
    for name in VIEWS:
        db.execute(f"DROP VIEW IF EXISTS {name}")
