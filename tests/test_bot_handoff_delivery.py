"""bot.handoff.delivery: what the counselor group refuses is answered another way, never lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from jmd.db.engine import session_scope
from jmd.db.pending import pending_of
from jmd.db.persons import touch_person
from jmd.handoff.state import CLOSED, request_handoff, take
from jmd.identity import pseudonym
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.handoff import (
    ANNA,
    BOOK,
    GROUP,
    answered,
    ask_for_a_person,
    copied,
    handoff_env,
    handoff_of,
    register_counselors,
    take_over,
)
from tests.helpers.ports import free_port
from tests.test_bot import CODE, buttons, running_front, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]

KICKED = "Forbidden: bot was kicked from the supergroup chat"


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_a_refused_copy_goes_to_the_assistant(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str
) -> None:
    user = {"de": 8501, "prs": 8502, "ar": 8503}[language]
    card = await ask_for_a_person(api, user, language)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    api.fail("copyMessage", status=403, description=KICKED)
    sent = api.push_text(user, "bist du noch da", CODE[language])
    told = await wait_for_message(api, user, t("handoff_unreachable", language))
    assert buttons(told) == [BOOK], "the alternatives: a booking, and /human in the text"
    await wait_for_message(api, user, answered("bist du noch da", language))
    assert "bist du noch da" in rasa.heard(pseudonym(user))
    assert not copied(api, GROUP, user, sent["message"]["message_id"])
    assert t("error", language) not in api.sent_texts(user), "no bare error"
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == CLOSED
    later = api.push_text(user, "hallo", CODE[language])  # the assistant goes on
    await wait_for_message(api, user, answered("hallo", language))
    assert api.sent_texts(user).count(t("handoff_unreachable", language)) == 1
    assert copied(api, GROUP, user, later["message"]["message_id"]) is None


@pytest.fixture
async def front_rasa_down(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Application]:
    env = handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}",
                      f"http://127.0.0.1:{free_port()}")
    async with running_front(env) as application:
        register_counselors()
        yield application


def assigned(user: int) -> None:
    """``user`` has a handoff Anna took (Rasa is down: set up in the database)."""
    key = pseudonym(user)
    with session_scope() as session:
        touch_person(session, key, chat_id=user)
        handoff = request_handoff(session, key, urgent=False, language="de").handoff
        assert take(session, handoff.id, ANNA, "Anna")


@pytest.mark.parametrize(("method", "status", "description"), [
    ("copyMessage", 403, KICKED),
    ("copyMessage", 400, "Bad Request: chat not found"),
])
async def test_with_rasa_down_a_refused_copy_is_kept_for_later(
    front_rasa_down: Application, api: BotApiStandIn, method: str, status: int,
    description: str,
) -> None:
    user = 8510 if status == 403 else 8511
    assigned(user)
    api.fail(method, status=status, description=description)
    api.push_text(user, "meine frage zum kurs", "de")
    await wait_for_message(api, user, t("handoff_unreachable", "de"))
    await wait_for_message(api, user, t("technical_problem", "de"))
    with session_scope() as session:
        kept = [row.text for row in pending_of(session, pseudonym(user))]
    assert kept == ["meine frage zum kurs"]
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == CLOSED


async def test_a_refused_crisis_message_still_got_the_numbers(
    front_rasa_down: Application, api: BotApiStandIn
) -> None:
    assigned(8512)
    api.fail("copyMessage", status=403, description=KICKED)
    api.push_text(8512, "ich will nicht mehr leben", "de")
    await wait_for_message(api, 8512, t("technical_problem", "de"))
    texts = api.sent_texts(8512)
    assert texts[0] == t("crisis", "de"), "the emergency numbers first"
    assert texts.count(t("crisis", "de")) == 1, "once, not again when the message is kept"
    with session_scope() as session:
        assert [row.text for row in pending_of(session, pseudonym(8512))] == [
            "ich will nicht mehr leben"]
