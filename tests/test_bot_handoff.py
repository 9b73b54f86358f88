"""Handoff to a counselor, through the real Application and the Bot API stand-in.

Tests without the ``model`` mark use a stand-in for Rasa's channel (tests/helpers/
fake_rasa.py) that asks for a handoff on "/human_handoff" exactly like action_handoff
does; the ``model`` tests at the end run the real Rasa server and action server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.formatting import to_html
from bot.handoff import (
    ALREADY_TAKEN,
    DONE_NOTE,
    ERASED_NOTE,
    NO_CONVERSATION,
    NOT_COUNSELOR,
    NOT_FORWARDED_CLOSED,
    NOT_FORWARDED_OPEN,
    TAKEN_BY_YOU,
    check_timeouts,
    purge_old_topics,
)
from bot.privacy import DELETE_YES
from jmd import clock
from jmd.db.engine import get_engine, session_scope
from jmd.db.models import CounselorTopic, Handoff
from jmd.handoff import ASSIGNED, CARD_URGENT, CLOSED, OPEN
from jmd.identity import display_name, pseudonym
from jmd.shared.settings import Settings
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.db import rows_with
from tests.helpers.domain import response_text
from tests.helpers.fake_rasa import CRISIS_TEXT, FakeRasa, echo
from tests.helpers.handoff import (
    ANNA,
    FORMER,
    GROUP,
    INTERN,
    LEA,
    MEMBERS,
    OMID,
    cards,
    notes_in,
    register_counselors,
    take_button,
    write_offices,
)
from tests.test_bot import CODE, buttons, eventually, front_env, running_front, wait_for_message

BOOK = "/book_appointment"


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn(members=dict(MEMBERS)).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


def handoff_env(api: BotApiStandIn, var_dir: Path, database_url: str, rasa_url: str,
                **extra: str) -> dict[str, str]:
    return {
        **front_env(api, var_dir, database_url, rasa_url),
        "COUNSELOR_CHAT_ID": str(GROUP),
        "COUNSELOR_TELEGRAM_IDS": f"{LEA}, 99999",
        "HANDOFF_TIMEOUT_MINUTES": "15",
        "HANDOFF_CHECK_SECONDS": "3600",  # the tests call check_timeouts themselves
        # Some tests travel months back in time; the front's retention run at start (real
        # clock) must not delete the persons they create there.
        "RETENTION_DAYS": "3650",
        **extra,
    }


@pytest.fixture
def env(api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path) -> dict[str, str]:
    return handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)


@pytest.fixture
async def front(env: dict[str, str]) -> AsyncIterator[Application]:
    async with running_front(env) as application:
        register_counselors()
        yield application


# -- steps -------------------------------------------------------------------------------


async def ask_for_a_person(api: BotApiStandIn, user: int, language: str,
                           how: str = "/human") -> Call:
    """The person asks; returns the card that appears in the counselor group."""
    before = len(cards(api))
    if how.startswith("/"):
        api.push_command(user, how, CODE[language])
    else:
        api.push_text(user, how, CODE[language])
    await eventually(lambda: len(cards(api)) > before, "posted a card")
    return cards(api)[-1]


def thread_of(card: Call) -> int:
    return int(card.params["message_thread_id"])


async def take_over(api: BotApiStandIn, card: Call, counselor: int = ANNA,
                    name: str = "Anna") -> None:
    data = take_button(card)
    assert data
    api.push_group_tap(counselor, card, data, first_name=name)


def handoff_of(user: int) -> Handoff | None:
    with session_scope() as session:
        query = select(Handoff).where(Handoff.person_key == pseudonym(user))
        return session.execute(query.order_by(Handoff.id.desc())).scalars().first()


def answered(message: str, language: str) -> str:
    """What the front sends for the stand-in Rasa's echo of ``message``."""
    return to_html(echo(message), language)


def copied(api: BotApiStandIn, to: int, source: int, message_id: int) -> Call | None:
    return next((c for c in api.copies_to(to) if int(c.params["from_chat_id"]) == source
                 and int(c.params["message_id"]) == message_id), None)


def photo_update(api: BotApiStandIn, user: int, language: str) -> dict[str, Any]:
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}]
    return api.push({"message": {**api.message_base(user, CODE[language]), "photo": photo}})


# -- the whole way, in each language -------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_a_person_asks_a_counselor_takes_over_writes_and_hands_back(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str
) -> None:
    user = {"de": 8101, "prs": 8102, "ar": 8103}[language]
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


