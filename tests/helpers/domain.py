"""Read responses from domain.yml, so tests compare against the real texts."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from jmd.shared.settings import PROJECT_ROOT


@cache
def _domain() -> dict[str, Any]:
    with (PROJECT_ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def response_text(name: str, language: str) -> str:
    """The text of response ``name`` in ``language`` (German is the default variation)."""
    variations = _domain()["responses"][name]
    default = None
    for variation in variations:
        conditions = variation.get("condition") or []
        if not conditions:
            default = variation["text"]
        elif any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return str(variation["text"])
    assert default is not None, f"{name} has no default variation"
    return str(default)


def response_names() -> list[str]:
    return list(_domain()["responses"])


def which_response(text: str, language: str) -> str | None:
    """The name of the response whose text in ``language`` is ``text``."""
    for name in response_names():
        if response_text(name, language) == text:
            return name
    return None


def matches(name: str, language: str, text: str) -> bool:
    """Whether ``text`` is response ``name`` in ``language`` with its {placeholders} filled."""
    import re

    pattern = re.escape(response_text(name, language))
    pattern = re.sub(r"\\\{\w+\\\}", "(.+?)", pattern)
    return re.fullmatch(pattern, text, flags=re.DOTALL) is not None
