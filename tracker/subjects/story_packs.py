"""Story packs: the subjects of one story as TOML data, chosen in feeds.toml with `stories`.

The U.S.–Belarus story (`us-belarus`, tracker/subjects/us_belarus.toml) is the default; every
other pack is tracker/subjects/packs/<story>.toml in the same format (`[[subjects]]` tables,
each with its starting point and source).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import lru_cache

from tracker.errors import ConfigError
from tracker.subjects.loader import SHIPPED_DIR, load_shipped_subjects, merge_subjects
from tracker.subjects.model import Subject

DEFAULT_STORY = "us-belarus"


def available_stories() -> tuple[str, ...]:
    """Every story pack shipped, the default first."""
    packs = SHIPPED_DIR / "packs"
    names = sorted(e.name.removesuffix(".toml") for e in packs.iterdir() if e.name.endswith(".toml"))
    return (DEFAULT_STORY, *names)


@lru_cache(maxsize=32)
def load_story_pack(story: str) -> tuple[Subject, ...]:
    """The subjects of one story pack; ConfigError naming the known packs if there is none."""
    if story == DEFAULT_STORY:
        return load_shipped_subjects()
    if story not in available_stories():
        raise ConfigError(f"no story pack {story!r} (known: {', '.join(available_stories())})")
    name = f"tracker/subjects/packs/{story}.toml"
    entry = SHIPPED_DIR / "packs" / f"{story}.toml"
    try:
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    return merge_subjects((), data.get("subjects", []), name)


def load_stories(stories: Sequence[str]) -> tuple[Subject, ...]:
    """The subjects of several packs, in the order given; two packs may not share a subject id."""
    subjects: list[Subject] = []
    seen: dict[str, str] = {}
    for story in stories:
        for subject in load_story_pack(story):
            if subject.id in seen:
                raise ConfigError(f"stories: {story!r} and {seen[subject.id]!r} both define {subject.id!r}")
            seen[subject.id] = story
            subjects.append(subject)
    return tuple(subjects)