async def test_a_second_request_reuses_the_topic(front: Application, api: BotApiStandIn) -> None:
    card = await ask_for_a_person(api, 8110, "de")
    await wait_for_message(api, 8110, t("handoff_waiting", "de"))
    api.push_command(8110, "/human", "de")
    await wait_for_message(api, 8110, t("handoff_still_waiting", "de"))
    assert len(cards(api)) == 1, "one request is open: no second card"
    await take_over(api, card)
    await wait_for_message(api, 8110, t("handoff_taken", "de").format(name="Anna"))
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8110, t("handoff_done", "de"))
    again = await ask_for_a_person(api, 8110, "de")
    assert thread_of(again) == thread_of(card)
    assert len(api.calls_of("createForumTopic")) == 1


# -- who may act ---------------------------------------------------------------------------


async def test_only_counselors_may_take_over_and_close(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8120, "prs")
    data = take_button(card)
    assert data
    for stranger in (INTERN, FORMER):  # in the group but not listed; listed but left
        api.push_group_tap(stranger, card, data)
    await eventually(lambda: api.answers().count(NOT_COUNSELOR) == 2, "refused both")
    handoff = handoff_of(8120)
    assert handoff is not None and handoff.status == OPEN

    api.push_group_tap(LEA, card, data, first_name="Lea")  # allow-list: Telegram name
    await wait_for_message(api, 8120, t("handoff_taken", "prs").format(name="Lea"))
    api.push_group_tap(OMID, card, data)
    await eventually(lambda: ALREADY_TAKEN.format(name="Lea") in api.answers(),
                     "told Omid who has it")

    thread = thread_of(card)
    api.push_group_text(GROUP, INTERN, "/done", thread)
    await eventually(lambda: NOT_COUNSELOR in notes_in(api, thread), "refused /done")
    handoff = handoff_of(8120)
    assert handoff is not None and handoff.status == ASSIGNED
    assert handoff.counselor_telegram_id == LEA and handoff.counselor_name == "Lea"


async def test_notes_in_the_group_when_nothing_is_sent(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8125, "de")
    thread = thread_of(card)
    api.push_group_text(GROUP, ANNA, "Hallo?", thread)
    await eventually(lambda: NOT_FORWARDED_OPEN in notes_in(api, thread), "said: take it first")
    api.push_group_text(GROUP, ANNA, "/done", thread)
    await wait_for_message(api, 8125, t("handoff_done", "de"))
    api.push_group_text(GROUP, ANNA, "Noch was", thread)
    await eventually(lambda: NOT_FORWARDED_CLOSED in notes_in(api, thread), "said: closed")
    api.push_group_text(GROUP, ANNA, "/done", thread)
    await eventually(lambda: NO_CONVERSATION in notes_in(api, thread), "nothing to close")
    assert api.copies_to(8125) == []


async def test_a_photo_while_waiting_is_passed_on_with_a_note(
    front: Application, api: BotApiStandIn
) -> None:
    await ask_for_a_person(api, 8127, "prs")
    photo = photo_update(api, 8127, "prs")
    await wait_for_message(api, 8127, t("handoff_media_waiting", "prs"))
    assert copied(api, GROUP, 8127, photo["message"]["message_id"])
    assert t("not_text", "prs") not in api.sent_texts(8127)


async def test_the_assistants_buttons_rest_while_a_counselor_writes(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    api.push_text(8126, "hallo", "ar")
    greeting = await wait_for_message(api, 8126, answered("hallo", "ar"))
    card = await ask_for_a_person(api, 8126, "ar")
    await take_over(api, card)
    await wait_for_message(api, 8126, t("handoff_taken", "ar").format(name="Anna"))
    heard = list(rasa.heard(pseudonym(8126)))
    api.push({"callback_query": {
        "id": "tap-1", "from": api.message_base(8126, "ar")["from"], "chat_instance": "c",
        "data": "/help", "message": greeting.result,
    }})
    await wait_for_message(api, 8126, t("handoff_paused", "ar"))
    api.push_command(8126, "/start", "ar")  # a command goes to the counselor as it is
    await eventually(lambda: len(api.copies_to(GROUP)) >= 1, "passed /start on")
    assert rasa.heard(pseudonym(8126)) == heard


# -- state in the database -------------------------------------------------------------------


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


async def test_a_deleted_topic_is_recreated(front: Application, api: BotApiStandIn) -> None:
    card = await ask_for_a_person(api, 8140, "de")
    await take_over(api, card)
    await wait_for_message(api, 8140, t("handoff_taken", "de").format(name="Anna"))
    old = thread_of(card)
    api.delete_topic(old)  # a counselor deletes the topic by hand
    sent = api.push_text(8140, "hallo?", "de")
    copy = await eventually(lambda: copied(api, GROUP, 8140, sent["message"]["message_id"]),
                            "passed the message on")
    new = int(copy.params["message_thread_id"])
    assert new != old and len(api.calls_of("createForumTopic")) == 2
    header = api.in_topic(new)[0].params
    assert "neu angelegt" in header["text"] and "Übernommen von Anna" in header["text"]
    with session_scope() as session:
        topic = session.get(CounselorTopic, pseudonym(8140))
        assert topic is not None and topic.message_thread_id == new
    answer = api.push_group_text(GROUP, ANNA, "Hier bin ich.", new)
    await eventually(lambda: copied(api, 8140, GROUP, answer["message"]["message_id"]),
                     "the counselor writes in the new topic")


async def test_a_card_goes_to_a_new_topic_when_the_old_one_was_deleted(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8141, "prs")
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8141, t("handoff_done", "prs"))
    api.delete_topic(thread_of(card))
    again = await ask_for_a_person(api, 8141, "prs")
    assert thread_of(again) != thread_of(card)


