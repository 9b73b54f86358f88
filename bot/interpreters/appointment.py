"""An interpreter for an appointment: offered after a booking nobody at the office can
hold in the person's language; the volunteer gets the details, the .ics and the reminders.

Invariants: the offer comes only for a booking of the person themselves that is active,
in a language no active counselor of its office speaks, while volunteers for it exist;
cancelling or moving the appointment (and /delete) tells an interpreter who accepted.
The counselor group sees the pseudonym and the volunteer's name, never a Telegram ID.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.error import TelegramError

from bot.front import Front, Person
from bot.handoff.common import offer_booking
from bot.interpreters.common import (
    consent_markup,
    edit_offers,
    language_label,
    reach,
    tell_person,
    to_volunteer,
    volunteer_name,
)
from jmd.booking.ics import booking_ics, filename
from jmd.booking.present import STAFF_LANGUAGE, details, staff_line
from jmd.booking.reminders import Reminder
from jmd.booking.service import ACTIVE as BOOKED
from jmd.booking.service import BookingView, booking_by_ref
from jmd.db import db
from jmd.identity import display_name, short
from jmd.interpreters.assignments import (
    ACTIVE,
    CANCELLED,
    AssignmentView,
    end,
    needs_interpreter,
    open_for_booking,
    request_appointment,
)
from jmd.interpreters.register import volunteers_for
from jmd.texts import staff, t

logger = logging.getLogger(__name__)


async def _booking(assignment: AssignmentView) -> BookingView | None:
    return await db(booking_by_ref, assignment.booking_ref or "")


def _staff_details(booking: BookingView) -> dict[str, str]:
    """The appointment as volunteers and counselors read it (German)."""
    found = details(booking.slot, STAFF_LANGUAGE)
    return {"when": found["when"], "mode": found["mode"], "counselor": found["counselor"],
            "office": booking.slot.office_name, "place": found["place"],
            "person": display_name(booking.person_key),
            "language": language_label(booking.language)}


async def _to_group(front: Front, bot: Bot, title: str, booking: BookingView) -> None:
    """A notice about the booking in the counselor group (best effort)."""
    group = front.settings.counselor_chat_id
    if group is None:
        return
    try:
        await bot.send_message(group, f"{title}\n\n{staff_line(booking)}")
    except TelegramError:
        logger.warning("could not post an interpreter notice to the counselor group")


# -- the booking's custom messages from Rasa ------------------------------------------------


async def on_booking_custom(front: Front, bot: Bot, person: Person, custom: dict[str, Any],
                            language: str) -> None:
    """A booked, moved or cancelled appointment (the ``staff`` custom message)."""
    notice = custom.get("staff")
    if not isinstance(notice, dict):
        return
    ref, old = notice.get("booking_ref"), notice.get("old_ref")
    if old:
        await cancelled(bot, str(old))
    if notice.get("event") == "cancelled" and ref:
        await cancelled(bot, str(ref))
    elif notice.get("event") in ("booked", "rescheduled") and ref:
        await offer(bot, person, str(ref), language)


async def offer(bot: Bot, person: Person, ref: str, language: str) -> None:
    """Ask the person whether a volunteer should come, when nobody at the office can
    counsel in the booking's language and a volunteer for it is registered."""
    booking = await db(booking_by_ref, ref)
    if booking is None or booking.person_key != person.key or booking.status != BOOKED:
        return
    if not await db(needs_interpreter, booking) \
            or not await db(volunteers_for, booking.language, except_key=person.key):
        return
    assignment = await db(request_appointment, booking)
    if assignment is None:
        return
    logger.info("interpreter offered for an appointment of %s (request %d)", short(person.key),
                assignment.id)
    await bot.send_message(person.chat_id, t("interpreter_booking_offer", language),
                           reply_markup=consent_markup(language, assignment.id))


# -- the steps the chat has too ------------------------------------------------------------


async def offer_text(assignment: AssignmentView) -> str | None:
    """What a volunteer reads: pseudonym, language, when, how, where; None: booking gone."""
    booking = await _booking(assignment)
    if booking is None:
        return None
    return staff("interpreter.offer_appointment", **{
        k: v for k, v in _staff_details(booking).items() if k != "place"})


