"""What the booking actions share: reading the tracker, sending buttons, the slot offer.

Invariants: database work runs through ``jmd.db.db`` (a worker thread, one transaction,
retried on write conflicts), so the action server's event loop never waits on the database;
only frozen views leave a session. Refs from buttons are opaque and checked against the
person's own data before use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from jmd.booking import dialogue, free, service
from jmd.booking.dialogue import Choice, action_choice
from jmd.booking.questions import QUESTIONS
from jmd.booking.service import BookingView
from jmd.clock import local, now
from jmd.content import routing
from jmd.db import db
from jmd.shared.languages import registry


def language_of(tracker: Tracker) -> str:
    """The chat's language (action_detect_language sets it after every message)."""
    # the chat's language before any was detected, not a text fallback
    return str(tracker.get_slot("language") or registry().default)


def entity(tracker: Tracker, name: str) -> str | None:
    """The latest message's entity ``name`` (a button's value), if any."""
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def answers(tracker: Tracker) -> dict[str, Any]:
    """The form's answers so far, by slot."""
    return {q.slot: tracker.get_slot(q.slot) for q in QUESTIONS if tracker.get_slot(q.slot)}


def today() -> date:
    return local(now()).date()


def text_of(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def reset() -> list[EventType]:
    """Forget every answer and the offer: a new booking starts from nothing."""
    return [SlotSet(q.slot, None) for q in QUESTIONS] + [
        SlotSet("booking_page", 0), SlotSet("booking_pending_slot", None),
    ]


def buttons(choices: Iterable[Choice]) -> list[dict[str, str]]:
    return [{"title": c.title, "payload": c.payload} for c in choices]


async def recalled(key: str) -> dict[str, str]:
    """Answers the person gave in an earlier booking that are kept (asked only once)."""
    return await db(dialogue.recalled, key)


async def upcoming(key: str) -> list[BookingView]:
    return await db(service.upcoming, key, now())


def say_limit(dispatcher: CollectingDispatcher, mine: list[BookingView], language: str) -> None:
    """At the limit of upcoming appointments: list them, each to move or cancel."""
    dispatcher.utter_message(
        response="utter_booking_limit", count=service.MAX_UPCOMING,
        list=dialogue.listing(mine, language),
        buttons=buttons(dialogue.manage_choices(mine, language)),
    )


def say_not_found(dispatcher: CollectingDispatcher, language: str) -> None:
    """A forged or stale booking button."""
    dispatcher.utter_message(response="utter_booking_not_found", buttons=buttons(
        [action_choice("list_appointments", language)]))


def say_none(dispatcher: CollectingDispatcher, language: str) -> None:
    """No upcoming appointments: offer to book one."""
    dispatcher.utter_message(response="utter_appointments_none", buttons=buttons(
        [action_choice("book_appointment", language)]))


async def offer_slots(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, page: int = 0,
    response: str | None = None, given: dict[str, Any] | None = None,
) -> None:
    """Up to six free slots as buttons (and "more" when there are more); ``given``: answers
    not in the tracker yet (default: the form's)."""
    language = language_of(tracker)
    given = answers(tracker) if given is None else given
    prefs = dialogue.preferences(given)
    slots = await db(free.free_slots, prefs, now(), limit=service.PAGE + 1,
                     offset=page * service.PAGE)
    if not slots and (elsewhere := await db(dialogue.routed_elsewhere, given, now())):
        # the person's organisation (e.g. the MBE from 27) has no free time here
        dispatcher.utter_message(text=routing.elsewhere(elsewhere, language), buttons=buttons(
            [action_choice("human_handoff", language)]))
        return
    if not slots:
        dispatcher.utter_message(response="utter_booking_no_slots",
                                 buttons=buttons(dialogue.no_slot_choices(language)))
        return
    more = len(slots) > service.PAGE
    slots = slots[: service.PAGE]
    if response is None:
        later = page == 0 and dialogue.first_is_later(slots, prefs)
        response = "utter_booking_slots_later" if later else "utter_booking_slots"
    dispatcher.utter_message(response=response,
                             buttons=buttons(dialogue.slot_choices(slots, language, more)))
