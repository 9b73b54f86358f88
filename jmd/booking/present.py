"""Appointments as people read them: dates in their language, Europe/Berlin time."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, format_time

from jmd.booking.service import BookingView, SlotView
from jmd.booking.vocabulary import fmt, mode_label, text_for
from jmd.clock import local
from jmd.content.offices import load_offices
from jmd.shared.languages import registry


def _locale(language: str) -> str:
    lang = registry().get(language) or registry().languages[registry().default]
    return lang.babel_locale


def day_label(day: date, language: str) -> str:
    """A day button: "Di. 1. Dez." · "سه‌شنبه 1 دسمبر" · "الثلاثاء 1 ديسمبر"."""
    return format_date(day, fmt("day_button", language), locale=_locale(language))


def when(slot: SlotView, language: str) -> str:
    """Date and time range, e.g. "Dienstag, 1. Dezember 2026, 10:00–10:45"."""
    start, end = local(slot.starts_at), local(slot.ends_at)
    locale = _locale(language)
    day = format_date(start.date(), fmt("date", language), locale=locale)
    pattern = fmt("time", language)
    return (f"{day}, {format_time(start.time(), pattern, locale=locale)}–"
            f"{format_time(end.time(), pattern, locale=locale)}")


def slot_button(slot: SlotView, language: str) -> str:
    """Short enough for a phone button: day, time, mode icon."""
    start = local(slot.starts_at)
    locale = _locale(language)
    icon = mode_label(slot.mode, language).split()[0]
    return (f"{format_date(start.date(), fmt('day_button', language), locale=locale)} · "
            f"{format_time(start.time(), fmt('time', language), locale=locale)} {icon}")


def place(slot: SlotView, language: str) -> str:
    """Where to go: the office and its address, or how the remote appointment works."""
    if slot.mode != "in_person":
        return text_for("where", "remote", language)
    office = next((o for o in load_offices() if o.id == slot.office_id), None)
    address = office.address if office else slot.address
    name = office.name if office else slot.office_name
    if address:
        return f"{name}, {address}"
    return f"{name}. {text_for('where', 'in_person_unknown', language)}"


def details(slot: SlotView, language: str) -> dict[str, str]:
    """The placeholders of the booking responses in domain.yml."""
    return {
        "when": when(slot, language),
        "mode": mode_label(slot.mode, language),
        "counselor": slot.counselor,
        "place": place(slot, language),
    }


def booking_line(booking: BookingView, language: str) -> str:
    return f"📅 {when(booking.slot, language)}\n   {mode_label(booking.slot.mode, language)} · " \
           f"{booking.slot.counselor}"
