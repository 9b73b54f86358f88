"""The text catalogue: everything a person or a counselor reads outside Rasa's responses.

One store, ``content/texts/*.yml``, edited by the content team: each entry maps language
codes to a text (nested keys are joined with dots: ``commands.start``). Person-facing
entries have every language; staff entries (keys starting with ``staff.``) are German, the
counselors' language. ``t(key, language, **fields)`` is the only way to read it: the
default-language fallback lives in :func:`jmd.shared.languages.in_language`, placeholders
are ``{name}`` fields. A key must be unique across the files. Files are read again after
an editor's save (:mod:`jmd.shared.live`).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml

from jmd.shared.languages import in_language, registry
from jmd.shared.live import reloading
from jmd.shared.one_line import one_line
from jmd.shared.settings import PROJECT_ROOT

TEXTS_DIR = PROJECT_ROOT / "content" / "texts"
STAFF_PREFIX = "staff."

Catalogue = dict[str, dict[str, str]]


def _is_entry(value: Any) -> bool:
    return isinstance(value, dict) and registry().default in value


def _flatten(data: dict[str, Any], prefix: str, into: Catalogue, source: str) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if _is_entry(value):
            if name in into:
                raise ValueError(f"{source}: '{name}' is also defined in another file")
            into[name] = {str(lang): str(text) for lang, text in value.items()}
        elif isinstance(value, dict):
            _flatten(value, f"{name}.", into, source)
        else:
            raise ValueError(f"{source}: '{name}' has no '{registry().default}' text")


def read_catalogue(directory: Path) -> Catalogue:
    """Every entry of every ``*.yml`` in ``directory``, by dotted key."""
    catalogue: Catalogue = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _flatten(data, "", catalogue, path.name)
    return catalogue


_catalogue = reloading(read_catalogue)


def t(key: str, language: str | None, /, **fields: Any) -> str:
    """The text ``key`` in ``language`` (default language if missing), fields filled in."""
    text = in_language(_catalogue(TEXTS_DIR)[key], language)
    return text.format(**fields) if fields else text


def staff(key: str, /, **fields: Any) -> str:
    """A counselor-facing text (``staff.<key>``), in German.

    Every field is made one line (:func:`jmd.shared.one_line.one_line`): a name or a
    message cannot add lines of its own to what counselors read.
    """
    safe = {name: one_line(value) if isinstance(value, str) else value
            for name, value in fields.items()}
    return t(STAFF_PREFIX + key, None, **safe)


def keys(prefix: str) -> list[str]:
    """The keys below ``prefix`` (``"commands."``), in file order."""
    return [key for key in _catalogue(TEXTS_DIR) if key.startswith(prefix)]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check(directory: Path = TEXTS_DIR) -> list[str]:
    """Problems an editor must fix: unreadable files, missing languages, mismatched fields."""
    try:
        catalogue = read_catalogue(directory)
    except (OSError, yaml.YAMLError, ValueError, AttributeError) as error:
        return [f"texts: {error}".splitlines()[0]]
    problems = []
    for key, texts in catalogue.items():
        default = texts[registry().default]
        languages = [registry().default] if key.startswith(STAFF_PREFIX) else registry().codes
        problems += [f"texts: '{key}' missing in '{lang}'" for lang in languages
                     if not texts.get(lang)]
        problems += [f"texts: '{key}' in '{lang}' has other {{fields}} than in German"
                     for lang, text in texts.items() if _fields(text) != _fields(default)]
    return problems
