"""Per-language labels around FAQ answers (content/labels.yml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from jmd.shared.languages import registry
from jmd.shared.live import reloading
from jmd.shared.settings import PROJECT_ROOT

LABELS_FILE = PROJECT_ROOT / "content" / "labels.yml"


def _read_labels(path: Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): {str(k): str(v) for k, v in value.items()} for key, value in data.items()}


# read again after an editor's save
_labels = reloading(_read_labels)


def label(key: str, language: str, path: Path = LABELS_FILE) -> str:
    """The label ``key`` in ``language``, else in the default language."""
    texts = _labels(path)[key]
    return texts.get(language) or texts[registry().default]


def check(path: Path = LABELS_FILE) -> list[str]:
    """Labels missing in one of the languages, one line each."""
    try:
        labels = _read_labels(path)
    except (OSError, yaml.YAMLError, AttributeError) as error:
        return [f"{path.name}: cannot be read: {error}".splitlines()[0]]
    return [
        f"{path.name}: '{key}' missing in '{lang}'"
        for key, texts in labels.items()
        for lang in registry().codes
        if not texts.get(lang)
    ]
