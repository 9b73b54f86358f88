"""FAQ answers, the two-stage fallback and 👍/👎 on answers.

The content lives in nlu/data/faq/ and content/; the logic in jmd.content. These actions
only read the tracker, call it, and talk.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from jmd import stats
from jmd.content.answers import Button, button_for, depends_on_band, render, topics_by_name
from jmd.content.understanding import FAQ_MIN_CONFIDENCE, best_topic, guesses
from jmd.db import db
from jmd.db.feedback import HELPFUL, NOT_HELPFUL, UNANSWERED, record
from jmd.db.persons import get_age_band
from jmd.identity import short
from jmd.shared.languages import registry
from jmd.texts import t

logger = logging.getLogger(__name__)

FALLBACK_RESPONSES = {"utter_did_you_mean", "utter_default"}


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or registry().default


def _buttons(buttons: list[Button]) -> list[dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]


def _topic_entity(tracker: Tracker) -> str | None:
    """The topic a button names (``/faq{"faq_topic": "…"}``), if it exists."""
    name = next(tracker.get_latest_entity_values("faq_topic"), None)
    return name if name in topics_by_name() else None


def _typed(message: dict[str, Any]) -> bool:
    """Whether the person typed the message (buttons and commands send ``/intent`` payloads)."""
    return not str(message.get("text") or "").startswith("/")


async def _store(kind: str, tracker: Tracker, topic: str | None, text: str | None) -> None:
    try:
        await db(record, kind, language=_language(tracker), topic=topic, text=text,
                 person_key=tracker.sender_id)
    except Exception:  # feedback must never break the conversation
        logger.warning("could not store %s feedback for %s", kind, short(tracker.sender_id),
                       exc_info=True)


async def _count(tracker: Tracker, outcome: str) -> None:
    """The dashboard's count of typed questions and their first reply (counts only)."""
    if not _typed(tracker.latest_message or {}):
        return  # a button or command is not a question
    try:
        await db(stats.count_question, _language(tracker), outcome)
    except Exception:  # a count must never break the conversation
        logger.warning("could not count a question (%s)", outcome, exc_info=True)


def _previous_turn_was_fallback(tracker: Tracker) -> bool:
    """Whether the assistant's last answer before this message was a fallback."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif users == 1 and event.get("event") == "bot" and (
            (event.get("metadata") or {}).get("utter_action") in FALLBACK_RESPONSES
        ):
            return True
    return False


async def fallback(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Stage 1: "Did you mean …?" with topic buttons. Stage 2: book or talk to a person."""
    message = tracker.latest_message or {}
    language = _language(tracker)
    suggestions = guesses(message)
    if _typed(message):
        guess = next((g.topic for g in suggestions if g.topic), None)
        await _store(UNANSWERED, tracker, guess, message.get("text"))
    second_stage = (
        (message.get("intent") or {}).get("name") == "none_of_these"
        or _previous_turn_was_fallback(tracker)
    )
    buttons = [b for b in (button_for(g.target, language) for g in suggestions) if b]
    if second_stage or not buttons:
        await _count(tracker, stats.UNANSWERED)
        dispatcher.utter_message(response="utter_default")
        return
    await _count(tracker, stats.DID_YOU_MEAN)
    buttons.append(Button(t("none_of_these", language), "/none_of_these"))
    dispatcher.utter_message(response="utter_did_you_mean", buttons=_buttons(buttons))


class ActionAnswerFaq(Action):
    """Answers intent ``faq``: the topic the ResponseSelector chose, or a button named."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        name = _topic_entity(tracker)
        if name is None:
            guess = best_topic(tracker.latest_message or {})
            name = guess.topic if guess and guess.score >= FAQ_MIN_CONFIDENCE else None
            if name not in topics_by_name():
                await fallback(dispatcher, tracker)
                return []
        topic = topics_by_name()[str(name)]
        # who helps may depend on age: the band the person gave when booking, if any
        band = await db(get_age_band, tracker.sender_id) if depends_on_band(topic) else None
        answer = render(topic, _language(tracker), band)
        await _count(tracker, stats.ANSWERED)
        dispatcher.utter_message(text=answer.text, buttons=_buttons(list(answer.buttons)))
        return []


class ActionFallback(Action):
    """The two-stage fallback for messages the assistant did not understand."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        await fallback(dispatcher, tracker)
        return []


def _question_before(tracker: Tracker, topic: str) -> str | None:
    """The typed question that got the answer on ``topic`` (for editors, after a 👎)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user" or not _typed(event):
            continue
        parse = event.get("parse_data") or {}
        guess = best_topic(parse)
        if guess and guess.topic == topic:
            return str(event.get("text") or "") or None
    return None


class ActionFaqFeedback(Action):
    """👍 or 👎 on a FAQ answer: stored for the editors, then thanks or a way on."""

    def name(self) -> str:
        return "action_faq_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = _topic_entity(tracker)
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "faq_helpful"
        if helpful:
            await _store(HELPFUL, tracker, topic, None)
            dispatcher.utter_message(response="utter_feedback_thanks")
            return []
        question = _question_before(tracker, topic) if topic else None
        await _store(NOT_HELPFUL, tracker, topic, question)
        dispatcher.utter_message(response="utter_feedback_sorry")
        return []

