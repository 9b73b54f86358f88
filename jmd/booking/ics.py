"""An appointment as an iCalendar file (.ics), so it lands in the phone's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event, vText

from jmd.booking.present import mode_label, place
from jmd.booking.service import BookingView, SlotView
from jmd.clock import now


@dataclass(frozen=True)
class Wording:
    """What a calendar entry says; the rest (times, place, alarm) comes from the slot."""

    uid: str
    product: str  # the PRODID's last part, e.g. "Beratungstermin"
    summary: str
    description: str
    alarm: str


def appointment_ics(slot: SlotView, language: str, wording: Wording,
                    stamp: datetime | None = None) -> bytes:
    """One VEVENT with an alarm two hours before; times in UTC (calendars convert)."""
    calendar = Calendar()
    calendar.add("prodid", f"-//JMD Assistent//{wording.product}//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", wording.uid)
    event.add("dtstamp", stamp or now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", wording.summary)
    event["location"] = vText(place(slot, language))
    event.add("description", wording.description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", wording.alarm)
    alarm.add("trigger", timedelta(hours=-2))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def booking_ics(booking: BookingView, language: str, stamp: datetime | None = None) -> bytes:
    """A booking with one counselor of the JMD."""
    slot = booking.slot
    mode = mode_label(slot.mode, language)
    return appointment_ics(slot, language, Wording(
        uid=f"{booking.ref}@jmd-assistent", product="Beratungstermin",
        summary=f"JMD – {mode} ({slot.counselor})", description=f"{slot.office_name}\n{mode}",
        alarm="JMD",
    ), stamp)


def filename(booking: BookingView) -> str:
    return f"jmd-termin-{booking.slot.starts_at:%Y%m%d-%H%M}.ics"
