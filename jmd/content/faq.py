"""FAQ topics: one YAML file per topic with all languages side by side.

Editors maintain these files (see docs/); this module loads and checks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jmd.languages import registry
from jmd.normalize import normalize
from jmd.settings import PROJECT_ROOT

FAQ_DIR = PROJECT_ROOT / "nlu" / "data" / "faq"
MIN_EXAMPLES = 15
MAX_ANSWER = 700  # characters, answer plus link: one phone screen
BUTTON_TARGETS = {"book_appointment", "human_handoff"}
PLACEHOLDERS = {"{offices}"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


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

    @property
    def intent(self) -> str:
        return f"faq/{self.name}"


class ContentError(Exception):
    """A topic file cannot be read at all."""


def _load(path: Path) -> Topic:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: broken YAML: {error}".splitlines()[0]) from error
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: not a topic file (expected keys topic, answer, …)")

    def per_language(key: str) -> dict[str, Any]:
        value = data.get(key) or {}
        return dict(value) if isinstance(value, dict) else {}

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
    )


def load_topics(directory: Path = FAQ_DIR) -> list[Topic]:
    """All topics, sorted by name; raises ContentError for unreadable files."""
    return sorted((_load(p) for p in sorted(directory.glob("*.yml"))), key=lambda t: t.name)


def check(directory: Path = FAQ_DIR) -> list[str]:
    """Every problem in the FAQ content, one line each (empty when all is well)."""
    problems: list[str] = []
    topics: list[Topic] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            topics.append(_load(path))
        except ContentError as error:
            problems.append(str(error))
    names = {t.name for t in topics}
    seen: dict[str, str] = {}
    for topic in topics:
        where = topic.path.name
        if topic.name != topic.path.stem:
            problems.append(f"{where}: 'topic: {topic.name}' must match the file name")
        for lang in registry().codes:
            if not topic.title.get(lang):
                problems.append(f"{where}: title missing in '{lang}'")
            answer = topic.answer.get(lang)
            if not answer:
                problems.append(f"{where}: answer missing in '{lang}'")
            else:
                length = len(answer) + (len(topic.link) + 3 if topic.link else 0)
                if length > MAX_ANSWER:
                    problems.append(
                        f"{where}: answer in '{lang}' is {length} characters with the link"
                        f" (at most {MAX_ANSWER})"
                    )
                for placeholder in sorted(set(_PLACEHOLDER.findall(answer)) - PLACEHOLDERS):
                    problems.append(
                        f"{where}: unknown placeholder {placeholder} in the '{lang}' answer"
                    )
            count = len(topic.examples.get(lang, []))
            if count < MIN_EXAMPLES:
                problems.append(
                    f"{where}: {count} examples in '{lang}' (at least {MIN_EXAMPLES})"
                )
        if topic.link and not topic.link.startswith("https://"):
            problems.append(f"{where}: link must start with https:// ({topic.link})")
        for button in topic.buttons:
            target = button.removeprefix("faq/")
            if button not in BUTTON_TARGETS and not (button.startswith("faq/") and target in names):
                problems.append(f"{where}: button '{button}' points nowhere")
        for examples in topic.examples.values():
            for example in examples:
                key = normalize(example)
                other = seen.get(key)
                if other and other != topic.name:
                    problems.append(
                        f"{where}: example '{example}' is also in topic '{other}'"
                    )
                seen.setdefault(key, topic.name)
    return problems


def main() -> int:
    problems = check()
    for line in problems:
        print(line)
    topics = len(list(FAQ_DIR.glob("*.yml")))
    summary = f"{len(problems)} problem(s)" if problems else "all fine"
    print(f"{topics} topics checked: {summary}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
