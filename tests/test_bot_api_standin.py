"""The Bot API stand-in refuses what Telegram refuses, in Telegram's words.

The front's tests are only as strict as the stand-in: a message Telegram would refuse must
fail a test here, not production (tests/helpers/bot_api.py, ``RULES``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from tests.helpers.bot_api import BotApiStandIn, visible_text

PERSON, BLOCKER, GROUP = 5301, 5302, -1001234567890


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    stand_in.block(BLOCKER)
    yield stand_in
    stand_in.stop()


def call(api: BotApiStandIn, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """``method`` as python-telegram-bot sends it: a form, non-strings JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = httpx.post(f"{api.base_url}{api.token}/{method}", data=form, timeout=10)
    return response.status_code, response.json()


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [[button] for button in buttons]}


OK = "ok"
# (what, method, parameters, Telegram's answer: OK or (error_code, description))
CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("plain text at the limit", "sendMessage", {"chat_id": PERSON, "text": "x" * 4096}, OK),
    ("plain text over it", "sendMessage", {"chat_id": PERSON, "text": "x" * 4097},
     (400, "Bad Request: message is too long")),
    # HTML: Telegram counts what is shown, after entity parsing
    ("HTML, 4,096 visible characters", "sendMessage",
     {"chat_id": PERSON, "text": "&lt;" * 2000 + "<b>" + "x" * 96 + "</b>",
      "parse_mode": "HTML"}, OK),
    ("HTML, 4,097 visible characters", "sendMessage",
     {"chat_id": PERSON, "text": "&amp;" * 4097, "parse_mode": "HTML"},
     (400, "Bad Request: message is too long")),
    ("a tag Telegram does not know", "sendMessage",
     {"chat_id": PERSON, "text": "<div>hallo</div>", "parse_mode": "HTML"},
     (400, 'Bad Request: can\'t parse entities: Unsupported start tag "div"')),
    ("an empty text", "sendMessage", {"chat_id": PERSON, "text": " \n "},
     (400, "Bad Request: message text is empty")),
    ("an edit over the limit", "editMessageText",
     {"chat_id": PERSON, "message_id": 7, "text": "y" * 4097},
     (400, "Bad Request: message is too long")),
    ("a caption at the limit", "sendDocument",
     {"chat_id": PERSON, "document": "file-id", "caption": "c" * 1024}, OK),
    ("a caption over it", "sendDocument",
     {"chat_id": PERSON, "document": "file-id", "caption": "c" * 1025},
     (400, "Bad Request: message caption is too long")),
    ("callback data of 64 bytes", "sendMessage",
     {"chat_id": PERSON, "text": "?",
      "reply_markup": keyboard({"text": "ok", "callback_data": "d" * 64})}, OK),
    ("callback data of 33 letters, 66 bytes in UTF-8", "sendMessage",
     {"chat_id": PERSON, "text": "?",
      "reply_markup": keyboard({"text": "ok", "callback_data": "د" * 33})},
     (400, "Bad Request: BUTTON_DATA_INVALID")),
    ("empty callback data", "sendMessage",
     {"chat_id": PERSON, "text": "?",
      "reply_markup": keyboard({"text": "ok", "callback_data": ""})},
     (400, "Bad Request: BUTTON_DATA_INVALID")),
    ("a button without text", "sendMessage",
     {"chat_id": PERSON, "text": "?",
      "reply_markup": keyboard({"text": "ok", "callback_data": "a"},
                               {"text": "", "callback_data": "b"})},
     (400, "Bad Request: BUTTON_TEXT_EMPTY")),
    ("a button that does nothing", "editMessageReplyMarkup",
     {"chat_id": PERSON, "message_id": 7, "reply_markup": keyboard({"text": "ok"})},
     (400, "Bad Request: can't parse inline keyboard button: "
           "Text buttons are unallowed in the inline keyboard")),
    ("a topic name of 128 characters", "createForumTopic",
     {"chat_id": GROUP, "name": "n" * 128}, OK),
    ("a topic name of 129 characters", "createForumTopic",
     {"chat_id": GROUP, "name": "n" * 129}, (400, "Bad Request: TOPIC_NAME_INVALID")),
    ("renaming a topic to 129 characters", "editForumTopic",
     {"chat_id": GROUP, "message_thread_id": 3, "name": "n" * 129},
     (400, "Bad Request: TOPIC_NAME_INVALID")),
    ("an unknown method", "sendTelegram", {"chat_id": PERSON}, (404, "Not Found")),
    ("method names are case-insensitive", "SENDMESSAGE", {"chat_id": PERSON, "text": "x"}, OK),
    ("no chat_id", "sendMessage", {"text": "hallo"}, (400, "Bad Request: chat_id is empty")),
    ("no text", "sendMessage", {"chat_id": PERSON},
     (400, "Bad Request: message text is empty")),
    ("copy without its source", "copyMessage", {"chat_id": PERSON, "message_id": 3},
     (400, "Bad Request: from_chat_id is empty")),
    ("to a person who blocked the bot", "sendMessage", {"chat_id": BLOCKER, "text": "hallo"},
     (403, "Forbidden: bot was blocked by the user")),
    ("typing… to them", "sendChatAction", {"chat_id": BLOCKER, "action": "typing"},
     (403, "Forbidden: bot was blocked by the user")),
    ("a copy to them", "copyMessage",
     {"chat_id": BLOCKER, "from_chat_id": GROUP, "message_id": 3},
     (403, "Forbidden: bot was blocked by the user")),
]


@pytest.mark.parametrize(("what", "method", "params", "answer"), CASES,
                         ids=[case[0] for case in CASES])
def test_the_stand_in_answers_like_telegram(
    api: BotApiStandIn, what: str, method: str, params: dict[str, Any], answer: Any
) -> None:
    status, body = call(api, method, **params)
    if answer == OK:
        assert (status, body["ok"]) == (200, True), body
    else:
        code, description = answer
        assert (status, body) == (code, {"ok": False, "error_code": code,
                                         "description": description})
        assert api.calls[-1].error == body and api.calls[-1].result is None


def test_the_message_shown_is_the_text_after_entity_parsing(api: BotApiStandIn) -> None:
    status, body = call(api, "sendMessage", chat_id=PERSON, text="a &lt; <b>b</b>",
                        parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "a < b"
    assert visible_text("\u200fسلام &amp; <i>خوش</i>", "HTML") == "\u200fسلام & خوش"
    assert visible_text("<b>roh</b>", None) == "<b>roh</b>"  # no parse mode: as written


async def test_python_telegram_bot_gets_telegrams_exceptions(api: BotApiStandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(PERSON, "ا" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton("ok", callback_data="ü" * 33)]])
            await bot.send_message(PERSON, "?", reply_markup=markup)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(BLOCKER, "hallo")
        sent = await bot.send_message(PERSON, "&lt;" * 4096, parse_mode=ParseMode.HTML)
        assert sent.text == "<" * 4096
    assert [c.method for c in api.refused()][-3:] == ["sendMessage"] * 3
