"""The real python-telegram-bot Application against the local Bot API stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.rasa_client import RasaClient
from bot.texts import text
from jmd.db.engine import get_engine
from jmd.db.migrate import upgrade
from jmd.settings import get_settings, load_settings
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.ports import free_port
from tests.helpers.stack import patched_environ


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def front_without_rasa(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Application]:
    """The front with Rasa unreachable (nothing listens on its port)."""
    env = {
        "JMD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jmd.db'}",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
    }
    with patched_environ(env):
        get_settings.cache_clear()
        get_engine.cache_clear()
        settings = load_settings()
        upgrade(settings.database_url)
        application = build_application(
            settings, RasaClient(settings.rasa_url, attempts=2, backoff=0.01)
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
            get_settings.cache_clear()
            get_engine.cache_clear()


async def wait_for_text(api: BotApiStandIn, chat_id: int, count: int = 1) -> list[str]:
    for _ in range(200):
        texts = api.sent_texts(chat_id)
        if len(texts) >= count:
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} message(s), got {api.sent_texts(chat_id)}")


async def test_command_menu_registered_per_language(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    codes = {c.params.get("language_code") for c in api.calls_of("setMyCommands")}
    assert {"de", "fa", "ar", None} <= codes


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("sticker", {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 512,
                                 "height": 512, "is_animated": False, "is_video": False,
                                 "type": "regular"}}),
        ("voice", {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}),
        ("photo", {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}]}),
        ("location", {"location": {"latitude": 51.83, "longitude": 12.24}}),
    ],
)
async def test_non_text_gets_a_friendly_reply_in_the_users_language(
    front_without_rasa: Application, api: BotApiStandIn, kind: str, content: dict
) -> None:
    api.push({"message": {**api.message_base(5001, "ar"), **content}})
    texts = await wait_for_text(api, 5001)
    assert texts[0] == text("not_text", "ar")


async def test_unknown_command(front_without_rasa: Application, api: BotApiStandIn) -> None:
    api.push_text(5002, "/foo", "fa", entities=[{"type": "bot_command", "offset": 0, "length": 4}])
    assert (await wait_for_text(api, 5002))[0] == text("unknown_command", "prs")


async def test_edited_message(front_without_rasa: Application, api: BotApiStandIn) -> None:
    base = api.message_base(5003, "de")
    api.push({"edited_message": {**base, "text": "hallo", "edit_date": base["date"]}})
    assert (await wait_for_text(api, 5003))[0] == text("edited", "de")


async def test_rasa_down_gives_a_technical_problem_reply(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    api.push_text(5004, "سلام", "fa")
    texts = await wait_for_text(api, 5004)
    assert texts[0] == text("technical_problem", "prs")
    assert api.calls_of("sendChatAction"), "typing… was shown while waiting"
