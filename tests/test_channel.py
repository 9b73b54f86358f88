"""Rasa's jmd channel on the running stack: nobody else speaks for a person, and each
message (idempotency key) is handled once.

The channel (jmd/nlu/channel.py) acts only with RASA_CHANNEL_TOKEN; the HTTP API (on in the
test stack and under `make run`, with a token made up per start: tests/test_run.py) only
with RASA_API_TOKEN, which is on no command line. tests/nlu/test_channel.py checks the
idempotency without a model; here the trained assistant, its action server and its SQL
tracker store take part.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.rasa_client import RasaClient
from jmd.db.engine import make_engine
from jmd.shared.settings import Settings
from jmd.shared.tokens import bearer
from tests.helpers.conversation import api_token, new_sender, say
from tests.helpers.domain import which_response
from tests.test_conversation import BOOK_ASKS

pytestmark = pytest.mark.model


def _post(settings: Settings, sender: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{settings.rasa_url}/webhooks/jmd/webhook", headers=headers, timeout=60,
                      json={"sender": sender, "message": "/delete", "metadata": {}})


def _events(settings: Settings, sender: str) -> list[dict[str, object]]:
    tracker = httpx.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                        params=api_token(settings)).json()
    return list(tracker["events"])


@pytest.mark.parametrize("headers", [
    {}, bearer("wrong"), {"Authorization": "test-channel-token"}, bearer("test-channel-tokenx"),
])
def test_the_channel_refuses_a_message_without_its_token(
    rasa_stack: Settings, headers: dict[str, str]
) -> None:
    sender = new_sender()
    refused = _post(rasa_stack, sender, headers)
    assert refused.status_code == 401
    assert not [e for e in _events(rasa_stack, sender) if e.get("event") == "user"]


async def test_with_its_token_the_channel_answers_and_the_actions_run(
    rasa_stack: Settings
) -> None:
    """Every message runs custom actions (language detection, here the booking form): a
    refused call would fail the message (503). So Rasa's calls carry the action token."""
    replies = await say(rasa_stack, new_sender(), "ich brauche einen termin bei der beratung")
    assert any(which_response(r.text, "de") in BOOK_ASKS for r in replies)


def test_readiness_needs_no_token(rasa_stack: Settings) -> None:
    ready = httpx.get(f"{rasa_stack.rasa_url}/webhooks/jmd/")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


def test_the_http_api_wants_its_token(rasa_stack: Settings) -> None:
    for token in (None, "wrong"):
        params = {"token": token} if token else {}
        assert httpx.get(f"{rasa_stack.rasa_url}/status", params=params).status_code == 401
        parsed = httpx.post(f"{rasa_stack.rasa_url}/model/parse", json={"text": "hallo"},
                            params=params)
        assert parsed.status_code == 401
    assert httpx.get(f"{rasa_stack.rasa_url}/status", params=api_token(rasa_stack)).json()[
        "model_file"]


def test_no_token_is_on_a_command_line(rasa_stack: Settings) -> None:
    """Any local user can read command lines (ps); the tokens are in no process's."""
    tokens = [rasa_stack.rasa_api_token, rasa_stack.rasa_channel_token,
              rasa_stack.action_server_token]
    assert all(tokens)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().decode(errors="replace")
        except OSError:  # a process that just ended
            continue
        if str(os.getpid()) != cmdline.parent.name:
            assert not any(t in line for t in tokens if t), line


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
    client = RasaClient(rasa_stack.rasa_url, token=rasa_stack.rasa_channel_token)
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
    client = RasaClient(rasa_stack.rasa_url, token=rasa_stack.rasa_channel_token)
    sender = f"idem-{uuid.uuid4().hex[:8]}"
    metadata = {"telegram_language_code": "de", "idempotency_key": "tg-601"}
    first, second = await asyncio.gather(
        client.send(sender, "ich brauche einen Termin", metadata),
        client.send(sender, "ich brauche einen Termin", metadata),
    )
    await client.close()
    assert first and first == second
    assert len(user_events(rasa_stack, sender)) == 1
