"""The words people type in the booking dialogue: days in German, Dari and Arabic."""

from __future__ import annotations

from datetime import date

import pytest

from jmd.booking.vocabulary import parse_day

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(("text", "expected"), [
    ("morgen", "2026-11-26"), ("nächsten Dienstag", "2026-12-01"), ("Di", "2026-12-01"),
    ("am freitag bitte", "2026-11-27"), ("übermorgen", "2026-11-27"), ("3.12.", "2026-12-03"),
    ("5. Dezember", "2026-12-05"), ("فردا", "2026-11-26"), ("سه‌شنبه", "2026-12-01"),
    ("پس فردا", "2026-11-27"), ("۳.۱۲", "2026-12-03"), ("بكرة", "2026-11-26"),
    ("بكره", "2026-11-26"), ("باجر", "2026-11-26"), ("الثلاثاء الجاي", "2026-12-01"),
    ("يوم الخميس", "2026-11-26"), ("Mittwoch", "2026-12-02"),  # today's weekday: next week
    ("ich weiß nicht", None), ("so bald es geht", None), ("So", "2026-11-29"),
    ("1.11.", "2027-11-01"),
])
def test_days_people_write(text: str, expected: str | None) -> None:
    day = parse_day(text, TODAY)
    assert (day.isoformat() if day else None) == expected
