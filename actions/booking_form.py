"""The booking form: start, one validator and one ask action per question, the slot offer.

Invariants: the validators (``validate_<slot>``) and ask actions (``action_ask_<slot>``) are
generated from jmd.booking.questions.QUESTIONS, the form's one source, and nothing here
names a single question; answers are stored canonical (office id, mode, language code, ISO
date or ``any``); a question with at most one possible answer is filled, never asked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.booking_common import (
    answers,
    buttons,
    entity,
    language_of,
    offer_slots,
    recalled,
    reset,
    say_limit,
    text_of,
    today,
    upcoming,
)
from jmd.booking import dialogue, free, service
from jmd.booking.present import details
from jmd.booking.questions import DAY, QUESTIONS, Question
from jmd.booking.service import ANY, SlotView
from jmd.clock import now
from jmd.db import db


class ActionBookingStart(Action):
    """A booking request: check the limit, take what was said already, start the form."""

    def name(self) -> str:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        mine = await upcoming(tracker.sender_id)
        if len(mine) >= service.MAX_UPCOMING:
            say_limit(dispatcher, mine, language)
            return [SlotSet("booking_go", False)]
        known = await recalled(tracker.sender_id)  # e.g. the age band: asked only once
        if not await db(free.free_slots, dialogue.preferences(known), now(), limit=1):
            await offer_slots(dispatcher, tracker, given=known)  # says that nothing is free
            return [SlotSet("booking_go", False)]
        given = {**dialogue.prefill(text_of(tracker), today()), **known}
        for question in QUESTIONS:  # a tapped choice outside the form (an old button)
            value = entity(tracker, question.slot)
            answer = dialogue.interpret(question, "", value, today()) if value else None
            if answer:
                given[question.slot] = answer
        given.update(await db(dialogue.autofill, given, now(), language))
        events = [*reset(), SlotSet("reschedule_ref", None)]
        return events + [SlotSet(s, v) for s, v in given.items()] + [SlotSet("booking_go", True)]


class ValidateBookingForm(FormValidationAction):
    """Turns buttons and typed answers into canonical values; skips needless questions."""

    # One ``validate_<slot>`` method per question is added below the class, from the table.

    def name(self) -> str:
        return "validate_booking_form"

    async def check(
        self, question: Question, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """The slot events for an answer to ``question``, and for questions it makes needless."""
        tapped = entity(tracker, question.slot)
        if value is None and tapped is None:
            return {}  # cleared by action_booking_start: nothing to check, the form asks
        answer = dialogue.interpret(question, str(value or ""), tapped, today())
        if answer is None:
            dispatcher.utter_message(response=question.not_understood)
            return {question.slot: None}
        if question.remember and answer != ANY:
            await db(question.remember, tracker.sender_id, answer)
        given = {**answers(tracker), question.slot: answer}
        later = await db(dialogue.autofill, given, now(), language_of(tracker))
        return {question.slot: answer, **later}


Validator = Callable[[ValidateBookingForm, Any, CollectingDispatcher, Tracker, DomainDict],
                     Awaitable[dict[str, Any]]]


def _validator(question: Question) -> Validator:
    async def validate(self: ValidateBookingForm, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self.check(question, value, dispatcher, tracker)

    validate.__name__ = validate.__qualname__ = question.validator
    validate.__doc__ = f"Checks an answer to {question.slot}."
    return validate


for _question in QUESTIONS:
    setattr(ValidateBookingForm, _question.validator, _validator(_question))


class _Ask(Action, ABC):
    """Asks one question of the form, with only the choices that lead to a free slot."""

    @property
    @abstractmethod
    def question(self) -> Question:
        """The question this action asks."""

    def name(self) -> str:
        return self.question.ask_action

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        found = await db(dialogue.choices, self.question, answers(tracker), now(),
                         language_of(tracker))
        dispatcher.utter_message(response=self.question.ask, buttons=buttons(found))
        return []


def _class_name(question: Question) -> str:
    return "ActionAsk" + "".join(part.title() for part in question.slot.split("_"))


# rasa-sdk registers every concrete Action subclass. Each is also a module attribute: the
# action server (Sanic) hands the actions to its worker process by pickling, which finds a
# class by its module and name.
ASK_ACTIONS: tuple[type[_Ask], ...] = tuple(
    type(_class_name(q), (_Ask,), {"question": q, "__doc__": f"Asks {q.slot}.",
                                   "__module__": __name__})
    for q in QUESTIONS
)
globals().update({action.__name__: action for action in ASK_ACTIONS})


class ActionOfferSlots(Action):
    """The free slots for the answers given; "➡️ more" shows the next page."""

    def name(self) -> str:
        return "action_offer_slots"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        page = int(tracker.get_slot("booking_page") or 0) + 1 if intent == "more_slots" else 0
        await offer_slots(dispatcher, tracker, page=page)
        return [SlotSet("booking_page", page)]


class ActionOtherDay(Action):
    """"📆 Another day": ask the day again, keep the other answers."""

    def name(self) -> str:
        return "action_other_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet(DAY.slot, None), SlotSet("booking_page", 0)]


def _free_slot(session: Session, ref: str, moment: datetime) -> SlotView | None:
    slot = free.slot_by_ref(session, ref)
    return slot if slot is not None and free.is_free(session, slot.ref, moment) else None


class ActionChooseSlot(Action):
    """A slot tapped: show everything once more and ask before booking."""

    def name(self) -> str:
        return "action_choose_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        ref = entity(tracker, "slot_ref")
        slot = await db(_free_slot, ref, now()) if ref else None
        if slot is None:
            await offer_slots(dispatcher, tracker, response="utter_booking_slot_gone")
            return []
        rescheduling = bool(tracker.get_slot("reschedule_ref"))
        dispatcher.utter_message(
            response="utter_booking_summary", **details(slot, language),
            buttons=buttons(dialogue.summary_choices(slot.ref, rescheduling, language)),
        )
        return [SlotSet("booking_pending_slot", slot.ref)]
