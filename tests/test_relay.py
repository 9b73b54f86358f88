"""Relaying to Rasa (bot/relay.py): a failed message is answered and dropped, an
unavailable Rasa keeps it; each message carries its idempotency key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.formatting import to_html
from jmd.db.engine import get_engine, session_scope
from jmd.db.pending import keep_pending, pending_of
from jmd.identity import pseudonym
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import FakeRasa, echo
from tests.test_bot import front_env, running_front, wait_for_message


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(statuses={"kaputt": 500, "später": 503}).start()
    yield fake
    fake.stop()


@pytest.fixture
async def front(api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path) -> AsyncIterator[Application]:
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)
    async with running_front(env) as application:
        yield application


async def test_a_failing_message_is_answered_with_error_and_does_not_block_the_chat(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    sent = api.push_text(941001, "das ist kaputt", "de")
    await wait_for_message(api, 941001, t("error", "de"))
    with session_scope(get_engine()) as session:
        assert pending_of(session, pseudonym(941001)) == [], "not kept to fail again"
    later = api.push_text(941001, "hallo", "de")
    await wait_for_message(api, 941001, echo("hallo"))
    assert rasa.keys == [(pseudonym(941001), f"tg-{m['message']['message_id']}")
                         for m in (sent, later)], "each message with its own key, once"


async def test_a_failing_crisis_message_gets_the_emergency_numbers_first(
    front: Application, api: BotApiStandIn
) -> None:
    api.push_text(941002, "ich will nicht mehr leben, alles kaputt", "de")
    await wait_for_message(api, 941002, t("error", "de"))
    assert api.sent_texts(941002) == [t("crisis", "de"), t("error", "de")]


async def test_unavailable_keeps_the_message_and_retries_with_the_same_key(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    sent = api.push_text(941003, "bis später", "de")
    await wait_for_message(api, 941003, t("technical_problem", "de"))
    with session_scope(get_engine()) as session:
        assert [row.text for row in pending_of(session, pseudonym(941003))] == ["bis später"]
    rasa.statuses.clear()  # Rasa is back: the retry job answers
    await wait_for_message(api, 941003, echo("bis später"))
    key = f"tg-{sent['message']['message_id']}"
    assert set(rasa.keys) == {(pseudonym(941003), key)}, "one message, one key"


async def test_a_waiting_message_that_fails_is_answered_and_dropped(
    front: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(941004)
    with session_scope(get_engine()) as session:
        keep_pending(session, key, 941004, "kaputt", message_id=7,
                     telegram_language_code="ar")
        keep_pending(session, key, 941004, "مرحبا", message_id=8, telegram_language_code="ar")
    error = await wait_for_message(api, 941004, t("error", "ar"))

    assert error.params["reply_parameters"]["message_id"] == 7
    await wait_for_message(api, 941004, to_html(echo("مرحبا"), "ar"))
    with session_scope(get_engine()) as session:
        assert pending_of(session, key) == [], "the failing one blocks nobody"
