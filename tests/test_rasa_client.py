"""The front's Rasa client against the fake Rasa: 503 is "not now", 500 "this one failed"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.rasa_client import RasaClient, RasaFailed, RasaUnavailable
from tests.helpers.fake_rasa import FakeRasa, echo


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(statuses={"kaputt": 500, "später": 503, "falsch": 400}).start()
    yield fake
    fake.stop()


async def test_unavailable_is_retried_then_reported(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url, attempts=3, backoff=0.01)
    with pytest.raises(RasaUnavailable):
        await client.send("p", "bis später", {"idempotency_key": "tg-1"})
    await client.close()
    assert rasa.keys == [("p", "tg-1")] * 3, "sent again, with the same key"


@pytest.mark.parametrize("text_", ["kaputt", "falsch"])
async def test_a_failed_message_is_reported_at_once(rasa: FakeRasa, text_: str) -> None:
    client = RasaClient(rasa.url, attempts=3, backoff=0.01)
    with pytest.raises(RasaFailed):
        await client.send("p", text_, {"idempotency_key": "tg-2"})
    await client.close()
    assert rasa.keys == [("p", "tg-2")], "not retried: it would fail again"


async def test_the_same_key_is_answered_alike(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url)
    first = await client.send("p", "hallo", {"idempotency_key": "tg-3"})
    second = await client.send("p", "hallo", {"idempotency_key": "tg-3"})
    await client.close()
    assert first == second and first[0].text == echo("hallo")
    assert rasa.heard("p") == ["hallo"]