async def declined(assignment: AssignmentView, bot: Bot, language: str) -> None:
    await tell_person(bot, assignment.person_key, language, "interpreter_booking_declined")


async def searching(assignment: AssignmentView, bot: Bot, language: str) -> None:
    await tell_person(bot, assignment.person_key, language, "interpreter_booking_searching")


async def joined(front: Front, bot: Bot, assignment: AssignmentView,
                 offer_message: Message | None) -> None:
    """A volunteer will come: they get the details and the .ics; the person and the
    counselors are told who comes."""
    booking = await _booking(assignment)
    volunteer = assignment.interpreter
    if booking is None or volunteer is None:
        return
    text = staff("interpreter.appointment_accepted", **_staff_details(booking))
    edited = False
    if offer_message is not None:
        try:
            await offer_message.edit_text(text, reply_markup=None)
            edited = True
        except TelegramError:
            logger.info("could not update an accepted offer", exc_info=True)
    if not edited:
        await to_volunteer(bot, volunteer.telegram_user_id, text)
    try:
        await bot.send_document(volunteer.telegram_user_id,
                                InputFile(booking_ics(booking, STAFF_LANGUAGE),
                                          filename=filename(booking)),
                                caption=staff("interpreter.ics_caption"))
    except TelegramError:
        logger.info("could not send the calendar file to volunteer #%d", volunteer.id)
    person = await reach(assignment.person_key, assignment.language)
    language = person.language or assignment.language
    await tell_person(bot, assignment.person_key, language, "interpreter_booking_found",
                      name=volunteer_name(assignment),
                      when=details(booking.slot, language)["when"],
                      counselor=booking.slot.counselor)
    await _to_group(front, bot, staff("interpreter.appointment_found", name=volunteer.name),
                    booking)


async def timed_out(front: Front, bot: Bot, assignment: AssignmentView) -> None:
    """Nobody will come: the person (offered another booking) and the counselors told."""
    person = await reach(assignment.person_key, assignment.language)
    if person.chat_id is not None:
        try:
            await offer_booking(front, bot, person.chat_id, "interpreter_booking_timeout",
                                person.language or assignment.language)
        except TelegramError:
            logger.info("could not tell %s that no interpreter comes",
                        short(assignment.person_key))
    booking = await _booking(assignment)
    if booking is not None:
        await _to_group(front, bot, staff("interpreter.appointment_none"), booking)


async def withdrawn(front: Front, bot: Bot, assignment: AssignmentView) -> None:
    """The volunteer of an accepted appointment was removed from the register."""
    await tell_person(bot, assignment.person_key, assignment.language,
                      "interpreter_cannot_come")
    booking = await _booking(assignment)
    if booking is not None:
        await _to_group(front, bot, staff("interpreter.appointment_gone"), booking)


# -- cancelled, reminded ---------------------------------------------------------------------


async def cancelled(bot: Bot, ref: str) -> None:
    """The appointment ``ref`` is off: its interpreter request ends, a volunteer is told."""
    current = await db(open_for_booking, ref)
    ended = await db(end, current.id, CANCELLED) if current is not None else None
    if ended is not None:
        await tell_cancelled(bot, ended)


async def tell_cancelled(bot: Bot, assignment: AssignmentView) -> None:
    """The volunteer of a cancelled appointment (or the open offers) learn it is off."""
    volunteer = assignment.interpreter
    if volunteer is None:
        await edit_offers(bot, assignment.id, staff("interpreter.expired"))
        return
    booking = await _booking(assignment)
    when = _staff_details(booking)["when"] if booking else ""
    logger.info("volunteer #%d told that an appointment is cancelled", volunteer.id)
    await to_volunteer(bot, volunteer.telegram_user_id, staff(
        "interpreter.appointment_cancelled", person=display_name(assignment.person_key),
        when=when))


async def remind(bot: Bot, reminder: Reminder) -> None:
    """With the person's reminder: the one of the volunteer who comes (claimed with it)."""
    assignment = await db(open_for_booking, reminder.booking.ref)
    if assignment is None or assignment.status != ACTIVE or assignment.interpreter is None:
        return
    await to_volunteer(bot, assignment.interpreter.telegram_user_id, staff(
        "interpreter.reminder", **_staff_details(reminder.booking)))
