"""FAQ topics: one YAML file per topic with all languages side by side.

Editors maintain these files (see docs/redaktion.md). This module only reads them; the
checker is jmd.content.faq, the bridge to Rasa jmd.nlu.importer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from jmd.shared.settings import PROJECT_ROOT

FAQ_DIR = PROJECT_ROOT / "nlu" / "data" / "faq"
FAQ_PREFIX = "faq"  # the retrieval intent: examples are labelled faq/<topic>


@dataclass(frozen=True)
class Source:
    """One fact of an answer and the official page that states it."""

    claim: str
    url: str


@dataclass(frozen=True)
class Topic:
    """One FAQ topic: titles, answer and examples per language, link and buttons."""

    name: str
    path: Path
    title: dict[str, str]
    answer: dict[str, str]
    examples: dict[str, list[str]]
    link: str | None
    buttons: list[str]
    reviewed: date | None = None  # when an editor last checked every fact against its source
    sources: list[Source] = field(default_factory=list)

    @property
    def intent(self) -> str:
        return f"{FAQ_PREFIX}/{self.name}"


class ContentError(Exception):
    """A topic file cannot be read at all."""


def load_topic(path: Path) -> Topic:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: broken YAML: {error}".splitlines()[0]) from error
    return topic_from_data(data, path)


def topic_from_data(data: Any, path: Path) -> Topic:
    """The topic a file's parsed YAML describes (the console checks an edit before writing
    it); raises ContentError when it is not a topic at all."""
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: not a topic file (expected keys topic, answer, …)")

    def per_language(key: str) -> dict[str, Any]:
        value = data.get(key) or {}
        return dict(value) if isinstance(value, dict) else {}

    reviewed = data.get("reviewed")
    not_a_date = ContentError(f"{path.name}: 'reviewed: {reviewed}' is not a date YYYY-MM-DD")
    if isinstance(reviewed, str):
        try:
            reviewed = date.fromisoformat(reviewed.strip())
        except ValueError as error:
            raise not_a_date from error
    elif reviewed is not None and not isinstance(reviewed, date):
        raise not_a_date
    sources = [
        Source(str(item.get("claim") or "").strip(), str(item.get("url") or "").strip())
        if isinstance(item, dict) else Source("", str(item).strip())
        for item in (data.get("sources") or [] if isinstance(data.get("sources"), list) else [])
    ]
    examples = {
        lang: [str(e).strip() for e in (items or []) if str(e).strip()]
        for lang, items in per_language("examples").items()
    }
    return Topic(
        name=str(data.get("topic") or path.stem),
        path=path,
        title={k: str(v).strip() for k, v in per_language("title").items() if v},
        answer={k: str(v).strip() for k, v in per_language("answer").items() if v},
        examples=examples,
        link=str(data["link"]).strip() if data.get("link") else None,
        buttons=[str(b) for b in data.get("buttons") or []],
        reviewed=reviewed,
        sources=sources,
    )


def load_topics(directory: Path = FAQ_DIR) -> list[Topic]:
    """All topics, sorted by name; raises ContentError for unreadable files."""
    return sorted((load_topic(p) for p in sorted(directory.glob("*.yml"))), key=lambda t: t.name)
