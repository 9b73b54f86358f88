"""`make check-content`: the FAQ files editors maintain, and the checker itself."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import yaml

from jmd import clock
from jmd.content import glossary
from jmd.content.faq import check, stale
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
        "reviewed": "2026-11-01",
        "sources": [{"claim": "Die Berufsberatung ist kostenlos.",
                     "url": "https://www.arbeitsagentur.de/bildung/berufsberatung"}],
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


def test_a_topic_without_review_date_or_sources_fails(tmp_path: Path) -> None:
    bad = good_topic("vier", "frage")
    del bad["reviewed"]
    bad["sources"] = []
    write(tmp_path, bad, "vier")
    half = good_topic("fuenf", "andere")
    half["sources"] = [{"claim": "", "url": "http://example.org"}]
    write(tmp_path, half, "fuenf")
    problems = "\n".join(check(tmp_path))
    assert "vier.yml: 'reviewed: YYYY-MM-DD' missing" in problems
    assert "vier.yml: 'sources:' missing" in problems
    assert "fuenf.yml: source 1 has no 'claim'" in problems
    assert "fuenf.yml: source 1 needs a 'url' starting with https://" in problems


def test_a_review_date_that_is_no_date_is_one_clear_line(tmp_path: Path) -> None:
    bad = good_topic("sechs", "frage")
    bad["reviewed"] = "letzte Woche"
    write(tmp_path, bad, "sechs")
    assert check(tmp_path) == ["sechs.yml: 'reviewed: letzte Woche' is not a date YYYY-MM-DD"]


def test_topics_not_reviewed_for_six_months_are_a_warning_not_a_problem(tmp_path: Path) -> None:
    old = good_topic("alt", "frage")
    old["reviewed"] = "2026-05-27"
    write(tmp_path, old, "alt")
    write(tmp_path, good_topic("neu", "andere"), "neu")
    assert check(tmp_path) == []
    with clock.frozen(datetime(2026, 11, 28, 12, tzinfo=clock.BERLIN)):
        warnings = stale(tmp_path)
    assert len(warnings) == 1 and warnings[0].startswith("alt.yml: last reviewed 2026-05-27")
    assert stale(tmp_path, today=date(2026, 11, 27)) == []  # exactly six months: still fine


def test_an_avoided_glossary_variant_in_an_answer_fails(tmp_path: Path) -> None:
    terms = tmp_path / "glossary.yml"
    terms.write_text(
        "terms:\n  Jobcenter:\n    ar: {use: الجوب سنتر, avoid: [مركز العمل]}\n"
        "  Ausbildung:\n    de: {use: Ausbildung, avoid: [Lehre]}\n",
        encoding="utf-8",
    )
    faq = tmp_path / "faq"
    faq.mkdir()
    topic = good_topic("sieben", "frage")
    topic["answer"]["ar"] = "اذهب إلى مركز العمل (Jobcenter)"
    # "Lehre" inside "Lehrerin" is no match: Latin variants count as whole words
    topic["answer"]["de"] = "Frag deine Lehrerin nach einer Ausbildung."
    topic["title"]["de"] = "Lehre oder Studium?"
    write(faq, topic, "sieben")
    problems = check(faq, glossary_file=terms)
    assert problems == [
        "sieben.yml: title in 'de': 'Lehre' — the glossary says 'Ausbildung' (Ausbildung)",
        "sieben.yml: answer in 'ar': 'مركز العمل' — the glossary says 'الجوب سنتر' (Jobcenter)",
    ]


def test_the_shipped_glossary_names_one_term_per_concept_in_every_language() -> None:
    entries = glossary.load()
    concepts = {e.concept for e in entries}
    assert {"Ausländerbehörde", "Jobcenter", "Agentur für Arbeit", "Lebenslauf", "Ausbildung",
            "Berufsberatung", "Integrationskurs", "Duldung", "Aufenthaltsgestattung",
            "Aufenthaltserlaubnis", "Termin", "Beratung", "JMD", "MBE"} <= concepts
    for concept in concepts:
        assert sorted(e.language for e in entries if e.concept == concept) == ["ar", "de", "prs"]
    assert glossary.check({}) == []


def test_the_glossary_also_covers_texts_and_rasa_responses(tmp_path: Path) -> None:
    from jmd.content.faq import _response_wording, _text_wording

    domain = tmp_path / "domain.yml"
    domain.write_text(
        "responses:\n  utter_x:\n    - text: Geh zum Arbeitsamt.\n"
        "    - text: اذهب إلى مركز العمل\n      condition:\n"
        "        - {type: slot, name: language, value: ar}\n",
        encoding="utf-8",
    )
    assert glossary.check(_response_wording(domain)) == [
        "domain.yml: utter_x in 'de': 'Arbeitsamt' — the glossary says 'Agentur für Arbeit'"
        " (Agentur für Arbeit)",
        "domain.yml: utter_x in 'ar': 'مركز العمل' — the glossary says 'الجوب سنتر' (Jobcenter)",
    ]
    shipped = _text_wording() | _response_wording()
    assert "domain.yml: utter_greet" in shipped and glossary.check(shipped) == []
