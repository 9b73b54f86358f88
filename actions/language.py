"""Actions that choose and confirm the conversation's language."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from jmd.booking.questions import LANGUAGE
from jmd.db import db
from jmd.db.persons import touch_person
from jmd.identity import short
from jmd.shared.languages import registry

logger = logging.getLogger(__name__)


# While the booking form asks in which language the counselling should be, "auf Arabisch"
# answers that question; it must not switch the chat's language as well.
ANSWERS_A_LANGUAGE_QUESTION = LANGUAGE.slot


def _explicit_choice(tracker: Tracker) -> str | None:
    message = tracker.latest_message or {}
    if (
        tracker.active_loop_name
        and tracker.get_slot("requested_slot") == ANSWERS_A_LANGUAGE_QUESTION
        and not str(message.get("text") or "").startswith("/")
    ):
        return None
    intent = (message.get("intent") or {}).get("name")
    return registry().explicit_choice(intent, message.get("entities") or [], message.get("text"))


async def _remember(key: str, language: str) -> None:
    """Store the language so the Telegram front can answer even when Rasa is away."""
    try:
        await db(touch_person, key, language=language)
    except Exception:  # the conversation must go on even if the database is down
        logger.warning("could not store language for %s", short(key), exc_info=True)


class ActionDetectLanguage(Action):
    """Slot mapping for `language`, run after every user message."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        metadata = message.get("metadata") or {}
        current = tracker.get_slot("language")
        language = registry().resolve(
            current,
            explicit=_explicit_choice(tracker),
            # Button payloads ("/book_appointment") say nothing about the language.
            text=None if text.startswith("/") else text,
            telegram_code=metadata.get("telegram_language_code"),
        )
        if language == current:
            return []
        await _remember(tracker.sender_id, language)
        return [SlotSet("language", language)]


class ActionChangeLanguage(Action):
    """Confirms a chosen language, or offers the choice when none was named."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if _explicit_choice(tracker):
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_choose_language")
        return []
