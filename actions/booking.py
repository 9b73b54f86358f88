"""Appointments after the form: booking the chosen slot, listing, cancelling, rescheduling.

Thin on purpose: decisions live in jmd.booking.dialogue, the rules of booking in
jmd.booking.service; these actions read the tracker, call them and talk. Buttons carry
short opaque refs; every ref is checked against the person's own upcoming bookings before
use. The counselor group and the calendar file are the Telegram front's: it gets them as
``staff`` and ``ics`` custom messages. The form itself is in actions/booking_form.py.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_common import (
    buttons,
    entity,
    language_of,
    offer_slots,
    recalled,
    reset,
    say_limit,
    say_none,
    say_not_found,
    upcoming,
)
from jmd.booking import dialogue, service
from jmd.booking.dialogue import action_choice
from jmd.booking.present import details
from jmd.booking.questions import MODE, OFFICE
from jmd.booking.service import BookingError, BookingView
from jmd.clock import now
from jmd.db import db
from jmd.identity import short

logger = logging.getLogger(__name__)


class ActionConfirmBooking(Action):
    """Book (or move a booking to) the chosen slot; if someone was faster, offer others."""

    def name(self) -> str:
        return "action_confirm_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        ref = entity(tracker, "slot_ref") or tracker.get_slot("booking_pending_slot")
        replacing = tracker.get_slot("reschedule_ref")
        key = tracker.sender_id
        if not ref:
            await offer_slots(dispatcher, tracker, response="utter_booking_slot_gone")
            return []
        try:
            booking = await db(lambda session: service.book(
                session, key, str(ref), language, now(), replacing=replacing))
        except BookingError as error:
            logger.info("booking refused for %s: %s", short(key), error.reason)
            return await self._refused(error.reason, dispatcher, tracker)
        event = "rescheduled" if replacing else "booked"
        logger.info("%s for %s", event, short(key))
        dispatcher.utter_message(
            response="utter_booking_rescheduled" if replacing else "utter_booking_confirmed",
            **details(booking.slot, language),
            buttons=buttons([action_choice("list_appointments", language)]),
        )
        dispatcher.utter_message(json_message={"ics": {"booking_ref": booking.ref}})
        dispatcher.utter_message(json_message={"staff": {
            "event": event, "booking_ref": booking.ref, "old_ref": replacing}})
        return [*reset(), SlotSet("reschedule_ref", None)]

    async def _refused(
        self, reason: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        language = language_of(tracker)
        if reason == service.LIMIT:
            say_limit(dispatcher, await upcoming(tracker.sender_id), language)
        elif reason == service.NOT_YOURS:
            say_not_found(dispatcher, language)
            return [SlotSet("reschedule_ref", None)]
        else:
            response = "utter_booking_taken" if reason == service.TAKEN \
                else "utter_booking_slot_gone"
            await offer_slots(dispatcher, tracker, response=response)
        return [SlotSet("booking_pending_slot", None)]


class ActionListAppointments(Action):
    """The person's upcoming appointments, each with reschedule and cancel buttons."""

    def name(self) -> str:
        return "action_list_appointments"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        mine = await upcoming(tracker.sender_id)
        if not mine:
            say_none(dispatcher, language)
            return []
        choices = dialogue.manage_choices(mine, language)
        if len(mine) < service.MAX_UPCOMING:
            choices.append(action_choice("book_appointment", language))
        dispatcher.utter_message(response="utter_appointments_list",
                                 list=dialogue.listing(mine, language), buttons=buttons(choices))
        return []


async def _which(
    tracker: Tracker, dispatcher: CollectingDispatcher, *, reschedule: bool
) -> BookingView | None:
    """The booking a cancel/reschedule request is about, or None after saying why not."""
    # a button's ref counts only if it is among the person's own upcoming bookings
    language = language_of(tracker)
    mine = await upcoming(tracker.sender_id)
    ref = entity(tracker, "booking_ref")
    if ref:
        found = next((b for b in mine if b.ref == ref), None)
        if found is None:
            logger.info("unknown or foreign booking ref from %s", short(tracker.sender_id))
            say_not_found(dispatcher, language)
        return found
    if not mine:
        say_none(dispatcher, language)
        return None
    if len(mine) == 1:
        return mine[0]
    choices = dialogue.manage_choices(mine, language, reschedule=reschedule,
                                      cancel=not reschedule)
    dispatcher.utter_message(
        response="utter_reschedule_which" if reschedule else "utter_cancel_which",
        list=dialogue.listing(mine, language), buttons=buttons(choices))
    return None


class ActionCancelAppointment(Action):
    """"Cancel my appointment": which one, then "really?"."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        booking = await _which(tracker, dispatcher, reschedule=False)
        if booking is None:
            return [SlotSet("cancel_ref", None)]
        dispatcher.utter_message(
            response="utter_cancel_confirm", **details(booking.slot, language),
            buttons=buttons(dialogue.cancel_choices(booking.ref, language)),
        )
        return [SlotSet("cancel_ref", booking.ref)]


class ActionConfirmCancel(Action):
    """Cancel after "yes"; the counselors are told in their group."""

    def name(self) -> str:
        return "action_confirm_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        ref = entity(tracker, "booking_ref") or tracker.get_slot("cancel_ref")
        key = tracker.sender_id
        try:
            booking = await db(
                lambda session: service.cancel(session, key, str(ref or ""), now()))
        except BookingError:
            say_not_found(dispatcher, language)
            return [SlotSet("cancel_ref", None)]
        logger.info("cancelled for %s", short(key))
        dispatcher.utter_message(response="utter_cancelled", **details(booking.slot, language),
                                 buttons=buttons([action_choice("book_appointment", language)]))
        dispatcher.utter_message(json_message={"staff": {"event": "cancelled",
                                                         "booking_ref": booking.ref}})
        return [SlotSet("cancel_ref", None)]


class ActionRescheduleAppointment(Action):
    """"Move my appointment": which one, then the form (office, mode, language kept)."""

    def name(self) -> str:
        return "action_reschedule_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        booking = await _which(tracker, dispatcher, reschedule=True)
        if booking is None:
            return [SlotSet("booking_go", False)]
        dispatcher.utter_message(response="utter_reschedule_start",
                                 **details(booking.slot, language))
        given: dict[str, Any] = {OFFICE.slot: booking.slot.office_id,
                                 MODE.slot: booking.slot.mode,
                                 **await recalled(tracker.sender_id)}
        given.update(await db(dialogue.autofill, given, now(), language))
        return reset() + [SlotSet(s, v) for s, v in given.items()] + [
            SlotSet("reschedule_ref", booking.ref), SlotSet("booking_go", True)]
