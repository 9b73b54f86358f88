"""Appointments as people read them: dates in their language, Europe/Berlin time.

Every label comes from the text catalogue (content/texts/booking.yml) or the office file;
patterns from content/booking.yml. The counselor group reads German and only the person's
pseudonym, never a name or a Telegram ID.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, format_time

from jmd.booking.service import BookingView, SlotView
from jmd.booking.vocabulary import fmt
from jmd.clock import local
from jmd.content.offices import load_offices
from jmd.identity import display_name
from jmd.shared.languages import in_language, registry
from jmd.texts import staff, t

STAFF_LANGUAGE = "de"  # the counselor group reads German


def _locale(language: str) -> str:
    return in_language(registry().languages, language).babel_locale


def mode_label(mode: str, language: str) -> str:
    """ "📞 Am Telefon": how the appointment takes place, its icon first."""
    return t(f"booking.mode.{mode}", language)


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
        return t("booking.where_remote", language)
    office = next((o for o in load_offices() if o.id == slot.office_id), None)
    address = office.address if office else slot.address
    name = office.name if office else slot.office_name
    if address:
        return f"{name}, {address}"
    return f"{name}. {t('booking.where_unknown', language)}"


def details(slot: SlotView, language: str) -> dict[str, str]:
    """The placeholders of the booking responses in domain.yml (and of the reminders)."""
    return {
        "when": when(slot, language),
        "mode": mode_label(slot.mode, language),
        "counselor": slot.counselor,
        "place": place(slot, language),
    }


def booking_line(booking: BookingView, language: str) -> str:
    """One of the person's appointments in a list."""
    return f"📅 {when(booking.slot, language)}\n   {mode_label(booking.slot.mode, language)} · " \
           f"{booking.slot.counselor}"


def staff_line(booking: BookingView) -> str:
    """One booking for the counselors: no name, no Telegram data — the pseudonym only."""
    slot = booking.slot
    language = registry().get(booking.language)
    return staff("booking.line", when=when(slot, STAFF_LANGUAGE),
                 mode=mode_label(slot.mode, STAFF_LANGUAGE), counselor=slot.counselor,
                 office=slot.office_name, person=display_name(booking.person_key),
                 language=language.name if language else "?")
