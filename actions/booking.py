"""Appointments: the booking form, listing, cancelling and rescheduling.

Thin on purpose: decisions live in jmd.booking.dialogue, the rules of booking in
jmd.booking.service; these actions read the tracker, call them and talk. Buttons carry
short opaque refs; every ref is checked against the person's own data before use.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from jmd.booking import dialogue, service
from jmd.booking.dialogue import DAY, LANGUAGE, MODE, OFFICE, QUESTIONS, Choice
from jmd.booking.present import booking_line, day_label, details
from jmd.booking.service import BookingError, BookingView, in_transaction
from jmd.booking.vocabulary import text_for
from jmd.clock import local, now
from jmd.db import session_scope
from jmd.identity import short
from jmd.shared.languages import registry

logger = logging.getLogger(__name__)


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or registry().default


def _buttons(choices: list[Choice]) -> list[dict[str, str]]:
    return [{"title": c.title, "payload": c.payload} for c in choices]


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def _answers(tracker: Tracker) -> dict[str, Any]:
    return {q: tracker.get_slot(q) for q in QUESTIONS if tracker.get_slot(q)}


def _today() -> Any:
    return local(now()).date()


def _text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def _reset() -> list[EventType]:
    return [SlotSet(q, None) for q in QUESTIONS] + [
        SlotSet("booking_page", 0), SlotSet("booking_pending_slot", None),
    ]


def _manage_buttons(bookings: list[BookingView], language: str) -> list[Choice]:
    """Per booking: reschedule and cancel, labelled with its day."""
    buttons: list[Choice] = []
    for booking in bookings:
        day = day_label(local(booking.slot.starts_at).date(), language)
        buttons.append(Choice(f"{text_for('buttons', 'reschedule_this', language)} · {day}",
                              f'/reschedule_appointment{{"booking_ref":"{booking.ref}"}}'))
        buttons.append(Choice(f"{text_for('buttons', 'cancel_this', language)} · {day}",
                              f'/cancel_appointment{{"booking_ref":"{booking.ref}"}}'))
    return buttons


def _listing(bookings: list[BookingView], language: str) -> str:
    return "\n\n".join(booking_line(b, language) for b in bookings)


def _upcoming(key: str) -> list[BookingView]:
    with session_scope() as session:
        return service.upcoming(session, key, now())


def offer_slots(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, page: int = 0,
    response: str | None = None,
) -> None:
    """Up to six free slots as buttons (and "more" when there are more)."""
    language = _language(tracker)
    prefs = dialogue.preferences(_answers(tracker))
    with session_scope() as session:
        slots = service.free_slots(session, prefs, now(), limit=service.PAGE + 1,
                                   offset=page * service.PAGE)
    if not slots:
        dispatcher.utter_message(response="utter_booking_no_slots", buttons=_buttons([
            Choice(text_for("buttons", "other_day", language), "/other_day"),
            Choice(text_for("buttons", "book", language), "/book_appointment"),
            Choice(text_for("buttons", "human", language), "/human_handoff"),
        ]))
        return
    more = len(slots) > service.PAGE
    slots = slots[: service.PAGE]
    if response is None:
        later = page == 0 and dialogue.first_is_later(slots, prefs)
        response = "utter_booking_slots_later" if later else "utter_booking_slots"
    dispatcher.utter_message(response=response,
                             buttons=_buttons(dialogue.slot_choices(slots, language, more)))


class ActionBookingStart(Action):
    """A booking request: check the limit, take what was said already, start the form."""

    def name(self) -> str:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        key = tracker.sender_id
        with session_scope() as session:
            mine = service.upcoming(session, key, now())
            if len(mine) >= service.MAX_UPCOMING:
                dispatcher.utter_message(
                    response="utter_booking_limit", count=service.MAX_UPCOMING,
                    list=_listing(mine, language),
                    buttons=_buttons(_manage_buttons(mine, language)),
                )
                return [SlotSet("booking_go", False)]
            if not service.free_slots(session, service.Preferences(), now(), limit=1):
                offer_slots(dispatcher, tracker)  # says that nothing is free
                return [SlotSet("booking_go", False)]
            answers = dialogue.prefill(_text(tracker), _today())
            for question in QUESTIONS:  # a tapped choice outside the form (an old button)
                value = _entity(tracker, question)
                answer = dialogue.interpret(question, "", value, _today()) if value else None
                if answer:
                    answers[question] = answer
            answers.update(dialogue.autofill(session, answers, now(), language))
        events = [*_reset(), SlotSet("reschedule_ref", None)]
        return events + [SlotSet(q, v) for q, v in answers.items()] + [SlotSet("booking_go", True)]


class ValidateBookingForm(FormValidationAction):
    """Turns buttons and typed answers into canonical values; skips needless questions."""

    def name(self) -> str:
        return "validate_booking_form"

    def _validate(
        self, question: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        entity = _entity(tracker, question)
        if value is None and entity is None:
            return {}  # cleared by action_booking_start: nothing to check, the form asks
        answer = dialogue.interpret(question, str(value or ""), entity, _today())
        if answer is None:
            response = "utter_booking_day_not_understood" if question == DAY \
                else "utter_booking_not_understood"
            dispatcher.utter_message(response=response)
            return {question: None}
        answers = {**_answers(tracker), question: answer}
        with session_scope() as session:
            later = dialogue.autofill(session, answers, now(), _language(tracker))
        return {question: answer, **later}

    def validate_booking_office(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate(OFFICE, value, dispatcher, tracker)

    def validate_booking_mode(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate(MODE, value, dispatcher, tracker)

    def validate_booking_counselor_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate(LANGUAGE, value, dispatcher, tracker)

    def validate_booking_day(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate(DAY, value, dispatcher, tracker)


class _Ask(Action):
    """Asks one question of the form, with only the choices that lead to a free slot."""

    question = ""
    response = ""

    def name(self) -> str:
        return f"action_ask_{self.question}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        with session_scope() as session:
            buttons = dialogue.choices(session, self.question, _answers(tracker), now(),
                                       _language(tracker))
        dispatcher.utter_message(response=self.response, buttons=_buttons(buttons))
        return []


class ActionAskOffice(_Ask):
    question, response = OFFICE, "utter_booking_ask_office"


class ActionAskMode(_Ask):
    question, response = MODE, "utter_booking_ask_mode"


class ActionAskLanguage(_Ask):
    question, response = LANGUAGE, "utter_booking_ask_language"


class ActionAskDay(_Ask):
    question, response = DAY, "utter_booking_ask_day"


class ActionOfferSlots(Action):
    """The free slots for the answers given; "➡️ more" shows the next page."""

    def name(self) -> str:
        return "action_offer_slots"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        page = int(tracker.get_slot("booking_page") or 0) + 1 if intent == "more_slots" else 0
        offer_slots(dispatcher, tracker, page=page)
        return [SlotSet("booking_page", page)]


class ActionOtherDay(Action):
    """"📆 Another day": ask the day again, keep the other answers."""

    def name(self) -> str:
        return "action_other_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet(DAY, None), SlotSet("booking_page", 0)]


class ActionChooseSlot(Action):
    """A slot tapped: show everything once more and ask before booking."""

    def name(self) -> str:
        return "action_choose_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        ref = _entity(tracker, "slot_ref")
        with session_scope() as session:
            slot = service.slot_by_ref(session, ref) if ref else None
            free = slot is not None and service.is_free(session, slot.ref, now())
        if slot is None or not free:
            offer_slots(dispatcher, tracker, response="utter_booking_slot_gone")
            return []
        confirm = "confirm_reschedule" if tracker.get_slot("reschedule_ref") else "confirm"
        dispatcher.utter_message(
            response="utter_booking_summary", **details(slot, language),
            buttons=_buttons([
                Choice(text_for("buttons", confirm, language),
                       f'/confirm_booking{{"slot_ref":"{slot.ref}"}}'),
                Choice(text_for("buttons", "other_day", language), "/other_day"),
                Choice(text_for("buttons", "stop", language), "/stop_booking"),
            ]),
        )
        return [SlotSet("booking_pending_slot", slot.ref)]


class ActionConfirmBooking(Action):
    """Book (or move a booking to) the chosen slot; if someone was faster, offer others."""

    def name(self) -> str:
        return "action_confirm_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        ref = _entity(tracker, "slot_ref") or tracker.get_slot("booking_pending_slot")
        replacing = tracker.get_slot("reschedule_ref")
        key = tracker.sender_id
        if not ref:
            offer_slots(dispatcher, tracker, response="utter_booking_slot_gone")
            return []
        try:
            booking = in_transaction(lambda session: service.book(
                session, key, str(ref), language, now(), replacing=replacing))
        except BookingError as error:
            logger.info("booking refused for %s: %s", short(key), error.reason)
            return self._refused(error.reason, dispatcher, tracker)
        event = "rescheduled" if replacing else "booked"
        logger.info("%s for %s", event, short(key))
        dispatcher.utter_message(
            response="utter_booking_rescheduled" if replacing else "utter_booking_confirmed",
            **details(booking.slot, language),
            buttons=_buttons([Choice(text_for("buttons", "my_appointments", language),
                                     "/list_appointments")]),
        )
        dispatcher.utter_message(json_message={"ics": {"booking_ref": booking.ref}})
        dispatcher.utter_message(json_message={"staff": {
            "event": event, "booking_ref": booking.ref, "old_ref": replacing}})
        return [*_reset(), SlotSet("reschedule_ref", None)]

    def _refused(
        self, reason: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        language = _language(tracker)
        if reason == service.LIMIT:
            mine = _upcoming(tracker.sender_id)
            dispatcher.utter_message(
                response="utter_booking_limit", count=service.MAX_UPCOMING,
                list=_listing(mine, language), buttons=_buttons(_manage_buttons(mine, language)),
            )
        elif reason == service.NOT_YOURS:
            dispatcher.utter_message(response="utter_booking_not_found", buttons=_buttons([
                Choice(text_for("buttons", "my_appointments", language), "/list_appointments")]))
            return [SlotSet("reschedule_ref", None)]
        else:
            response = "utter_booking_taken" if reason == service.TAKEN \
                else "utter_booking_slot_gone"
            offer_slots(dispatcher, tracker, response=response)
        return [SlotSet("booking_pending_slot", None)]


class ActionListAppointments(Action):
    """The person's upcoming appointments, each with reschedule and cancel buttons."""

    def name(self) -> str:
        return "action_list_appointments"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        mine = _upcoming(tracker.sender_id)
        if not mine:
            dispatcher.utter_message(response="utter_appointments_none", buttons=_buttons([
                Choice(text_for("buttons", "book", language), "/book_appointment")]))
            return []
        buttons = _manage_buttons(mine, language)
        if len(mine) < service.MAX_UPCOMING:
            buttons.append(Choice(text_for("buttons", "book", language), "/book_appointment"))
        dispatcher.utter_message(response="utter_appointments_list",
                                 list=_listing(mine, language), buttons=_buttons(buttons))
        return []


