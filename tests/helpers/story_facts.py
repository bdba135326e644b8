"""Hand-made facts and subjects for tests of the story fold."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from tracker.clock import DatePrecision
from tracker.extract.model import DateBasis
from tracker.fold import Fact
from tracker.subjects.model import Modality


@dataclass(frozen=True)
class State:
    id: str
    label: str
    settled: bool = False


@dataclass(frozen=True)
class Subject:
    id: str
    title: str
    kind: str
    states: tuple[State, ...] = ()
    initial_state: str | None = None
    initial_since: date | None = None
    transitions: str = "forward"
    initial_source: str | None = None
    initial_note: str | None = None
    aliases: tuple[str, ...] = field(default=())


EMBASSY = Subject(
    "us-embassy-minsk",
    "U.S. Embassy in Minsk",
    "state",
    (
        State("suspended", "suspended", True),
        State("reopening-discussed", "reopening discussed"),
        State("reopened", "reopened", True),
    ),
    "suspended",
    date(2022, 2, 28),
    initial_source="https://example.org/2022",
    initial_note="Operations suspended.",
)
BELAVIA = Subject(
    "belavia-sanctions",
    "U.S. sanctions on Belavia",
    "state",
    (
        State("in-force", "in force", True),
        State("relief-promised", "relief promised"),
        State("eased", "eased", True),
        State("lifted", "lifted", True),
    ),
    "in-force",
    date(2023, 8, 9),
)
RELEASES = Subject("prisoner-releases", "Prisoners released by Belarus", "tally")
SUBJECTS = (EMBASSY, BELAVIA, RELEASES)


def fact(
    n: int,
    subject: str,
    *,
    state: str | None = None,
    count: int | None = None,
    day: date = date(2025, 9, 11),
    modality: Modality = "asserted",
    moves: bool = True,
    publisher: str = "wire",
    precision: DatePrecision = "day",
    basis: DateBasis = "sentence",
) -> Fact:
    return Fact(
        fact_id=f"fact:{n}",
        subject=subject,
        state=state,
        count=count,
        modality=modality,
        moves=moves,
        reversal=False,
        event_date=day,
        date_precision=precision,
        date_basis=basis,
        sentence=f"sentence {n}",
        start=0,
        end=len(f"sentence {n}"),
        cue="",
        url=f"https://{publisher}.example/{n}",
        title=f"title {n}",
        feed_id=publisher,
        publisher=publisher,
        published=f"{day.isoformat()}T12:00:00.000000Z",
        stream=f"article:{publisher}:{n}",
    )


def view(story: object, subject_id: str) -> object:
    return next(v for v in story.subjects if v.id == subject_id)  # type: ignore[attr-defined]


def later(n: int, count: int, published: str, **changes: object) -> Fact:
    """A mention of a release in an article published on `published`, dated by that article."""
    day = date.fromisoformat(published)
    base = fact(n, "prisoner-releases", count=count, day=day, basis="published", publisher=f"outlet{n}")
    return replace(base, published=f"{published}T09:00:00.000000Z", **changes)  # type: ignore[arg-type]


def decisions(story: object) -> dict[str, tuple[str, str | None]]:
    return {m.fact_id: (m.decision, m.entry) for m in story.mentions}  # type: ignore[attr-defined]
