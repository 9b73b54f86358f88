"""The glossary (``content/glossary.yml``): one term per institution or concept and language.

Editors write every answer, title and text with the term the glossary names, so that a
reader meets one word for the Ausländerbehörde, not three. ``make check-content`` reports
every avoided variant found (:func:`check`). Matching is case-sensitive; a Latin-script
variant must stand as a whole word ("Lehre" does not match "Lehrer"), an Arabic-script
variant matches anywhere, because Arabic and Dari attach prefixes ("بالجوب سنتر").
Invariant (checked too): no avoided variant occurs inside the term it is avoided for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jmd.shared.settings import PROJECT_ROOT

GLOSSARY_FILE = PROJECT_ROOT / "content" / "glossary.yml"


@dataclass(frozen=True)
class Entry:
    """One concept in one language: the term to use and the variants to avoid."""

    concept: str
    language: str
    use: str
    avoid: tuple[str, ...]


def load(path: Path = GLOSSARY_FILE) -> list[Entry]:
    """Every (concept, language) entry; raises ValueError for a file that is not a glossary."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict):
        raise ValueError(f"{path.name}: expected a mapping 'terms: {{Begriff: {{de: …}}}}'")
    entries = []
    for concept, languages in terms.items():
        if not isinstance(languages, dict):
            raise ValueError(f"{path.name}: '{concept}' has no languages")
        for language, item in languages.items():
            if not isinstance(item, dict) or not item.get("use"):
                raise ValueError(f"{path.name}: '{concept}' in '{language}' has no 'use'")
            avoid = tuple(str(v).strip() for v in item.get("avoid") or [] if str(v).strip())
            entries.append(Entry(str(concept), str(language), str(item["use"]).strip(), avoid))
    return entries


def _pattern(variant: str) -> re.Pattern[str]:
    left = r"(?<!\w)" if variant[:1].isascii() and variant[:1].isalnum() else ""
    right = r"(?!\w)" if variant[-1:].isascii() and variant[-1:].isalnum() else ""
    return re.compile(left + re.escape(variant) + right)


def violations(text: str, language: str, entries: Iterable[Entry]) -> list[tuple[str, Entry]]:
    """The avoided variants ``text`` uses, with the entry that names the right term."""
    return [
        (variant, entry)
        for entry in entries
        if entry.language == language
        for variant in entry.avoid
        if _pattern(variant).search(text)
    ]


def check(
    texts: Mapping[str, Mapping[str, str]], path: Path = GLOSSARY_FILE
) -> list[str]:
    """Problems: ``texts`` maps a place ("language_course.yml answer") to texts per language."""
    try:
        entries = load(path)
    except (OSError, yaml.YAMLError, ValueError) as error:
        return [f"glossary: {error}".splitlines()[0]]
    problems = [
        f"glossary: '{entry.concept}' in '{entry.language}': '{variant}' is inside the term"
        f" '{entry.use}' itself"
        for entry in entries
        for variant in entry.avoid
        if _pattern(variant).search(entry.use)
    ]
    for where, per_language in texts.items():
        for language, text in per_language.items():
            for variant, entry in violations(text, language, entries):
                problems.append(
                    f"{where} in '{language}': '{variant}' — the glossary says '{entry.use}'"
                    f" ({entry.concept})"
                )
    return problems
