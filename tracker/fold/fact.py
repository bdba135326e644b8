"""The one fact record (a claim with the article version it came from, or an analyst's
assertion) and an analyst's retraction of one: what the fold reads. Apart from the fold's other
records, so that a report read from the projected tables, which reads no fact, does not build
their classes."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.extract.model import Claim


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact(Claim):
    """A claim with the article version it came from (or an analyst's assertion): the one record
    the extractor's output, the `facts` table and the fold share. Its fields are the table's
    columns, except `publisher` (from the configuration) and `analyst`."""

    fact_id: str
    position: int = 0  # event position of the article version (or of the assertion)
    superseded_by_position: int | None = None  # position of the revision that replaced that version
    stream: str = ""  # the article's stream; empty for an analyst's assertion
    revision: int = 1
    feed_id: str = ""
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO-8601 UTC
    publisher: str = ""
    analyst: bool = False


@dataclass(frozen=True, slots=True)
class Retraction:
    """An analyst's word that a fact is wrong, and why."""

    fact_id: str
    reason: str
