"""Handoff to a counselor: the action only says what is wanted; the front does it.

``action_handoff`` sends one custom message ``{"handoff": {"urgent", "language",
"recent"}}``. The Telegram front (bot/handoff/) opens the handoff in the database, posts
the card in the counselor group and tells the person, in their language, when someone
will answer. Rasa keeps no handoff state: while a counselor writes with the person, the
front sends nothing to Rasa.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from jmd.handoff.request import Request, recent_texts

# Intents that make a handoff urgent (the card is marked 🚨).
URGENT_INTENTS = {"crisis"}


class ActionHandoff(Action):
    """Ask the front for a person: intent human_handoff, /human, the fallback's button, crisis."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        request = Request(
            urgent=intent in URGENT_INTENTS,
            language=tracker.get_slot("language"),
            recent=tuple(recent_texts(tracker.events)),
        )
        dispatcher.utter_message(json_message=request.as_custom())
        return []
