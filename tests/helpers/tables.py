"""The projected tables a rebuild must give back exactly as catching up left them."""

from __future__ import annotations

PROJECTED_TABLES = (
    "articles",
    "article_months",
    "feed_history",
    "facts",
    "subject_state",
    "timeline",
    "fact_decisions",
    "story_sources",
)
