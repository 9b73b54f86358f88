"""An appointment as an iCalendar file."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from jmd.booking.ics import booking_ics
from jmd.booking.service import BookingView, SlotView
from jmd.clock import BERLIN

SLOT = SlotView(ref="abcd2345", starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 9, 45, tzinfo=UTC), mode="in_person",
                counselor="Frau Test", counselor_languages=("de", "ar"), office_id="zerbst",
                office_name="JMD Zerbst", address=None)


def test_calendar_file() -> None:
    booking = BookingView(ref="zz99yy88", status="active", language="de", slot=SLOT,
                          person_key="u1")
    calendar = Calendar.from_ical(booking_ics(booking, "de"))
    event = next(iter(calendar.walk("VEVENT")))
    assert event["UID"] == "zz99yy88@jmd-assistent"
    assert event.decoded("DTSTART") == SLOT.starts_at
    assert event.decoded("DTSTART").astimezone(BERLIN).hour == 10
    assert "Büro" in str(event["SUMMARY"])
