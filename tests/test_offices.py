"""Office data: placeholders are never shown, hours are parsed and localised, errors are clear."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from jmd.content.offices import (
    OFFICES_FILE,
    PLACEHOLDER,
    Office,
    OfficeDataError,
    check,
    load_offices,
    missing_details,
    render_offices,
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "offices.yml"
    path.write_text(body, encoding="utf-8")
    return path


KNOWN = """
offices:
  - id: test-office
    name: JMD Musterstadt
    area: Musterstadt
    address: Musterweg 1, 00000 Musterstadt
    phone: PLATZHALTER
    email: jmd@example.org
    hours: {mon: "09:00-12:00, 13:00-16:00", thu: "10:00-18:00", fri: PLATZHALTER}
    languages: [Arabisch, Dari]
"""


def test_the_shipped_file_loads_and_passes_the_check() -> None:
    assert check(OFFICES_FILE) == []
    offices = load_offices(OFFICES_FILE)
    assert {o.area for o in offices} >= {"Dessau-Roßlau"}
    assert all(o.id and o.name for o in offices)


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
def test_placeholders_are_never_shown(language: str) -> None:
    text = render_offices(language, load_offices(OFFICES_FILE))
    assert PLACEHOLDER not in text.upper()
    assert "JMD Dessau-Roßlau" in text


def test_known_values_and_localised_weekdays(tmp_path: Path) -> None:
    (office,) = load_offices(write(tmp_path, KNOWN))
    assert office.phone is None  # placeholder → unknown
    assert office.hours[0] == [(time(9), time(12)), (time(13), time(16))]
    assert 4 not in office.hours  # Friday is a placeholder
    german = render_offices("de", (office,))
    assert "Musterweg 1" in german and "Mo.: 09:00–12:00, 13:00–16:00" in german
    assert "Do.: 10:00–18:00" in german
    assert "Arabisch, Dari" in german
    dari = render_offices("prs", (office,))
    assert "دوشنبه" in dari and "آدرس" in dari  # Monday and "address" in Dari
    arabic = render_offices("ar", (office,))
    assert "الاثنين" in arabic and "العنوان" in arabic
    assert missing_details((office,)) == ["test-office: phone"]


def test_details_pending_note_when_something_is_unknown(tmp_path: Path) -> None:
    (office,) = load_offices(write(tmp_path, KNOWN))
    assert "bald" in render_offices("de", (office,))  # phone unknown → "tragen wir bald ein"


def test_is_open() -> None:
    office = Office("x", "X", "X", hours={0: [(time(9), time(12))]})
    assert office.is_open(0, time(9, 30))
    assert not office.is_open(0, time(12))
    assert not office.is_open(1, time(10))
    assert not Office("y", "Y", "Y").is_open(0, time(10))  # unknown hours: never "open"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("offices: [", "broken YAML"),
        ("nothing: here", "expected a list 'offices:'"),
        ("offices:\n  - {id: a, name: A}", "'area' is required"),
        ("offices:\n  - {id: A B, name: A, area: A}", "id may only contain"),
        ("offices:\n  - {id: a, name: A, area: A, fax: 1}", "unknown field(s) fax"),
        ("offices:\n  - {id: a, name: A, area: A, hours: {monday: '09:00-10:00'}}",
         "unknown weekday 'monday'"),
        ("offices:\n  - {id: a, name: A, area: A, hours: {mon: '9-12'}}", "is not HH:MM-HH:MM"),
        ("offices:\n  - {id: a, name: A, area: A, hours: {mon: '12:00-09:00'}}",
         "ends before it starts"),
        ("offices:\n  - {id: a, name: A, area: A}\n  - {id: a, name: B, area: B}",
         "id used twice: a"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(OfficeDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_offices(path)
    (line,) = check(path)
    assert line.startswith("offices.yml: ") and message in line
