"""The exception tree drawn in `tracker/errors.py` stays true: every exception class defined
anywhere in the package is named in it."""

from __future__ import annotations

import ast
import builtins
import importlib
import re
from pathlib import Path

import tracker.errors

PACKAGE = Path(tracker.errors.__file__).resolve().parent


def _is_exception(base: str, ours: set[str]) -> bool:
    """Whether the base class named `base` (as written) is an exception: one of the package's own,
    a builtin, or an attribute of an importable module (`httpcore.ConnectError`)."""
    name = base.rsplit(".", 1)[-1]
    if name in ours:
        return True
    if "." not in base:
        found = getattr(builtins, name, None)
        return isinstance(found, type) and issubclass(found, BaseException)
    module, _, attribute = base.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), attribute, None)
    except ImportError:
        return False
    return isinstance(found, type) and issubclass(found, BaseException)


def exception_classes() -> set[str]:
    classes = [
        (node.name, [ast.unparse(b) for b in node.bases])
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    ours: set[str] = set()
    while True:  # to a fixed point: a subclass may be defined before its base is known to be one
        more = {name for name, bases in classes if any(_is_exception(b, ours) for b in bases)} - ours
        if not more:
            return ours
        ours |= more


def test_every_exception_class_is_in_the_tree() -> None:
    tree = tracker.errors.__doc__ or ""
    found = exception_classes()
    assert {"TrackerError", "FeedError", "DeliveryFailed"} <= found  # the scan sees them
    assert sorted(name for name in found if not re.search(rf"\b{re.escape(name)}\b", tree)) == []
