"""The text catalogue (content/texts/): one store, one fallback, checked for editors."""

from __future__ import annotations

from pathlib import Path

import pytest

from jmd.texts import STAFF_PREFIX, check, keys, read_catalogue, staff, t


def test_the_catalogue_is_complete() -> None:
    assert check() == []


def test_a_text_in_the_language_else_in_german() -> None:
    assert t("book_appointment", "ar") == "📅 حجز موعد"
    assert t("book_appointment", "xx") == "📅 Termin buchen"  # unknown → default language
    assert t("book_appointment", None) == "📅 Termin buchen"


def test_fields_are_filled_in() -> None:
    assert "Anna" in t("handoff_taken", "de", name="Anna")


def test_nested_keys_are_dotted_and_kept_in_order() -> None:
    commands = keys("commands.")
    assert commands[0] == "commands.start"
    assert t("commands.start", "prs")


def test_staff_texts_are_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "staff.yml").write_text('staff:\n  taken: {de: "Übernommen von {name}"}\n', "utf-8")
    monkeypatch.setattr("jmd.texts.TEXTS_DIR", tmp_path)
    assert keys(STAFF_PREFIX) == ["staff.taken"]
    assert staff("taken", name="Anna") == "Übernommen von Anna"


def test_the_checker_names_what_an_editor_must_fix(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        'hello: {de: "Hallo {name}", prs: "سلام", ar: "مرحبا {name}"}\n'
        'staff:\n  note: {de: "Nur Deutsch"}\n'
        'bye: {de: "Tschüss", ar: "مع السلامة"}\n', "utf-8")
    problems = check(tmp_path)
    assert "texts: 'bye' missing in 'prs'" in problems
    assert "texts: 'hello' in 'prs' has other {fields} than in German" in problems
    assert not any("staff.note" in p for p in problems)  # German is enough for staff


def test_a_key_defined_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text('x: {de: "1"}\n', "utf-8")
    (tmp_path / "b.yml").write_text('x: {de: "2"}\n', "utf-8")
    with pytest.raises(ValueError, match="also defined"):
        read_catalogue(tmp_path)
    assert check(tmp_path) and "also defined" in check(tmp_path)[0]
