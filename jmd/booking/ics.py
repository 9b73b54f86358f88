"""An appointment as an iCalendar file (.ics), so it lands in the phone's calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event, vText

from jmd.booking.present import mode_label, place
from jmd.booking.service import BookingView
from jmd.clock import now


def booking_ics(booking: BookingView, language: str, stamp: datetime | None = None) -> bytes:
    """One VEVENT with an alarm two hours before; times in UTC (calendars convert)."""
    slot = booking.slot
    calendar = Calendar()
    calendar.add("prodid", "-//JMD Assistent//Beratungstermin//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.ref}@jmd-assistent")
    event.add("dtstamp", stamp or now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", f"JMD – {mode_label(slot.mode, language)} ({slot.counselor})")
    event["location"] = vText(place(slot, language))
    event.add("description", f"{slot.office_name}\n{mode_label(slot.mode, language)}")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "JMD")
    alarm.add("trigger", timedelta(hours=-2))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def filename(booking: BookingView) -> str:
    return f"jmd-termin-{booking.slot.starts_at:%Y%m%d-%H%M}.ics"
