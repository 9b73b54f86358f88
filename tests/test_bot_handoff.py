"""Handoff to a counselor, the whole way, through the real Application and the Bot API stand-in.

Tests without the ``model`` mark use a stand-in for Rasa's channel (tests/helpers/
fake_rasa.py) that asks for a handoff on "/human_handoff" exactly like action_handoff
does; the ``model`` tests at the end run the real Rasa server and action server. The
steps of each side are tested in tests/test_bot_handoff_*.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.formatting import to_html
from bot.front import front_of
from jmd.db.engine import get_engine, session_scope
from jmd.db.persons import get_person
from jmd.handoff.state import CLOSED
from jmd.identity import display_name, pseudonym
from jmd.shared.settings import Settings
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.domain import response_text
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.handoff import (
    ANNA,
    CARD_URGENT,
    DONE_NOTE,
    GROUP,
    OMID,
    TAKEN_BY_YOU,
    answered,
    ask_for_a_person,
    copied,
    handoff_env,
    handoff_of,
    notes_in,
    photo_update,
    register_counselors,
    take_over,
    thread_of,
)
from tests.test_bot import CODE, eventually, running_front, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]


# -- the whole way, in each language -------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_a_person_asks_a_counselor_takes_over_writes_and_hands_back(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str
) -> None:
    await the_whole_way(api, rasa, {"de": 8101, "prs": 8102, "ar": 8103}[language], language)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_whole_way_with_the_front_on_postgresql(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path, database_url: str
) -> None:
    """The same conversation with DATABASE_URL on PostgreSQL (a throwaway cluster): persons,
    handoffs and topics live there, and nothing differs for the person or the counselors."""
    async with running_front(handoff_env(api, tmp_path, database_url, rasa.url)):
        register_counselors()
        assert get_engine().dialect.name == "postgresql"
        await the_whole_way(api, rasa, 8104, "ar")
        with session_scope() as session:
            assert get_person(session, pseudonym(8104)) is not None
    assert api.refused() == []


async def the_whole_way(api: BotApiStandIn, rasa: FakeRasa, user: int, language: str) -> None:
    """Ask, wait (Rasa answers), taken over, messages both ways, /done, the assistant again."""
    key = pseudonym(user)
    api.push_text(user, "ich habe eine frage zur schule", CODE[language])
    await wait_for_message(api, user, answered("ich habe eine frage zur schule", language))

    card = await ask_for_a_person(api, user, language)
    await wait_for_message(api, user, t("handoff_waiting", language))
    thread = thread_of(card)
    title = api.topics[thread]
    assert title.startswith(display_name(key)) and "Test" not in title, "pseudonym, no name"
    body = card.params["text"]
    assert "ich habe eine frage zur schule" in body and CARD_URGENT not in body
    assert "Termin: keiner gebucht" in body

    # while nobody has taken it: Rasa answers, and the counselors see the message too
    waiting = api.push_text(user, "noch da?", CODE[language])
    await wait_for_message(api, user, answered("noch da?", language))
    assert copied(api, GROUP, user, waiting["message"]["message_id"])

    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    assert TAKEN_BY_YOU in api.answers()
    edited = api.calls_of("editMessageText")[-1].params
    assert "Übernommen von Anna" in edited["text"] and not edited.get("reply_markup")

    # the person writes: text and a photo go to the topic, Rasa hears nothing
    heard_before = list(rasa.heard(key))
    sent = api.push_text(user, "mein vater schlägt mich", CODE[language])
    photo = photo_update(api, user, language)
    await eventually(lambda: copied(api, GROUP, user, photo["message"]["message_id"]),
                     "copied the photo into the topic")
    text_copy = copied(api, GROUP, user, sent["message"]["message_id"])
    assert text_copy and text_copy.params["message_thread_id"] == thread
    # the counselor writes: text and a photo go to the person
    answer = api.push_group_text(GROUP, ANNA, "Ich bin für dich da.", thread, "Anna")
    picture = api.push_group_photo(GROUP, ANNA, thread)
    await eventually(lambda: copied(api, user, GROUP, picture["message"]["message_id"]),
                     "copied the counselor's photo to the person")
    assert copied(api, user, GROUP, answer["message"]["message_id"])
    # a colleague's note in the topic stays in the group
    note = api.push_group_text(GROUP, OMID, "Soll ich übernehmen?", thread, "Omid")
    api.push_group_text(GROUP, ANNA, "/done", thread, "Anna")
    await wait_for_message(api, user, t("handoff_done", language))
    assert not copied(api, user, GROUP, note["message"]["message_id"])
    assert rasa.heard(key) == heard_before, "the assistant stayed silent"
    assert DONE_NOTE.format(name="Anna") in notes_in(api, thread)

    api.push_text(user, "und jetzt?", CODE[language])
    await wait_for_message(api, user, answered("und jetzt?", language))
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == CLOSED and handoff.closed_at


async def test_a_restart_keeps_the_assignment(
    env: dict[str, str], api: BotApiStandIn, rasa: FakeRasa
) -> None:
    async with running_front(env):
        register_counselors()
        card = await ask_for_a_person(api, 8130, "ar")
        await take_over(api, card)
        await wait_for_message(api, 8130, t("handoff_taken", "ar").format(name="Anna"))
    thread = thread_of(card)
    async with running_front(env):  # a new Application on the same database
        sent = api.push_text(8130, "هل ما زلت هنا؟", "ar")
        await eventually(lambda: copied(api, GROUP, 8130, sent["message"]["message_id"]),
                         "passed the message on after the restart")
        answer = api.push_group_text(GROUP, ANNA, "Ja, ich bin da.", thread)
        await eventually(lambda: copied(api, 8130, GROUP, answer["message"]["message_id"]),
                         "passed the answer on after the restart")
        assert "هل ما زلت هنا؟" not in rasa.heard(pseudonym(8130))
        api.push_group_text(GROUP, ANNA, "/done", thread)
        await wait_for_message(api, 8130, t("handoff_done", "ar"))


# -- with the real Rasa server and action server -----------------------------------------------


@pytest.fixture
async def real_front(
    api: BotApiStandIn, rasa_stack: Settings
) -> AsyncIterator[Application]:
    env = handoff_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    async with running_front(env) as application:
        register_counselors()
        yield application


TYPED = {
    "de": "ich will mit einem echten menschen reden",
    "prs": "میخایم با یک آدم واقعی گپ بزنم",
    "ar": "بدي احكي مع شخص حقيقي",
}
GREETING = {"de": "hallo wie gehts", "prs": "سلام چطور استی", "ar": "مرحبا شلونك"}


@pytest.mark.model
@pytest.mark.parametrize("language", ["de", "prs", "ar"])
@pytest.mark.parametrize("how", ["typed", "/human"])
async def test_end_to_end_with_rasa(
    real_front: Application, api: BotApiStandIn, language: str, how: str
) -> None:
    user = 8300 + 10 * ["de", "prs", "ar"].index(language) + (how == "/human")
    greet = response_text("utter_greet", language)
    card = await ask_for_a_person(api, user, language, TYPED[language] if how == "typed" else how)
    await wait_for_message(api, user, t("handoff_waiting", language))
    if how == "typed":
        assert TYPED[language] in card.params["text"]
    assert not card.params["text"].startswith(CARD_URGENT)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))

    before = len(api.sent_messages(user))
    sent = api.push_text(user, GREETING[language], CODE[language])
    photo = photo_update(api, user, language)
    await eventually(lambda: copied(api, GROUP, user, photo["message"]["message_id"]),
                     "passed the photo on")
    assert copied(api, GROUP, user, sent["message"]["message_id"])
    answer = api.push_group_text(GROUP, ANNA, "Hallo, ich bin Anna.", thread_of(card))
    await eventually(lambda: copied(api, user, GROUP, answer["message"]["message_id"]),
                     "passed the answer on")
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, user, t("handoff_done", language))
    assert len(api.sent_messages(user)) == before + 1, "only the note that it is over"

    api.push_text(user, GREETING[language], CODE[language])
    await wait_for_message(api, user, to_html(greet, language))  # the assistant again


@pytest.mark.model
@pytest.mark.parametrize(("language", "message"), [
    ("de", "ich will nicht mehr leben"), ("prs", "پدرم مرا لت میکنه"), ("ar", "ابوي يضربني كل يوم"),
])
async def test_crisis_end_to_end_gives_an_urgent_card(
    real_front: Application, api: BotApiStandIn, language: str, message: str
) -> None:
    user = 8400 + ["de", "prs", "ar"].index(language)
    card = await ask_for_a_person(api, user, language, message)
    assert card.params["text"].startswith(CARD_URGENT)
    await wait_for_message(api, user, t("handoff_waiting", language))
    first = api.sent_texts(user)[0]
    assert "112" in first and "116 111" in first, "the crisis reply comes first"


# -- the counselor group migrated to a supergroup ------------------------------------------------


OLD_GROUP = -4001  # a basic group: Telegram migrates it when topics are switched on


async def test_a_migrated_counselor_group_is_kept_and_the_operator_told(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url,
                      COUNSELOR_CHAT_ID=str(OLD_GROUP))
    async with running_front(env) as application:
        register_counselors()
        old = {"message_id": 1, "date": 0, "chat": {"id": OLD_GROUP, "type": "group",
                                                     "title": "JMD Beratung"},
               "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"}}
        api.push({"message": {**old, "migrate_to_chat_id": GROUP}})
        new = api.group_message_base(GROUP, ANNA)
        api.push({"message": {**new, "migrate_from_chat_id": OLD_GROUP}})
        await eventually(lambda: f"COUNSELOR_CHAT_ID={GROUP}" in caplog.text,
                         "told the operator")
        assert front_of(application).settings.counselor_chat_id == GROUP
        card = await ask_for_a_person(api, 8140, "de")  # the handoff works in the new group
        await take_over(api, card)
        await wait_for_message(api, 8140, t("handoff_taken", "de").format(name="Anna"))
        api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
        await wait_for_message(api, 8140, t("handoff_done", "de"))
    assert api.calls_of("leaveChat") == [], "stayed in its own group"
    assert "8140" not in caplog.text
