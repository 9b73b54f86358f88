"""Office data: placeholders are never shown, hours are parsed and localised, errors are clear.

Also the counselors' hours (any office open), which the handoff tells a person.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from jmd.content.offices import (
    OFFICES_FILE,
    PLACEHOLDER,
    Office,
    OfficeDataError,
    check,
    is_open,
    load_offices,
    missing_details,
    opening_hours,
    render_hours,
    render_offices,
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "offices.yml"
    path.write_text(body, encoding="utf-8")
    return path


KNOWN = """
offices:
  - id: test-office
    organisation: jmd
    source: https://www.example.org/jmd-musterstadt
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
    assert [o.id for o in offices] == ["bitterfeld-wolfen", "koethen", "zerbst"]
    assert {o.organisation for o in offices} == {"jmd"}
    assert all(o.id and o.name for o in offices)


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
def test_placeholders_are_never_shown(language: str) -> None:
    text = render_offices(language, load_offices(OFFICES_FILE))
    assert PLACEHOLDER not in text.upper()
    assert "JMD Bitterfeld-Wolfen" in text


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


A = "offices:\n  - {id: a, organisation: jmd, name: A, area: A"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("offices: [", "broken YAML"),
        ("nothing: here", "expected a list 'offices:'"),
        ("offices:\n  - {id: a, name: A}", "'area' is required"),
        ("offices:\n  - {id: A B, name: A, area: A}", "id may only contain"),
        (A + ", fax: 1}", "unknown field(s) fax"),
        (A + ", hours: {monday: '09:00-10:00'}}",
         "unknown weekday 'monday'"),
        (A + ", hours: {mon: '9-12'}}", "is not HH:MM-HH:MM"),
        (A + ", hours: {mon: '12:00-09:00'}}",
         "ends before it starts"),
        ("offices:\n  - {id: a, name: A, area: A}", "'organisation' is required"),
        (A + ", phone: '0123'}",
         "phone filled in without 'source'"),
        (A + ", phone: '0123', source: x}",
         "source must start with https://"),
        (A + "}\n  - {id: a, organisation: jmd, name: B, area: B}",
         "id used twice: a"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(OfficeDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_offices(path)
    (line,) = check(path)
    assert line.startswith("offices.yml: ") and message in line


# -- the counselors' hours: any office open ---------------------------------------------

OFFICES = (
    Office("a", "A", "A", hours={0: [(time(9), time(12)), (time(13), time(16))],
                                 4: [(time(9), time(12))]}),
    Office("b", "B", "B", hours={0: [(time(11), time(14))], 3: [(time(10), time(18))]}),
    Office("c", "C", "C"),  # hours unknown
)


def test_office_hours_are_merged_across_offices() -> None:
    assert opening_hours(OFFICES) == {
        0: [(time(9), time(16))],
        3: [(time(10), time(18))],
        4: [(time(9), time(12))],
    }
    assert opening_hours(OFFICES[2:]) == {}


def test_open_or_closed_in_berlin_time_unknown_without_hours() -> None:
    hours = opening_hours(OFFICES)
    monday = datetime(2026, 11, 30, 14, 59, tzinfo=UTC)  # 15:59 in Berlin
    assert is_open(hours, monday) is True
    assert is_open(hours, monday + timedelta(minutes=1)) is False  # 16:00
    assert is_open(hours, datetime(2026, 12, 5, 10, 0, tzinfo=UTC)) is False  # Sat
    assert is_open({}, monday) is None


def test_hours_are_rendered_in_the_persons_language() -> None:
    hours = opening_hours(OFFICES)
    assert render_hours(hours, "de") == "Mo.: 09:00–16:00\nDo.: 10:00–18:00\nFr.: 09:00–12:00"
    arabic = render_hours(hours, "ar").splitlines()
    assert arabic[0].endswith("09:00–16:00") and not arabic[0].startswith("Mo")
