"""`make check-content`: the FAQ files editors maintain, and the checker itself."""

from __future__ import annotations

from pathlib import Path

import yaml

from jmd.content.faq import check
from jmd.shared.topics import FAQ_DIR, load_topics

CONTRACT = {
    "ausbildung_info", "ausbildung_search", "ausbildung_requirements", "ausbildung_money",
    "application_documents", "recognition", "school_certificate", "language_course",
    "qualification", "study", "work_permit", "jmd_info", "jmd_locations",
    "appointment_prepare", "interpreter", "jobcenter_agentur", "adult_migration_counselling",
}


def test_shipped_content_has_no_problems() -> None:
    assert check() == []


def test_every_contract_topic_exists() -> None:
    assert {t.name for t in load_topics()} >= CONTRACT


def test_locations_are_rendered_from_office_data_not_written_in_answers() -> None:
    topic = next(t for t in load_topics() if t.name == "jmd_locations")
    assert all("{offices}" in answer for answer in topic.answer.values())


def good_topic(name: str, example_prefix: str) -> dict:
    langs = ("de", "prs", "ar")
    return {
        "topic": name,
        "title": {lang: f"Titel {lang}" for lang in langs},
        "link": "https://www.arbeitsagentur.de",
        "buttons": ["book_appointment"],
        "answer": {lang: "Antwort" for lang in langs},
        "examples": {lang: [f"{example_prefix} {lang} {i}" for i in range(15)] for lang in langs},
    }


def write(directory: Path, data: dict | str, name: str) -> None:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    (directory / f"{name}.yml").write_text(text, encoding="utf-8")


def test_a_good_topic_passes(tmp_path: Path) -> None:
    write(tmp_path, good_topic("eins", "frage"), "eins")
    assert check(tmp_path) == []


def test_each_problem_is_one_clear_line(tmp_path: Path) -> None:
    bad = good_topic("zwei", "frage")
    del bad["answer"]["prs"]
    bad["examples"]["ar"] = bad["examples"]["ar"][:3]
    bad["answer"]["de"] = "x" * 800
    bad["link"] = "http://example.org"
    bad["buttons"] = ["faq/gibtsnicht"]
    bad["answer"]["ar"] = "{offices}\n{adresse}"
    write(tmp_path, bad, "zwei")
    write(tmp_path, good_topic("drei", "frage"), "drei")  # same examples as "zwei"
    write(tmp_path, "topic: [kaputt", "kaputt")
    problems = "\n".join(check(tmp_path))
    assert "zwei.yml: answer missing in 'prs'" in problems
    assert "zwei.yml: 3 examples in 'ar' (at least 15)" in problems
    assert "zwei.yml: answer in 'de' is" in problems
    assert "zwei.yml: link must start with https://" in problems
    assert "zwei.yml: button 'faq/gibtsnicht' points nowhere" in problems
    assert "zwei.yml: unknown placeholder {adresse} in the 'ar' answer" in problems
    assert "is also in topic" in problems
    assert "kaputt.yml: broken YAML" in problems


def test_the_real_directory_is_used_by_default() -> None:
    assert FAQ_DIR.name == "faq" and any(FAQ_DIR.glob("*.yml"))
