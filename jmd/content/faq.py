"""`make check-content`: every problem in the FAQ topic files, one line each.

Problems fail the check (exit 1); warnings (:func:`stale`: a topic nobody has reviewed for
REVIEW_MONTHS, by the project clock) are printed but do not fail it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import yaml

from jmd import clock, texts
from jmd.content import glossary, offices, organisations, routing
from jmd.shared import safety
from jmd.shared.languages import registry
from jmd.shared.normalize import normalize
from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.topics import FAQ_DIR, ContentError, Topic, load_topic

MIN_EXAMPLES = 15
MAX_ANSWER = 700  # characters, answer plus link: one phone screen
BUTTON_TARGETS = {"book_appointment", "human_handoff"}
PLACEHOLDERS = {"{offices}"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
REVIEW_MONTHS = 6  # facts (fees, amounts, laws) change; an older review is a warning


def check(directory: Path = FAQ_DIR, glossary_file: Path = glossary.GLOSSARY_FILE) -> list[str]:
    """Every problem in the FAQ content, one line each (empty when all is well)."""
    problems: list[str] = []
    topics: list[Topic] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            topics.append(load_topic(path))
        except ContentError as error:
            problems.append(str(error))
    return problems + check_topics(topics, glossary_file)


def check_topics(topics: Sequence[Topic],
                 glossary_file: Path = glossary.GLOSSARY_FILE) -> list[str]:
    """The rules of :func:`check` on topics in memory (the console checks an edit against
    the other topics as they are on disk). An example in two topics is reported on the
    later one: put the edited topic last to see its duplicates."""
    problems: list[str] = []
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
        problems += _review_problems(topic)
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
    wording = {}
    for topic in topics:
        wording[f"{topic.path.name}: title"] = topic.title
        wording[f"{topic.path.name}: answer"] = topic.answer
    return problems + glossary.check(wording, glossary_file)


def _review_problems(topic: Topic) -> list[str]:
    where = topic.path.name
    problems = []
    if topic.reviewed is None:
        problems.append(f"{where}: 'reviewed: YYYY-MM-DD' missing (when were the facts checked?)")
    if not topic.sources:
        problems.append(f"{where}: 'sources:' missing (each fact with claim and url)")
    for number, source in enumerate(topic.sources, start=1):
        if not source.claim:
            problems.append(f"{where}: source {number} has no 'claim'")
        if not source.url.startswith("https://"):
            problems.append(f"{where}: source {number} needs a 'url' starting with https://")
    return problems


def months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def stale(directory: Path = FAQ_DIR, today: date | None = None) -> list[str]:
    """Warnings: topics last reviewed more than REVIEW_MONTHS before ``today``."""
    today = today or clock.now().astimezone(clock.BERLIN).date()
    warnings = []
    for path in sorted(directory.glob("*.yml")):
        try:
            topic = load_topic(path)
        except ContentError:
            continue  # reported by check()
        if topic.reviewed and months_later(topic.reviewed, REVIEW_MONTHS) < today:
            warnings.append(
                f"{path.name}: last reviewed {topic.reviewed.isoformat()}, more than"
                f" {REVIEW_MONTHS} months ago — please check the facts and sources again"
            )
    return warnings


def _text_wording() -> dict[str, dict[str, str]]:
    """Person-facing texts (not staff texts) for the glossary check."""
    try:
        catalogue = texts.read_catalogue(texts.TEXTS_DIR)
    except (OSError, ValueError):
        return {}  # reported by texts.check()
    return {
        f"texts: '{key}'": entry
        for key, entry in catalogue.items()
        if not key.startswith(texts.STAFF_PREFIX)
    }


def _organisation_wording() -> dict[str, dict[str, str]]:
    """What each partner organisation does, per language (content/organisations.yml)."""
    try:
        found = organisations.read_organisations(organisations.ORGANISATIONS_FILE)
    except (OSError, organisations.OrganisationDataError):
        return {}  # reported by organisations.check()
    return {f"organisations.yml: '{item.id}'": item.does for item in found}


def _response_wording(path: Path = DOMAIN_FILE) -> dict[str, dict[str, str]]:
    """Rasa's responses in domain.yml per language (a variation without condition is German)."""
    try:
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}  # Rasa's own validation reports it
    wording: dict[str, dict[str, str]] = {}
    for name, variations in (domain.get("responses") or {}).items():
        for variation in variations or []:
            conditions = variation.get("condition") or []
            language = next(
                (str(c.get("value")) for c in conditions if c.get("name") == "language"),
                registry().default,
            )
            wording.setdefault(f"domain.yml: {name}", {})[language] = str(variation.get("text", ""))
    return wording


def main() -> int:
    problems = (
        check()
        + texts.check()
        + glossary.check(_text_wording() | _response_wording() | _organisation_wording())
        + offices.check()
        + organisations.check()
        + routing.check()
        + safety.check()
    )
    for line in problems:
        print(line)
    for line in stale():
        print(f"Warnung: {line}")
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
