"""A copy of the project's editable files for tests that write them or start the assistant
on them: tests never write the project's own files."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from jmd.content.editing import Files
from jmd.shared.settings import PROJECT_ROOT

# what the console edits and the assistant reads, relative to the project root
PROJECT_FILES = ("nlu/data", "content", "domain.yml", "config.yml")


def project_copy(root: Path) -> dict[str, str]:
    """Copies :data:`PROJECT_FILES` under ``root`` in the project's layout (files already
    copied there are kept, with the test's edits); the settings that point at the copy."""
    for name in PROJECT_FILES:
        source, target = PROJECT_ROOT / name, root / name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return {"FAQ_DIR": str(root / "nlu" / "data" / "faq"),
            "OFFICES_FILE": str(root / "content" / "offices.yml")}


def files_in(root: Path) -> Files:
    """The :class:`Files` of a copy made by :func:`project_copy`."""
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
