"""The front's Rasa client: 503 is "not now", 500 "this one failed"; several Rasa servers
(RASA_URL="A,B"): affinity, failover."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.rasa_client import RasaClient, RasaFailed, RasaUnavailable
from tests.helpers.fake_rasa import FakeRasa, echo
from tests.helpers.ports import free_port


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


# -- several Rasa servers ----------------------------------------------------------------------

SENDERS = [f"person-{n}" for n in range(40)]


@pytest.fixture
def two() -> Iterator[tuple[FakeRasa, FakeRasa]]:
    first, second = FakeRasa().start(), FakeRasa().start()
    yield first, second
    second.stop()
    first.stop()


def serving(servers: tuple[FakeRasa, ...], sender: str) -> list[int]:
    """Which of ``servers`` heard ``sender``."""
    return [index for index, server in enumerate(servers) if server.heard(sender)]


async def test_each_person_stays_on_one_server_and_people_are_spread(
    two: tuple[FakeRasa, FakeRasa],
) -> None:
    client = RasaClient(f"{two[0].url}, {two[1].url}/", attempts=2, backoff=0.01)
    try:
        for sender in SENDERS:
            for turn in range(3):
                [reply] = await client.send(sender, f"turn {turn}")
                assert reply.text == echo(f"turn {turn}")
    finally:
        await client.close()
    homes = [serving(two, sender) for sender in SENDERS]
    assert all(len(home) == 1 for home in homes)  # all three turns on the same server
    assert {home[0] for home in homes} == {0, 1}
    assert all(len(server.heard(s)) in (0, 3) for server in two for s in SENDERS)


async def test_when_a_server_is_down_the_other_answers(two: tuple[FakeRasa, FakeRasa]) -> None:
    second = two[1]
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = RasaClient(f"{down},{second.url}", attempts=2, backoff=0.01)
    try:
        for sender in SENDERS[:10]:
            [reply] = await client.send(sender, "hallo")
            assert reply.text == echo("hallo")
        assert await client.is_ready()
    finally:
        await client.close()
    assert all(second.heard(sender) == ["hallo"] for sender in SENDERS[:10])


async def test_one_url_works_as_before_and_all_down_is_unavailable() -> None:
    client = RasaClient(f"http://127.0.0.1:{free_port()}", attempts=2, backoff=0.01)
    try:
        assert not await client.is_ready()
        with pytest.raises(RasaUnavailable):
            await client.send("someone", "hallo")
    finally:
        await client.close()
    with pytest.raises(ValueError, match="no Rasa URL"):
        RasaClient(" , ")
