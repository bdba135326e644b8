"""TOML tables → frozen dataclasses: keys, strict types, nesting and value checks, each refusal
located by its path of keys."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest

from tracker.config import parse_config
from tracker.subjects import Subject
from tracker.subjects.story_packs import available_stories, load_story_pack
from tracker.tables import FieldError, TableError, build, plain


@dataclass(frozen=True)
class Leaf:
    name: str
    size: int = 1
    mode: Literal["a", "b"] = "a"

    def __post_init__(self) -> None:
        if self.size > 9:
            raise FieldError("size", "must be at most 9")
        if self.name == "whole":
            raise ValueError("the table as a whole is wrong")


@dataclass(frozen=True)
class Tree:
    leaves: tuple[Leaf, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    since: date | None = None
    flag: bool = False
    labels: dict[str, str] | None = None


def refusal(table: dict[str, Any]) -> TableError:
    with pytest.raises(TableError) as raised:
        build(Tree, table)
    return raised.value


def test_a_table_becomes_the_dataclass_arrays_becoming_tuples() -> None:
    tree = build(
        Tree,
        {"leaves": [{"name": "x", "mode": "b"}], "groups": [["p", "q"]], "since": date(2025, 9, 11)},
    )
    assert tree == Tree(leaves=(Leaf("x", 1, "b"),), groups=(("p", "q"),), since=date(2025, 9, 11))
    assert build(Tree, plain(tree)) == tree
    assert build(Tree, {"since": "2025-09-11"}).since == date(2025, 9, 11)
    assert build(Leaf, {"name": "  padded "}, strip=True).name == "padded"


@pytest.mark.parametrize(
    ("table", "location", "kind"),
    [
        ({"colour": "red"}, ("colour",), "unknown"),
        ({"leaves": [{"size": 2}]}, ("leaves", 0, "name"), "missing"),
        ({"leaves": [{"name": 5}]}, ("leaves", 0, "name"), "type"),
        ({"leaves": [{"name": "x", "size": "5"}]}, ("leaves", 0, "size"), "type"),
        ({"leaves": [{"name": "x", "size": True}]}, ("leaves", 0, "size"), "type"),
        ({"flag": 1}, ("flag",), "type"),
        ({"leaves": [{"name": "x", "mode": "c"}]}, ("leaves", 0, "mode"), "type"),
        ({"groups": [["p", 3]]}, ("groups", 0, 1), "type"),
        ({"groups": "p"}, ("groups",), "type"),
        ({"leaves": [5]}, ("leaves", 0), "type"),
        ({"since": "yesterday"}, ("since",), "type"),
        ({"labels": {"a": 1}}, ("labels",), "type"),
        ({"leaves": [{"name": "x", "size": 10}]}, ("leaves", 0, "size"), "value"),
        ({"leaves": [{"name": "whole"}]}, ("leaves", 0), "value"),
    ],
)
def test_each_refusal_names_where_and_what(
    table: dict[str, Any], location: tuple[str | int, ...], kind: str
) -> None:
    error = refusal(table)
    assert (error.location, error.kind) == (location, kind)


def test_every_fault_of_keys_and_types_is_listed_first_one_first() -> None:
    error = refusal({"colour": "red", "flag": "yes", "leaves": [{}]})
    assert [(f.location, f.kind) for f in error.faults] == [
        (("colour",), "unknown"),
        (("leaves", 0, "name"), "missing"),
        (("flag",), "type"),
    ]


def test_shipped_definitions_read_back_as_they_are() -> None:
    """Every shipped story pack and the shipped feeds.toml make the same objects from their own
    plain data: nothing is lost or coerced between a table and its dataclass."""
    for story in available_stories():
        for subject in load_story_pack(story):
            assert build(Subject, plain(subject)) == subject
    path = Path(__file__).parent.parent / "feeds.toml"
    config = parse_config(tomllib.loads(path.read_text(encoding="utf-8")), path)
    assert config.feeds and all(build(type(feed), plain(feed)) == feed for feed in config.feeds)
