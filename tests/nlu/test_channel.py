"""The jmd channel's idempotency (jmd.nlu.channel): each key is handled once.

Rasa's own lock store and tracker store; only the dialogue processor is a stand-in that
writes what Rasa would (the user event with the message id, the bot messages), so these
run without a trained model. tests/test_channel.py does the same against the real stack.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from jmd.nlu.channel import WholeMessageCollector, answered_before, handle_once


@dataclass
class Processor:
    """Handles a message like Rasa: slowly, then saves user event and replies."""

    tracker_store: InMemoryTrackerStore
    handled: list[str] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.handled.append(message.text or "")
        await asyncio.sleep(0.2)  # still "in flight" when the duplicate arrives
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        number = len(self.handled)
        for reply in (
            BotUttered(f"Antwort {number}", {"buttons": [{"title": "Ja", "payload": "/yes"}]}),
            BotUttered(None, {"custom": {"handoff": {"urgent": False}}}),
        ):
            tracker.update(reply)
            await message.output_channel.send_response(message.sender_id, reply.message())
        tracker.update(ActionExecuted("action_listen"))
        await self.tracker_store.save(tracker)


@dataclass
class Agent:
    """What handle_once uses of Rasa's Agent."""

    tracker_store: InMemoryTrackerStore
    processor: Processor
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)


def agent() -> Any:
    store = InMemoryTrackerStore(Domain.empty())
    return Agent(store, Processor(store))


async def send(agent: Any, text: str, key: str) -> list[dict[str, Any]]:
    collector = WholeMessageCollector()
    await handle_once(agent, UserMessage(text, collector, "person-1", message_id=key))
    return collector.messages


def test_the_same_key_twice_is_handled_once_and_answered_alike() -> None:
    rasa = agent()
    first = asyncio.run(send(rasa, "hallo", "tg-11"))
    second = asyncio.run(send(rasa, "hallo", "tg-11"))
    assert rasa.processor.handled == ["hallo"]
    assert first == second and first[0]["text"] == "Antwort 1"
    assert first[0]["buttons"] == [{"title": "Ja", "payload": "/yes"}]
    assert first[1]["custom"] == {"handoff": {"urgent": False}}


def test_a_key_still_in_flight_waits_for_the_first_answer() -> None:
    rasa = agent()

    async def twice() -> list[list[dict[str, Any]]]:
        return await asyncio.gather(send(rasa, "hallo", "tg-12"), send(rasa, "hallo", "tg-12"))

    first, second = asyncio.run(twice())
    assert rasa.processor.handled == ["hallo"]
    assert first == second


def test_other_keys_are_handled_and_answered_with_their_own_replies() -> None:
    rasa = agent()
    asyncio.run(send(rasa, "eins", "tg-1"))
    asyncio.run(send(rasa, "zwei", "tg-2"))
    again = asyncio.run(send(rasa, "eins", "tg-1"))
    assert rasa.processor.handled == ["eins", "zwei"]
    assert again[0]["text"] == "Antwort 1", "the replies that followed that message"


def test_answered_before_reads_the_replies_up_to_the_next_message() -> None:
    tracker = DialogueStateTracker.from_events("p", [
        UserUttered("a", message_id="k1"), BotUttered("1"), BotUttered("2"),
        UserUttered("b", message_id="k2"), BotUttered("3"),
    ])
    assert [r["text"] for r in answered_before(tracker, "k1") or []] == ["1", "2"]
    assert [r["text"] for r in answered_before(tracker, "k2") or []] == ["3"]
    assert answered_before(tracker, "k3") is None
    silent = DialogueStateTracker.from_events("p", [UserUttered("c", message_id="k4")])
    assert answered_before(silent, "k4") == [], "handled, nothing said: not handled again"
