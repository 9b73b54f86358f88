"""Editing the topic files from the console: same checks as make check-content, minimal diffs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jmd import clock
from jmd.content import faq
from jmd.content.editing import (
    Conflict,
    EditError,
    Files,
    add_example,
    check_edit,
    data_files,
    read_topic,
    save_file,
    save_topic,
    version,
)
from tests.helpers.content_files import changed_lines, files_in, project_copy


@pytest.fixture
def files(tmp_path: Path) -> Files:
    project_copy(tmp_path)
    return files_in(tmp_path)


def test_the_checker_runs_on_topics_in_memory(files: Files) -> None:
    assert faq.check(files.faq_dir, files.glossary) == []
    assert faq.check_topics([]) == []


def test_saving_an_unchanged_form_leaves_every_byte(files: Files) -> None:
    for name in ("study", "ausbildung_money", "bafoeg"):
        path = files.faq_dir / f"{name}.yml"
        before = path.read_text(encoding="utf-8")
        form, based_on = read_topic(files, name)
        assert save_topic(files, name, form, based_on) == []
        assert path.read_text(encoding="utf-8") == before


def test_an_edited_answer_changes_only_its_line(files: Files) -> None:
    path = files.faq_dir / "study.yml"
    before = path.read_text(encoding="utf-8")
    form, based_on = read_topic(files, "study")
    form.answer["de"] = form.answer["de"].replace("(z. B. Abitur)",
                                                  "(z. B. Abitur oder Fachabitur)")
    assert save_topic(files, "study", form, based_on) == []
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert len(removed) == 1 and "(z. B. Abitur)" in removed[0]
    assert added == [removed[0].replace("(z. B. Abitur)", "(z. B. Abitur oder Fachabitur)")]
    assert "reviewed: 2026-11-28" in path.read_text(encoding="utf-8")  # blocks kept


def test_a_missing_language_is_a_problem_and_nothing_is_written(files: Files) -> None:
    path = files.faq_dir / "study.yml"
    before = path.read_text(encoding="utf-8")
    form, based_on = read_topic(files, "study")
    form.answer["prs"] = ""
    assert check_edit(files, "study", form) == ["study.yml: answer missing in 'prs'"]
    assert save_topic(files, "study", form, based_on) == ["study.yml: answer missing in 'prs'"]
    assert path.read_text(encoding="utf-8") == before


def test_an_example_of_another_topic_is_reported_on_the_edited_one(files: Files) -> None:
    form, _ = read_topic(files, "bafoeg")  # before "study" in file order
    form.examples["de"].append("studium kosten")
    assert ("bafoeg.yml: example 'studium kosten' is also in topic 'study'"
            in check_edit(files, "bafoeg", form))


def test_a_form_from_an_older_version_is_refused(files: Files) -> None:
    form, based_on = read_topic(files, "study")
    add_example(files, "faq/study", "de", "studium an der fachhochschule")
    with pytest.raises(Conflict):
        save_topic(files, "study", form, based_on)
    assert "studium an der fachhochschule" in (files.faq_dir / "study.yml").read_text("utf-8")


def test_an_inbox_example_is_one_added_line_in_the_languages_list(files: Files) -> None:
    path = files.faq_dir / "study.yml"
    before = path.read_text(encoding="utf-8")
    assert add_example(files, "faq/study", "prs", "  میخایم در  هاله پوهنتون برم ") == "study.yml"
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert removed == [] and added == ["    - میخایم در هاله پوهنتون برم"]
    form, _ = read_topic(files, "study")
    assert form.examples["prs"][-1] == "میخایم در هاله پوهنتون برم"


def test_an_example_already_in_another_topic_is_refused(files: Files) -> None:
    before = (files.faq_dir / "bafoeg.yml").read_text(encoding="utf-8")
    with pytest.raises(EditError, match="steht schon in Thema 'study'"):
        add_example(files, "faq/bafoeg", "de", "Studium Kosten")
    with pytest.raises(EditError, match="steht schon in Thema 'study'"):
        add_example(files, "greet", "de", "studium kosten")
    with pytest.raises(EditError, match="Beispiel von 'greet'"):
        add_example(files, "faq/study", "de", "hallo")
    assert (files.faq_dir / "bafoeg.yml").read_text(encoding="utf-8") == before


def test_an_intent_example_goes_into_the_languages_file(files: Files) -> None:
    path = files.nlu_dir / "ar.yml"
    before = path.read_text(encoding="utf-8")
    assert add_example(files, "stop_booking", "ar", "خلاص ما بدي احجز") == "ar.yml"
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert removed == [] and added == ["    - خلاص ما بدي احجز"]
    with pytest.raises(EditError, match="gibt es nicht"):
        add_example(files, "no_such_intent", "de", "etwas")
    with pytest.raises(EditError, match="Sprache"):
        add_example(files, "greet", "xx", "etwas")


def test_a_broken_data_file_is_refused_with_the_loaders_message(files: Files) -> None:
    path, checks = data_files(files)["offices"]
    before = path.read_text(encoding="utf-8")
    broken = before.replace("offices:", "offices: [", 1)
    problems = save_file(path, broken, checks, version(path))
    assert problems and problems[0].startswith("offices.yml: broken YAML")
    bad_hours = before.replace("hours: PLATZHALTER", "hours: {mon: 'Mo 9-12'}", 1)
    assert any("is not HH:MM-HH:MM" in p for p in save_file(path, bad_hours, checks,
                                                            version(path)))
    assert path.read_text(encoding="utf-8") == before
    fixed = before.replace("name: JMD Bitterfeld-Wolfen", "name: JMD Bitterfeld-Wolfen (Büro)", 1)
    assert save_file(path, fixed.replace("\n", "\r\n"), checks, version(path)) == []
    assert path.read_text(encoding="utf-8") == fixed


def test_a_crisis_phrase_file_that_misses_its_examples_is_refused(files: Files) -> None:
    path, checks = data_files(files)["crisis_phrases"]
    before = path.read_text(encoding="utf-8")
    problems = save_file(path, before.replace("\nexamples:", "\nbeispiele:", 1), checks,
                         version(path))
    assert any("no examples in" in p for p in problems)
    assert path.read_text(encoding="utf-8") == before


def test_reviewed_today_sets_the_date_and_nothing_else(files: Files) -> None:
    path = files.faq_dir / "bafoeg.yml"
    before = path.read_text(encoding="utf-8")
    form, based_on = read_topic(files, "bafoeg")
    form.reviewed_today = True
    with clock.frozen(datetime(2027, 1, 5, 10, 0, tzinfo=UTC)):
        assert save_topic(files, "bafoeg", form, based_on) == []
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert [line.split(":")[0] for line in removed] == ["reviewed"]
    assert added == ["reviewed: 2027-01-05"]


def test_a_broken_topic_file_is_named_not_a_crash(files: Files) -> None:
    (files.faq_dir / "study.yml").write_text("topic: study\nanswer: [\n", encoding="utf-8")
    with pytest.raises(EditError, match=r"study\.yml"):
        read_topic(files, "study")
    with pytest.raises(EditError, match=r"study\.yml: broken YAML"):
        add_example(files, "faq/study", "de", "etwas ganz neues")
    with pytest.raises(EditError, match="gibt es nicht"):
        read_topic(files, "../content/offices")


def test_an_unchanged_topic_without_buttons_gets_no_empty_keys(files: Files) -> None:
    path = files.faq_dir / "study.yml"
    text = path.read_text(encoding="utf-8").replace(
        "buttons: [book_appointment, faq/recognition, faq/language_course]\n", "")
    path.write_text(text, encoding="utf-8")
    form, based_on = read_topic(files, "study")
    assert save_topic(files, "study", form, based_on) == []
    assert path.read_text(encoding="utf-8") == text