# -- waiting ---------------------------------------------------------------------------------

TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=clock.BERLIN)  # offices open
SATURDAY_11 = datetime(2026, 12, 5, 11, 0, tzinfo=clock.BERLIN)  # closed


async def test_nobody_takes_over_in_time(front: Application, api: BotApiStandIn) -> None:
    with clock.frozen(TUESDAY_10.astimezone(timezone.utc)):
        card = await ask_for_a_person(api, 8150, "prs")
        await wait_for_message(api, 8150, t("handoff_waiting", "prs"))
        clock.advance(timedelta(minutes=14))
        assert await check_timeouts(front) == 0
        clock.advance(timedelta(minutes=2))
        assert await check_timeouts(front) == 1
        notice = await wait_for_message(api, 8150, t("handoff_timeout", "prs"))
        assert buttons(notice) == [BOOK]
        clock.advance(timedelta(hours=1))
        assert await check_timeouts(front) == 0, "told once"
    handoff = handoff_of(8150)
    assert handoff is not None and handoff.status == OPEN, "still open for counselors"
    await take_over(api, card)
    await wait_for_message(api, 8150, t("handoff_taken", "prs").format(name="Anna"))


async def test_taken_in_time_no_timeout(front: Application, api: BotApiStandIn) -> None:
    with clock.frozen(TUESDAY_10):
        card = await ask_for_a_person(api, 8151, "de")
        await take_over(api, card)
        await wait_for_message(api, 8151, t("handoff_taken", "de").format(name="Anna"))
        clock.advance(timedelta(hours=2))
        assert await check_timeouts(front) == 0


@pytest.fixture
async def front_with_hours(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> AsyncIterator[Application]:
    env = handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url,
                      OFFICES_FILE=str(write_offices(tmp_path)))
    async with running_front(env) as application:
        register_counselors()
        yield application


HOURS = {
    "de": "Mo.: 09:00–16:00\nDi.: 09:00–16:00\nDo.: 10:00–18:00\nFr.: 09:00–12:00",
}


async def test_outside_office_hours_the_person_is_told_and_offered_a_booking(
    front_with_hours: Application, api: BotApiStandIn
) -> None:
    with clock.frozen(SATURDAY_11):
        await ask_for_a_person(api, 8160, "de")
        waiting = t("handoff_waiting_hours", "de").format(hours=HOURS["de"])
        await wait_for_message(api, 8160, waiting)
        closed = await wait_for_message(api, 8160, t("handoff_outside_hours", "de"))
        assert buttons(closed) == [BOOK]
        clock.advance(timedelta(hours=1))
        assert await check_timeouts(front_with_hours) == 0, "no second notice"
    handoff = handoff_of(8160)
    assert handoff is not None and handoff.status == OPEN


@pytest.mark.parametrize("language", ["prs", "ar"])
async def test_during_office_hours_only_the_hours_are_named(
    front_with_hours: Application, api: BotApiStandIn, language: str
) -> None:
    user = {"prs": 8161, "ar": 8162}[language]
    with clock.frozen(TUESDAY_10):
        await ask_for_a_person(api, user, language)
        await eventually(lambda: len(api.sent_texts(user)) >= 1, "told the person")
    message = api.sent_texts(user)[0]
    assert message.startswith(t("handoff_waiting_hours", language).split("{hours}")[0])
    assert "09:00–16:00" in message and "10:00–18:00" in message
    assert t("handoff_outside_hours", language) not in api.sent_texts(user)


async def test_without_a_counselor_group_the_person_is_offered_a_booking(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> None:
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)
    async with running_front(env):
        api.push_command(8170, "/human", "ar")
        notice = await wait_for_message(api, 8170, t("handoff_unavailable", "ar"))
        assert buttons(notice) == [BOOK]
    assert api.calls_of("createForumTopic") == []


