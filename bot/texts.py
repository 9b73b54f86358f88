"""Front-side texts per language, from ``bot/texts.yml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jmd.shared.languages import registry

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@cache
def _texts() -> dict[str, Any]:
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def text(key: str, language: str | None) -> str:
    """The text ``key`` in ``language``, German if missing."""
    entry = _texts()
    for part in key.split("."):
        entry = entry[part]
    default = registry().default
    return str(entry.get(language or default) or entry[default])


def command_descriptions(language: str) -> list[tuple[str, str]]:
    """(command, description) pairs for Telegram's command menu."""
    return [(name, text(f"commands.{name}", language)) for name in _texts()["commands"]]
