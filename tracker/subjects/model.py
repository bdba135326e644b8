"""Subject definitions: what a story tracks, as validated data.

A subject is either a *state machine* (`kind = "state"`: the U.S. embassy is suspended, then its
reopening is discussed, then it reopens) or a *tally* (`kind = "tally"`: each distinct prisoner
release adds its count). The rules that connect article text to a subject live here as data so
that a user can add or override subjects in feeds.toml without touching code.

How a sentence is tied to a subject:

* `aliases` name the subject outright ("U.S. embassy in Minsk").
* `context_aliases` are vaguer ("the embassy") and count only when every group in `context` is
  named somewhere in the article (a Belarus word *and* a U.S. word), and the nearest earlier full
  mention sharing a word with them is not an exclusion, unless that exclusion is in an earlier
  sentence and the mention's own sentence places the scene in the first context group ("in
  Minsk").
* `exclusions` name look-alikes ("embassy in Vilnius", "Lithuanian embassy"). An exclusion hides
  the aliases it overlaps, and a cue whose nearest mention is an exclusion is about that other
  thing and is ignored. A cue reaches a mention only within 15 words and not across a contrast
  ("but", "although", ";") unless its clause refers back with a pronoun.
* `topic`, when given, must also appear in the sentence (sanctions vocabulary for an airline, so
  that "Belavia lifted its baggage fee" is not sanctions news).
* A subject with neither kind of alias (a tally such as prisoner releases) is tied by `context`
  alone: any sentence of an article naming its context may count.

How a sentence moves a state subject (each state lists three kinds of cue patterns):

* `cues` move the subject *to* this state when the sentence's modality is one of the state's
  `modalities`. A `settled` state accepts only "asserted". When the modality is not accepted but
  the state names a `tentative` state that accepts it, the claim goes there instead: "wants to
  reopen" reaches `reopening-discussed` through the `reopened` cues. Verb-less cues ("thaw",
  "normalisation") assert by default, so put nominalised actions only in states that are not
  settled.
* "intent" is the wish, plan or effort of whoever acts ("Washington wants to reopen its
  embassy"); "appeal" is somebody asking for the change ("Syrian Americans called for the
  reopening of the embassy", "urged the Treasury to lift sanctions"), which says nothing of
  whether those who would make it plan or discuss it. No state accepts an appeal unless it lists
  "appeal": of the shipped states only the talk of normalising relations does, since a call for
  better ties between two governments comes, as a rule, from one of them, and is a move in them.
* `confirms` say the state persists or once held ("remains closed", "suspended operations in
  2022"); they never move the subject.
* `reversals` are explicit returns to this earlier state ("closed again", "re-imposed"); asserted,
  they may move the subject back. Nothing else ever moves a subject backwards.

`transitions` tells the fold how to read moves: "forward" (states advance along their order) or
"latest" (a characterisation: the most recent moving claim stands). `initial_note` and
`initial_source` are the evidence shown for the initial state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from tracker.tables import FieldError, TableError

Modality = Literal[
    "asserted",
    "negated",
    "hedged",
    "intent",
    "appeal",
    "promise",
    "conditional",
    "question",
    "retrospective",
    "denied",
]
MODALITIES: tuple[str, ...] = get_args(Modality)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_id(value: str, key: str, what: str) -> None:
    if not _ID.match(value):
        raise FieldError(key, f"{what} {value!r} must be lower-case letters, digits and '-'")


@dataclass(frozen=True)
class SubjectState:
    """One state of a state subject, with the cues that lead to it."""

    id: str
    label: str
    settled: bool = False
    modalities: tuple[Modality, ...] = ("asserted",)
    tentative: str | None = None
    cues: tuple[str, ...] = ()
    confirms: tuple[str, ...] = ()
    reversals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_id(self.id, "id", "state id")
        if not self.modalities:
            raise FieldError("modalities", "must list at least one modality")
        if self.settled and self.modalities != ("asserted",):
            raise FieldError("modalities", "a settled state accepts only 'asserted'")

    def patterns(self) -> dict[str, tuple[str, ...]]:
        return {"cues": self.cues, "confirms": self.confirms, "reversals": self.reversals}


@dataclass(frozen=True)
class TallyRules:
    """How a tally subject finds counted events in a sentence.

    `cues` are the event verbs ("{free}", "{set} .. free"); `units` the nouns a count may carry
    ("prisoners", "detainees"); `blockers` phrases that make a nearby number something else
    ("{remain} behind bars"): a number tied to a blocker is never counted. `group` names the
    people the tally counts when a release also frees others ("Americans", "U.S. citizens"): "four
    Americans are among those freed" then counts four, where "six Lithuanians among the 52" is a
    subset of the release and never adds.
    """

    cues: tuple[str, ...]
    units: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.cues:
            raise FieldError("cues", "must list at least one pattern")
        # A group may keep an abbreviation's dots ("U.S. citizens"); a unit is one plain noun.
        for key, allowed in (("units", r"[A-Za-z][A-Za-z' -]*"), ("group", r"[A-Za-z][A-Za-z.' -]*")):
            for words in getattr(self, key):
                if not re.fullmatch(allowed, words):
                    raise FieldError(key, f"{key.rstrip('s')} {words!r} must be plain words")

    def patterns(self) -> dict[str, tuple[str, ...]]:
        return {"cues": self.cues, "blockers": self.blockers}


@dataclass(frozen=True)
class Subject:
    """A tracked subject; see the module docstring for how its rules are applied."""

    id: str
    title: str
    kind: Literal["state", "tally"]
    description: str = ""
    aliases: tuple[str, ...] = ()
    context_aliases: tuple[str, ...] = ()
    context: tuple[tuple[str, ...], ...] = ()
    exclusions: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    quote: bool = False
    initial_state: str | None = None
    initial_since: date | None = None
    initial_source: str | None = None  # URL supporting the initial state (shown as its evidence)
    initial_note: str | None = None  # the sentence shown with it
    # "forward": states only advance along their order (an asserted reversal may go back);
    # "latest": the most recent report wins (a characterisation such as the tone of relations).
    transitions: Literal["forward", "latest"] = "forward"
    states: tuple[SubjectState, ...] = ()
    tally: TallyRules | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "id", "id")
        if any(not group for group in self.context):
            raise FieldError("context", "every context group needs at least one pattern")
        if not (self.aliases or self.context_aliases or self.context):
            raise ValueError(
                "aliases: give aliases, context_aliases or context so sentences can be tied to it"
            )
        if self.context_aliases and not self.context:
            raise ValueError("context: context_aliases need context groups")
        if self.kind == "state":
            self._check_state_machine()
        else:
            if self.tally is None:
                raise ValueError("tally: a tally subject needs a [subjects.tally] table")
            if self.states or self.initial_state is not None:
                raise ValueError("states: a tally subject has no states")

    def _check_state_machine(self) -> None:
        if self.tally is not None:
            raise ValueError("tally: only tally subjects have a tally table")
        if not self.states:
            raise ValueError("states: a state subject needs at least one state")
        ids = [s.id for s in self.states]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"states: duplicate state id {duplicates[0]!r}")
        if self.initial_state is None or self.initial_state not in ids:
            raise ValueError(f"initial_state: must be one of the states ({', '.join(ids)})")
        if self.initial_since is None:
            raise ValueError("initial_since: a state subject needs the date its initial state began")
        by_id = {s.id: s for s in self.states}
        for state in self.states:
            if state.tentative is None:
                continue
            target = by_id.get(state.tentative)
            if target is None or target.id == state.id:
                raise ValueError(f"states: {state.id}.tentative {state.tentative!r} is not another state")
            if target.settled:
                raise ValueError(f"states: {state.id}.tentative {state.tentative!r} must not be settled")

    def check_patterns(self) -> None:
        """Compile every pattern; TableError naming the key of the first that does not compile.
        Not done on construction: the shipped definitions' patterns are compiled by the test suite,
        so that a command reading them (a report) translates none."""
        from tracker.subjects.patterns import PatternError, compile_pattern

        keyed: list[tuple[tuple[str | int, ...], tuple[str, ...]]] = [
            ((key,), getattr(self, key)) for key in ("aliases", "context_aliases", "exclusions", "topic")
        ]
        keyed += [(("context",), group) for group in self.context]
        keyed += [
            (("states", i, key), p) for i, s in enumerate(self.states) for key, p in s.patterns().items()
        ]
        keyed += [(("tally", key), p) for key, p in (self.tally.patterns() if self.tally else {}).items()]
        for location, patterns in keyed:
            for pattern in patterns:
                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    raise TableError(location, "value", f"bad pattern {pattern!r}: {exc}") from None

    def state(self, state_id: str) -> SubjectState:
        """The state with this id; KeyError if the subject has none."""
        for state in self.states:
            if state.id == state_id:
                return state
        raise KeyError(f"subject {self.id!r} has no state {state_id!r}")

    def state_index(self, state_id: str) -> int:
        """Position of the state in the subject's order (earlier states come first)."""
        for index, state in enumerate(self.states):
            if state.id == state_id:
                return index
        raise KeyError(f"subject {self.id!r} has no state {state_id!r}")
