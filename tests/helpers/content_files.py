"""A copy of the editors' files for tests that write them (never the real nlu/data)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from jmd.content.editing import Files
from jmd.shared.settings import PROJECT_ROOT


def copy_content(root: Path) -> dict[str, str]:
    """Copy the FAQ topics, the NLU files and content/*.yml under ``root``; the environment
    (FAQ_DIR, OFFICES_FILE) that points the console at the copy."""
    shutil.copytree(PROJECT_ROOT / "nlu" / "data" / "faq", root / "nlu" / "data" / "faq")
    shutil.copytree(PROJECT_ROOT / "nlu" / "data" / "nlu", root / "nlu" / "data" / "nlu")
    (root / "content").mkdir()
    for path in (PROJECT_ROOT / "content").glob("*.yml"):
        shutil.copy2(path, root / "content" / path.name)
    return {"FAQ_DIR": str(root / "nlu" / "data" / "faq"),
            "OFFICES_FILE": str(root / "content" / "offices.yml")}


def files_in(root: Path) -> Files:
    """The :class:`Files` of a copy made by :func:`copy_content`."""
    content = root / "content"
    return Files(faq_dir=root / "nlu" / "data" / "faq", nlu_dir=root / "nlu" / "data" / "nlu",
                 offices=content / "offices.yml", organisations=content / "organisations.yml",
                 crisis_phrases=content / "crisis_phrases.yml",
                 glossary=content / "glossary.yml", routing=content / "routing.yml")


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines between two versions of a file."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added
