"""The real python-telegram-bot Application against the local Bot API stand-in.

Tests without the ``model`` mark run with Rasa unreachable (nothing listens on its
port); the others talk to the real Rasa server and action server (``rasa_stack``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.formatting import TELEGRAM_LIMIT, to_html
from bot.privacy import DELETE_NO, DELETE_YES
from bot.rasa_client import RasaClient
from jmd.db.engine import get_engine, session_scope
from jmd.db.migrate import upgrade
from jmd.db.models import utcnow
from jmd.db.pending import keep_pending, pending_of
from jmd.db.persons import get_person
from jmd.identity import pseudonym
from jmd.shared.settings import Settings, get_settings, load_settings
from jmd.shared.tokens import bearer
from jmd.texts import t
from tests.helpers.bot_api import BOT_USER, BotApiStandIn, Call
from tests.helpers.db import rows_with
from tests.helpers.domain import response_text
from tests.helpers.fake_rasa import FakeRasa, echo
from tests.helpers.forward import Forwarder
from tests.helpers.ports import free_port
from tests.helpers.stack import action_server_stopped, patched_environ

RETENTION_DAYS = 45  # not the default, so the notice shows the configured value


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


def front_env(api: BotApiStandIn, var_dir: Path, database_url: str, rasa_url: str) -> dict:
    return {
        "JMD_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "RASA_URL": rasa_url,
        "RETENTION_DAYS": str(RETENTION_DAYS),
        "PENDING_RETRY_SECONDS": "0.2",
    }


@asynccontextmanager
async def running_front(env: dict[str, str]) -> AsyncIterator[Application]:
    """The front as `python -m bot` runs it (long polling), with ``env`` as configuration."""
    with patched_environ(env):
        get_settings.cache_clear()
        get_engine.cache_clear()
        settings = load_settings()
        upgrade(settings.database_url)
        application = build_application(
            settings, RasaClient(settings.rasa_url, token=settings.rasa_channel_token,
                                 attempts=2, backoff=0.01)
        )
        await application.initialize()
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await application.post_shutdown(application)  # type: ignore[misc]
            get_settings.cache_clear()
            get_engine.cache_clear()


@pytest.fixture
async def front_without_rasa(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Application]:
    """The front with Rasa unreachable (nothing listens on its port)."""
    env = front_env(
        api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", f"http://127.0.0.1:{free_port()}"
    )
    async with running_front(env) as application:
        yield application


@pytest.fixture
async def front(api: BotApiStandIn, rasa_stack: Settings) -> AsyncIterator[Application]:
    """The front with the real Rasa server and action server, on their database."""
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    async with running_front(env) as application:
        yield application


async def eventually[T](probe: Callable[[], T | None], what: str) -> T:
    """Poll ``probe`` until it returns something truthy (a wait, not a time limit test)."""
    for _ in range(1200):
        result = probe()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot never {what}")


async def wait_for_text(api: BotApiStandIn, chat_id: int, count: int = 1) -> list[str]:
    def probe() -> list[str] | None:
        texts = api.sent_texts(chat_id)
        return texts if len(texts) >= count else None

    return await eventually(probe, f"sent {count} message(s) to {chat_id}")


async def wait_for_message(api: BotApiStandIn, chat_id: int, expected: str) -> Call:
    """The first message to ``chat_id`` with exactly the text ``expected``."""

    def probe() -> Call | None:
        return next((c for c in api.sent_messages(chat_id) if c.params["text"] == expected), None)

    return await eventually(probe, f"sent {expected[:40]!r}… to {chat_id}")


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def sends_to(api: BotApiStandIn, chat_id: int) -> list[Call]:
    """Every sendMessage attempt to ``chat_id``, failed ones included."""
    return [c for c in api.calls_of("sendMessage") if int(c.params["chat_id"]) == chat_id]


# Telegram's language_code for each of the assistant's languages.
CODE = {"de": "de", "prs": "fa", "ar": "ar"}


# -- without Rasa: what the front does on its own ----------------------------------------


async def test_command_menu_registered_per_language(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    menus = {c.params.get("language_code"): c.params["commands"]
             for c in api.calls_of("setMyCommands")}
    assert {"de", "fa", "ar", None} <= set(menus)
    for code, language in [("de", "de"), ("fa", "prs"), ("ar", "ar"), (None, "de")]:
        described = {c["command"]: c["description"] for c in menus[code]}
        assert {"start", "help", "privacy", "delete"} <= set(described)
        assert described["privacy"] == t("commands.privacy", language)
        assert described["delete"] == t("commands.delete", language)


NOT_TEXT = [
    ("photo", "de", {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 9,
                                "height": 9}]}),
    ("voice", "prs", {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}),
    ("sticker", "ar", {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 512,
                                   "height": 512, "is_animated": False, "is_video": False,
                                   "type": "regular"}}),
    ("video", "de", {"video": {"file_id": "w", "file_unique_id": "w", "width": 9,
                               "height": 9, "duration": 4}}),
    ("document", "prs", {"document": {"file_id": "d", "file_unique_id": "d",
                                      "file_name": "zeugnis.pdf"}}),
    ("location", "ar", {"location": {"latitude": 51.83, "longitude": 12.24}}),
    ("contact", "de", {"contact": {"phone_number": "+4915100000000", "first_name": "Amina"}}),
]


@pytest.mark.parametrize(("kind", "language", "content"), NOT_TEXT, ids=[k[0] for k in NOT_TEXT])
async def test_non_text_gets_a_friendly_reply_in_the_users_language(
    front_without_rasa: Application, api: BotApiStandIn, kind: str, language: str, content: dict
) -> None:
    api.push({"message": {**api.message_base(5001, CODE[language]), **content}})
    assert (await wait_for_text(api, 5001))[0] == t("not_text", language)


async def test_unknown_command(front_without_rasa: Application, api: BotApiStandIn) -> None:
    api.push_command(5002, "/foo", "fa")
    assert (await wait_for_text(api, 5002))[0] == t("unknown_command", "prs")


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_edited_message(
    front_without_rasa: Application, api: BotApiStandIn, language: str
) -> None:
    base = api.message_base(5003, CODE[language])
    api.push({"edited_message": {**base, "text": "hallo", "edit_date": base["date"]}})
    assert (await wait_for_text(api, 5003))[0] == t("edited", language)


async def test_rasa_down_gives_a_technical_problem_reply_and_keeps_the_message(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    api.push_text(5004, "سلام", "fa")
    texts = await wait_for_text(api, 5004)
    assert texts[0] == t("technical_problem", "prs")
    assert api.calls_of("sendChatAction"), "typing… was shown while waiting"
    with session_scope() as session:
        assert [row.text for row in pending_of(session, pseudonym(5004))] == ["سلام"]


async def test_a_message_waiting_too_long_is_given_up_with_a_note(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    with session_scope() as session:
        row = keep_pending(session, pseudonym(5005), 5005, "مرحبا", telegram_language_code="ar")
        row.created_at = utcnow() - timedelta(hours=2)
    assert (await wait_for_text(api, 5005))[0] == t("pending_expired", "ar")
    with session_scope() as session:
        assert pending_of(session, pseudonym(5005)) == []


async def test_retry_after_from_telegram_is_waited_out(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    api.fail("sendMessage", retry_after=1)
    api.push({"message": {**api.message_base(5006, "de"), **NOT_TEXT[0][2]}})
    assert await wait_for_text(api, 5006) == [t("not_text", "de")]
    assert len(sends_to(api, 5006)) == 2, "refused once, then sent"


async def test_server_errors_from_telegram_are_retried(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    api.fail("sendMessage", status=500, times=2)
    api.push({"message": {**api.message_base(5007, "ar"), **NOT_TEXT[2][2]}})
    assert await wait_for_text(api, 5007) == [t("not_text", "ar")]
    assert len(sends_to(api, 5007)) == 3, "failed twice, then sent"
    api.push_command(5007, "/foo", "ar")  # the front carries on as before
    assert (await wait_for_text(api, 5007, 2))[1] == t("unknown_command", "ar")


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_privacy_notice_in_the_users_language(
    front_without_rasa: Application, api: BotApiStandIn, language: str
) -> None:
    api.push_command(5010, "/privacy", CODE[language])
    notice = (await wait_for_text(api, 5010))[0]
    assert notice == t("privacy", language).format(days=RETENTION_DAYS)
    assert str(RETENTION_DAYS) in notice and "/delete" in notice


async def test_delete_asks_first_and_no_keeps_everything_yes_erases(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(5011)
    api.push_text(5011, "مرحبا، أحتاج مساعدة", "ar")  # Rasa is down: the message is kept
    await wait_for_message(api, 5011, t("technical_problem", "ar"))

    api.push_command(5011, "/delete", "ar")
    question = await wait_for_message(api, 5011, t("delete_confirm", "ar"))
    assert buttons(question) == [DELETE_YES, DELETE_NO]
    api.push_tap(5011, question, DELETE_NO, "ar")
    await wait_for_message(api, 5011, t("delete_cancelled", "ar"))
    assert api.calls_of("editMessageText"), "the question shows the choice, buttons gone"
    with session_scope() as session:
        assert get_person(session, key) is not None and pending_of(session, key)

    api.push_command(5011, "/delete", "ar")
    await eventually(
        lambda: len([c for c in api.sent_messages(5011) if buttons(c)]) == 2, "asked again"
    )
    question = [c for c in api.sent_messages(5011) if buttons(c)][-1]
    api.push_tap(5011, question, DELETE_YES, "ar")
    await wait_for_message(api, 5011, t("deleted", "ar"))
    assert rows_with(get_engine(), key) == {}


async def test_a_burst_of_messages_is_read_together_and_nothing_is_lost(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    burst = [f"Nachricht {n}" for n in range(1, 7)]
    api.push_batch([api.text_update(5012, message, "de") for message in burst])
    await wait_for_message(api, 5012, t("burst", "de"))

    def kept() -> list[str] | None:  # one row per answer; the last may still try Rasa
        with session_scope() as session:
            rows = [row.text for row in pending_of(session, pseudonym(5012))]
        return rows if "\n".join(rows) == "\n".join(burst) else None

    rows = await eventually(kept, "kept every message, in order")
    problem = t("technical_problem", "de")
    await eventually(lambda: api.sent_texts(5012).count(problem) == len(rows), "told each")
    assert 1 <= len(rows) < len(burst), "answered together, not one by one"


# -- what Telegram would refuse (a stand-in Rasa says what the test needs) -----------------


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
async def front_with_fake_rasa(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> AsyncIterator[Application]:
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)
    async with running_front(env) as application:
        yield application


LONG_DARI_PAYLOAD = '/ask_faq{"topic": "' + "آموزش حرفه‌ای" * 3 + '"}'  # > 64 bytes


async def test_a_long_answer_with_long_payloads_reaches_the_person_whole(
    front_with_fake_rasa: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    """Over 4,096 characters once escaped, a payload over 64 bytes, a button without a
    title: Telegram accepts every message, the person gets all of it and can tap."""
    paragraphs = [f"{n}. Fragen & Antworten <Ausbildung> " + "x" * 300 for n in range(40)]
    rasa.scripted["lang bitte"] = [{"text": "\n\n".join(paragraphs), "buttons": [
        {"title": "آموزش حرفه‌ای", "payload": LONG_DARI_PAYLOAD},
        {"title": " ", "payload": "/nothing"},
        {"title": "👍", "payload": "/feedback_good"}, {"title": "👎", "payload": "/feedback_bad"},
    ]}]
    api.push_text(5501, "lang bitte", "de")
    shown = "\n\n".join(paragraphs)
    texts = await eventually(
        lambda: (sent := api.sent_messages(5501)) and buttons(sent[-1]) and sent,
        "sent the answer with its buttons")
    assert api.refused() == []
    assert "\n\n".join(c.result["text"] for c in texts) == shown, "nothing lost or doubled"
    last = texts[-1]
    assert len(buttons(last)) == 3 and "/nothing" not in buttons(last)
    [token] = [data for data in buttons(last) if data not in {"/feedback_good", "/feedback_bad"}]
    assert len(token.encode()) <= 64
    api.push_tap(5501, last, token, "de")
    await eventually(lambda: LONG_DARI_PAYLOAD in rasa.heard(pseudonym(5501)),
                     "sent the long payload to Rasa")
    assert api.refused() == []


async def test_tapping_a_button_under_a_full_length_message_removes_the_keyboard(
    front_with_fake_rasa: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    """The mark "✅ Ja" would make a 4,091-character message too long: the keyboard goes
    anyway, so the button cannot be tapped twice."""
    rasa.scripted["voll"] = [{"text": "y" * 4091,
                              "buttons": [{"title": "Ja", "payload": "/affirm"}]}]
    api.push_text(5502, "voll", "de")
    question = await eventually(
        lambda: next((c for c in api.sent_messages(5502) if buttons(c)), None), "asked")
    api.push_tap(5502, question, "/affirm", "de")
    await eventually(lambda: "/affirm" in rasa.heard(pseudonym(5502)), "passed the tap on")
    removed = await eventually(
        lambda: [c for c in api.calls_of("editMessageReplyMarkup") if c.result is not None],
        "removed the keyboard")
    assert not removed[0].params.get("reply_markup")
    assert api.refused() == []


async def test_a_person_who_blocked_the_bot_breaks_nothing_and_loses_nothing(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    """Kept while Rasa is down, then the person blocks the bot (403 for everything to
    them): Rasa still hears the message, it is not kept for ever, nothing fails for the
    others, and the front stays in the private chat (no leaveChat)."""
    rasa = FakeRasa()  # not started yet: Rasa is down
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)
    async with running_front(env):
        api.push_text(5503, "hallo, ich brauche hilfe", "de")
        api.push_text(5504, "guten tag", "de")
        await wait_for_message(api, 5503, t("technical_problem", "de"))
        await wait_for_message(api, 5504, t("technical_problem", "de"))
        api.block(5503)
        api.push({"my_chat_member": {
            "chat": api.message_base(5503)["chat"], "from": api.message_base(5503)["from"],
            "date": 0, "old_chat_member": {"status": "member", "user": BOT_USER},
            "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
        }})
        api.push_text(5503, "noch eine frage", "de")  # sent before the block took effect
        rasa.start()
        try:
            await wait_for_message(api, 5504, echo("guten tag"))
            await eventually(
                lambda: rasa.heard(pseudonym(5503))
                == ["hallo, ich brauche hilfe", "noch eine frage"], "passed both on to Rasa")
            with session_scope() as session:
                await eventually(lambda: not pending_of(session, pseudonym(5503)),
                                 "stopped keeping the message")
        finally:
            rasa.stop()
    assert api.refused() and {c.error["error_code"] for c in api.refused()} == {403}
    assert not api.calls_of("leaveChat")


# -- with the real Rasa server and action server -----------------------------------------


@pytest.mark.model
async def test_start_welcomes_with_language_buttons_and_privacy_lines(
    front: Application, api: BotApiStandIn
) -> None:
    api.push_command(6001, "/start", "de")
    welcome = await wait_for_message(
        api, 6001, to_html(response_text("utter_welcome", "de"), "de")
    )
    assert "/privacy" in welcome.params["text"] and "/delete" in welcome.params["text"]
    arabic = '/change_language{"language": "ar"}'
    assert buttons(welcome) == [
        '/change_language{"language": "de"}', '/change_language{"language": "prs"}', arabic
    ]
    api.push_tap(6001, welcome, arabic, "de")
    await wait_for_message(api, 6001, to_html(response_text("utter_language_changed", "ar"), "ar"))
    marked = api.calls_of("editMessageText")[-1].params
    assert marked["text"].endswith("✅ العربية") and not marked.get("reply_markup")


@pytest.mark.model
@pytest.mark.parametrize(
    ("language", "greeting", "user"),
    [("de", "hallo wie gehts", 6002), ("prs", "سلام چطور استی", 6003), ("ar", "مرحبا شلونك", 6004)],
)
async def test_a_text_is_answered_in_its_language(
    front: Application, api: BotApiStandIn, language: str, greeting: str, user: int
) -> None:
    api.push_text(user, greeting, CODE[language])
    await wait_for_message(api, user, to_html(response_text("utter_greet", language), language))


@pytest.mark.model
async def test_a_very_long_message_is_shortened_and_the_conversation_goes_on(
    front: Application, api: BotApiStandIn
) -> None:
    long_text = ("Ich brauche Hilfe bei meiner Ausbildung. " * 250)[:10_000]
    api.push_text(6005, long_text, "de")
    texts = await wait_for_text(api, 6005, 2)
    assert texts[0] == t("too_long", "de")
    assert texts[1] not in {t("technical_problem", "de"), t("error", "de")}
    api.push_text(6005, "vielen dank", "de")
    await wait_for_message(api, 6005, to_html(response_text("utter_you_are_welcome", "de"), "de"))
    assert all(len(t) <= TELEGRAM_LIMIT for t in api.sent_texts(6005))


@pytest.mark.model
async def test_when_rasa_comes_back_the_kept_message_is_answered(
    api: BotApiStandIn, rasa_stack: Settings
) -> None:
    port = free_port()
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, f"http://127.0.0.1:{port}")
    async with running_front(env):
        original = api.push_text(6006, "سلام چطور استی", "fa")
        await wait_for_message(api, 6006, t("technical_problem", "prs"))
        forwarder = await Forwarder(port, urlsplit(rasa_stack.rasa_url).port or 0).start()
        try:  # Rasa is back at the address the front knows; the person writes nothing
            intro = await wait_for_message(api, 6006, t("pending_answer", "prs"))
            await wait_for_message(api, 6006, to_html(response_text("utter_greet", "prs"), "prs"))
        finally:
            await forwarder.stop()
        replied_to: dict[str, Any] = intro.params["reply_parameters"]
        assert replied_to["message_id"] == original["message"]["message_id"]
        with session_scope() as session:
            assert pending_of(session, pseudonym(6006)) == [], "answered, then deleted"


@pytest.mark.model
async def test_when_the_action_server_is_down_the_message_is_kept_and_answered_later(
    api: BotApiStandIn, rasa_stack: Settings
) -> None:
    """Rasa runs, its action server does not: the channel answers 503, the front tells the
    person and keeps the message; once the action server is back it is answered."""
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    async with running_front(env):
        with action_server_stopped(rasa_stack) as restart:
            channel = httpx.post(f"{rasa_stack.rasa_url}/webhooks/jmd/webhook", timeout=30,
                                 json={"sender": "test-503", "message": "hallo"},
                                 headers=bearer(rasa_stack.rasa_channel_token))
            assert channel.status_code == 503
            original = api.push_text(6008, "مرحبا شلونك", "ar")
            await wait_for_message(api, 6008, t("technical_problem", "ar"))
            with session_scope() as session:
                assert [row.text for row in pending_of(session, pseudonym(6008))] == [
                    "مرحبا شلونك"]
            restart()  # the person writes nothing more
            intro = await wait_for_message(api, 6008, t("pending_answer", "ar"))
            await wait_for_message(api, 6008, to_html(response_text("utter_greet", "ar"), "ar"))
        assert intro.params["reply_parameters"]["message_id"] == (
            original["message"]["message_id"])
        with session_scope() as session:
            assert pending_of(session, pseudonym(6008)) == [], "answered, then deleted"
    assert api.refused() == []


@pytest.mark.model
async def test_delete_erases_the_conversation_in_rasas_tracker_store(
    front: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(6007)
    api.push_text(6007, "مرحبا شلونك", "ar")
    await wait_for_message(api, 6007, to_html(response_text("utter_greet", "ar"), "ar"))
    assert "events.sender_id" in rows_with(get_engine(), key)
    api.push_command(6007, "/delete", "ar")
    question = await wait_for_message(api, 6007, t("delete_confirm", "ar"))
    api.push_tap(6007, question, DELETE_YES, "ar")
    await wait_for_message(api, 6007, t("deleted", "ar"))
    assert rows_with(get_engine(), key) == {}