def _which(
    tracker: Tracker, dispatcher: CollectingDispatcher, which_response: str
) -> BookingView | None:
    """The booking a cancel/reschedule request is about: the button's ref (checked: the
    person's own and upcoming), the only one, or None after asking / saying there is none."""
    language = _language(tracker)
    mine = _upcoming(tracker.sender_id)
    ref = _entity(tracker, "booking_ref")
    if ref:
        found = next((b for b in mine if b.ref == ref), None)
        if found is None:
            logger.info("unknown or foreign booking ref from %s", short(tracker.sender_id))
            dispatcher.utter_message(response="utter_booking_not_found", buttons=_buttons([
                Choice(text_for("buttons", "my_appointments", language), "/list_appointments")]))
        return found
    if not mine:
        dispatcher.utter_message(response="utter_appointments_none", buttons=_buttons([
            Choice(text_for("buttons", "book", language), "/book_appointment")]))
        return None
    if len(mine) == 1:
        return mine[0]
    wanted = "reschedule_this" if which_response == "utter_reschedule_which" else "cancel_this"
    buttons = [b for b in _manage_buttons(mine, language)
               if b.title.startswith(text_for("buttons", wanted, language))]
    dispatcher.utter_message(response=which_response, list=_listing(mine, language),
                             buttons=_buttons(buttons))
    return None