async def test_when_the_group_refuses_the_card_the_person_is_offered_a_booking(
    front: Application, api: BotApiStandIn
) -> None:
    api.fail("createForumTopic", status=400,
             description="Bad Request: not enough rights to create a topic")
    api.push_command(8171, "/human", "de")
    notice = await wait_for_message(api, 8171, t("handoff_unavailable", "de"))
    assert buttons(notice) == [BOOK]
    handoff = handoff_of(8171)
    assert handoff is not None and handoff.status == CLOSED, "no request nobody can see"
    card = await ask_for_a_person(api, 8171, "de")  # the next request works again
    assert take_button(card)


# -- crisis ----------------------------------------------------------------------------------


async def test_crisis_reply_first_then_an_urgent_card(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8180, "de", how="ich will nicht mehr leben")
    assert card.params["text"].startswith(CARD_URGENT)
    assert "ich will nicht mehr leben" in card.params["text"]
    await wait_for_message(api, 8180, t("handoff_waiting", "de"))
    texts = api.sent_texts(8180)
    assert texts.index(CRISIS_TEXT) < texts.index(t("handoff_waiting", "de"))
    handoff = handoff_of(8180)
    assert handoff is not None and handoff.urgent


async def test_a_crisis_while_waiting_makes_the_request_urgent(
    front: Application, api: BotApiStandIn
) -> None:
    first_card = await ask_for_a_person(api, 8181, "de")
    assert not first_card.params["text"].startswith(CARD_URGENT)
    urgent = await ask_for_a_person(api, 8181, "de", how="ich will nicht mehr leben")
    assert urgent.params["text"].startswith(CARD_URGENT)
    assert thread_of(urgent) == thread_of(first_card)
    assert take_button(urgent) == take_button(first_card), "one handoff, a louder card"


# -- erasure and retention -------------------------------------------------------------------


async def test_delete_tells_the_counselor_and_deletes_the_topic(
    front: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(8190)
    card = await ask_for_a_person(api, 8190, "ar")
    await take_over(api, card)
    await wait_for_message(api, 8190, t("handoff_taken", "ar").format(name="Anna"))
    thread = thread_of(card)
    api.push_command(8190, "/delete", "ar")
    question = await wait_for_message(api, 8190, t("delete_confirm", "ar"))
    api.push_tap(8190, question, DELETE_YES, "ar")
    await wait_for_message(api, 8190, t("deleted", "ar"))
    assert ERASED_NOTE in notes_in(api, thread)
    assert [int(c.params["message_thread_id"]) for c in api.calls_of("deleteForumTopic")] == [
        thread
    ]
    assert rows_with(get_engine(), key) == {}
    late = api.push_group_text(GROUP, ANNA, "Bist du noch da?", thread)
    api.push_text(8191, "hallo", "de")  # something after it, to know it was handled
    await wait_for_message(api, 8191, answered("hallo", "de"))
    assert not copied(api, 8190, GROUP, late["message"]["message_id"])


async def test_old_topics_are_deleted_for_retention(
    front: Application, api: BotApiStandIn
) -> None:
    now = datetime.now(timezone.utc)
    people = {"old": 8201, "recent": 8202, "waiting": 8203}
    threads = {}
    for name, user in people.items():
        with clock.frozen(now - timedelta(days=120)):
            card = await ask_for_a_person(api, user, "de")
        threads[name] = thread_of(card)
    with clock.frozen(now - timedelta(days=100)):
        api.push_group_text(GROUP, ANNA, "/done", threads["old"])
        await wait_for_message(api, people["old"], t("handoff_done", "de"))
    with clock.frozen(now - timedelta(days=10)):
        api.push_group_text(GROUP, ANNA, "/done", threads["recent"])
        await wait_for_message(api, people["recent"], t("handoff_done", "de"))

    api.fail("deleteForumTopic", status=400, description="Bad Request: not enough rights")
    assert await purge_old_topics(front.bot, now - timedelta(days=90)) == 0
    with session_scope() as session:
        assert session.get(CounselorTopic, pseudonym(people["old"])), "kept to try again"
    assert await purge_old_topics(front.bot, now - timedelta(days=90)) == 1
    deleted = [int(c.params["message_thread_id"]) for c in api.calls_of("deleteForumTopic")]
    assert deleted == [threads["old"], threads["old"]]
    with session_scope() as session:
        assert session.get(CounselorTopic, pseudonym(people["old"])) is None
        assert session.get(CounselorTopic, pseudonym(people["recent"])) is not None
        assert session.get(CounselorTopic, pseudonym(people["waiting"])) is not None
        left = session.execute(select(Handoff.person_key)).scalars().all()
    assert pseudonym(people["old"]) not in left, "its closed handoff went too"


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
