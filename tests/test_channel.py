"""Rasa's jmd channel (jmd/nlu/channel.py) in the real Rasa server: each key handled once.

tests/nlu/test_channel.py checks the same logic without a model; here the trained
assistant, its action server and its SQL tracker store take part.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from bot.rasa_client import RasaClient
from jmd.db.engine import make_engine
from jmd.shared.settings import Settings


def user_events(settings: Settings, sender: str) -> list[str]:
    """The message ids of the sender's user events in Rasa's tracker store."""
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender},
        )
        found = [str(data) for (data,) in rows]
    engine.dispose()
    return found


async def test_the_same_key_twice_is_handled_once_and_answered_alike(
    rasa_stack: Settings,
) -> None:
    client = RasaClient(rasa_stack.rasa_url)
    sender = f"idem-{uuid.uuid4().hex[:8]}"
    metadata = {"telegram_language_code": "de", "idempotency_key": "tg-501"}
    first = await client.send(sender, "hallo", metadata)
    second = await client.send(sender, "hallo", metadata)
    other = await client.send(sender, "hallo", {**metadata, "idempotency_key": "tg-502"})
    await client.close()
    assert first and first == second, "the second answer is the first one, from the tracker"
    events = user_events(rasa_stack, sender)
    assert len(events) == 2, "tg-501 once, tg-502 once"
    assert '"tg-501"' in events[0] and '"tg-502"' in events[1]
    assert other, "a new key is handled"


async def test_a_key_sent_again_while_in_flight_waits_for_the_first_answer(
    rasa_stack: Settings,
) -> None:
    """What a timed-out request sent again, or a replay after a crash, looks like."""
    client = RasaClient(rasa_stack.rasa_url)
    sender = f"idem-{uuid.uuid4().hex[:8]}"
    metadata = {"telegram_language_code": "de", "idempotency_key": "tg-601"}
    first, second = await asyncio.gather(
        client.send(sender, "ich brauche einen Termin", metadata),
        client.send(sender, "ich brauche einen Termin", metadata),
    )
    await client.close()
    assert first and first == second
    assert len(user_events(rasa_stack, sender)) == 1
