"""The README's layout section matches the tree: every module and package of `tracker/` has its
entry, every module of a package is named in the package's entry, and nothing named is missing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tracker"
ENTRY = re.compile(r"^  (\S+)\s")  # a module or package of tracker/, two spaces in
MODULE = re.compile(r"\b(\w+\.py)\b")


def layout_entries() -> dict[str, str]:
    """Each entry under `tracker/` in the README's layout block, with its description."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Layout\n\n```\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    assert lines[0] == "tracker/"
    entries: dict[str, str] = {}
    name = ""
    for line in lines[1:]:
        if not line.startswith(" "):  # deploy/, bench/, tests/: beside the package
            break
        if match := ENTRY.match(line):
            name = match.group(1)
            entries[name] = line[match.end() :]
        else:
            entries[name] += " " + line.strip()
    return entries


def test_every_module_and_package_has_its_entry() -> None:
    present = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"} | {
        f"{d.name}/" for d in PACKAGE.iterdir() if d.is_dir() and d.name != "__pycache__"
    }
    assert set(layout_entries()) == present


def test_each_package_entry_names_exactly_its_modules() -> None:
    for name, text in layout_entries().items():
        if not name.endswith("/"):
            continue
        modules = {p.name for p in (PACKAGE / name).glob("*.py") if p.name != "__init__.py"}
        assert set(MODULE.findall(text)) == modules, name
