"""`make check-content`: every problem in the FAQ topic files, one line each."""

from __future__ import annotations

import re
from pathlib import Path

from jmd import texts
from jmd.content import offices, organisations, routing
from jmd.shared import safety
from jmd.shared.languages import registry
from jmd.shared.normalize import normalize
from jmd.shared.topics import FAQ_DIR, ContentError, Topic, load_topic

MIN_EXAMPLES = 15
MAX_ANSWER = 700  # characters, answer plus link: one phone screen
BUTTON_TARGETS = {"book_appointment", "human_handoff"}
PLACEHOLDERS = {"{offices}"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def check(directory: Path = FAQ_DIR) -> list[str]:
    """Every problem in the FAQ content, one line each (empty when all is well)."""
    problems: list[str] = []
    topics: list[Topic] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            topics.append(load_topic(path))
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
                    # {route:<need>} and {organisation:<id>}: cards from the partner data
                    if not routing.is_placeholder(placeholder):
                        problems.append(
                            f"{where}: unknown placeholder {placeholder} in the '{lang}' answer"
                        )
                    elif why := routing.placeholder_problem(placeholder):
                        problems.append(f"{where}: {placeholder} in the '{lang}' answer: {why}")
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
    problems = (
        check() + texts.check() + offices.check() + organisations.check() + routing.check()
        + safety.check()
    )
    for line in problems:
        print(line)
    topics = len(list(FAQ_DIR.glob("*.yml")))
    summary = f"{len(problems)} problem(s)" if problems else "all fine"
    print(f"{topics} topics, labels, organisations, routing, offices and crisis phrases checked: "
          f"{summary}")
    if not problems:
        missing = offices.missing_details(offices.load_offices())
        if missing:
            print("Reminder: office details still PLATZHALTER (not shown to users):")
            for line in missing:
                print(f"  {line}")
        unknown = organisations.missing_details(organisations.load_organisations())
        if unknown:
            print("Reminder: organisation details still PLATZHALTER (not shown to users):")
            for line in unknown:
                print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