class ActionCancelAppointment(Action):
    """"Cancel my appointment": which one, then "really?"."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        booking = _which(tracker, dispatcher, "utter_cancel_which")
        if booking is None:
            return [SlotSet("cancel_ref", None)]
        dispatcher.utter_message(
            response="utter_cancel_confirm", **details(booking.slot, language),
            buttons=_buttons([
                Choice(text_for("buttons", "yes_cancel", language),
                       f'/confirm_cancel{{"booking_ref":"{booking.ref}"}}'),
                Choice(text_for("buttons", "keep", language), "/keep_booking"),
            ]),
        )
        return [SlotSet("cancel_ref", booking.ref)]


class ActionConfirmCancel(Action):
    """Cancel after "yes"; the counselors are told in their group."""

    def name(self) -> str:
        return "action_confirm_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        ref = _entity(tracker, "booking_ref") or tracker.get_slot("cancel_ref")
        key = tracker.sender_id
        try:
            booking = in_transaction(
                lambda session: service.cancel(session, key, str(ref or ""), now()))
        except BookingError:
            dispatcher.utter_message(response="utter_booking_not_found", buttons=_buttons([
                Choice(text_for("buttons", "my_appointments", language), "/list_appointments")]))
            return [SlotSet("cancel_ref", None)]
        logger.info("cancelled for %s", short(key))
        dispatcher.utter_message(response="utter_cancelled", **details(booking.slot, language),
                                 buttons=_buttons([Choice(text_for("buttons", "book", language),
                                                          "/book_appointment")]))
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
        language = _language(tracker)
        booking = _which(tracker, dispatcher, "utter_reschedule_which")
        if booking is None:
            return [SlotSet("booking_go", False)]
        dispatcher.utter_message(response="utter_reschedule_start", **details(booking.slot,
                                                                               language))
        answers: dict[str, Any] = {OFFICE: booking.slot.office_id, MODE: booking.slot.mode}
        with session_scope() as session:
            answers.update(dialogue.autofill(session, answers, now(), language))
        return _reset() + [SlotSet(q, v) for q, v in answers.items()] + [
            SlotSet("reschedule_ref", booking.ref), SlotSet("booking_go", True)]
