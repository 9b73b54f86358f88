"""Appointments as people and counselors read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from jmd.booking.present import day_label, details, slot_button, staff_line, when
from jmd.booking.service import BookingView, SlotView
from jmd.identity import display_name

SLOT = SlotView(ref="abcd2345", starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 9, 45, tzinfo=UTC), mode="in_person",
                counselor="Frau Test", counselor_languages=("de", "ar"), office_id="zerbst",
                office_name="JMD Zerbst", address=None)


def test_dates_in_each_language_in_berlin_time() -> None:
    assert when(SLOT, "de") == "Dienstag, 1. Dezember 2026, 10:00–10:45"
    assert "دسمبر" in when(SLOT, "prs") and "10:00" in when(SLOT, "prs")  # Afghan month name
    assert "ديسمبر" in when(SLOT, "ar") and "الثلاثاء" in when(SLOT, "ar")
    assert day_label(date(2026, 12, 1), "de") == "Di. 1. Dez."
    assert slot_button(SLOT, "de") == "Di. 1. Dez. · 10:00 🏢"


def test_unknown_address_is_never_invented() -> None:
    place = details(SLOT, "de")["place"]
    assert place == "JMD Zerbst. Die Adresse schicken wir dir noch."
    assert "PLATZHALTER" not in details(SLOT, "ar")["place"]


def test_counselors_read_german_and_the_pseudonym_only() -> None:
    booking = BookingView(ref="zz99yy88", status="active", language="prs", slot=SLOT,
                          person_key="u1")
    line = staff_line(booking)
    assert line.startswith("📅 Dienstag, 1. Dezember 2026, 10:00–10:45\n🏢 Im Büro · Frau Test")
    assert display_name("u1") in line and "Sprache: دری" in line
