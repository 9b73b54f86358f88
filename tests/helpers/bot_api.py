"""A local stand-in for Telegram's Bot API: records every call, serves queued updates.

python-telegram-bot talks to it over HTTP via ``base_url``; only Telegram's servers are
replaced. Faults (HTTP 500, RetryAfter) can be injected per method.

It refuses what Telegram refuses, with Telegram's error shape (``{"ok": false,
"error_code": 400, "description": "Bad Request: …"}``), so a reply that would fail in
production fails a test: unknown methods (404), missing required parameters, texts over
4,096 and captions over 1,024 characters (counted as Telegram does, after entity parsing:
the visible text of an HTML message), callback data outside 1–64 bytes (UTF-8), buttons
without text, forum topic names over 128 characters, and anything sent to a person the
test marked as having blocked the bot (403). The checks are one table, :data:`RULES`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.helpers.ports import free_port

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "JMD-Assistent",
    "username": "jmd_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


# Forum topic IDs are unique in a group; tests sharing one database (the Rasa stack's)
# must not get the same ID from two stand-ins.
_TOPIC_IDS = itertools.count(50_000)


# -- what Telegram refuses ------------------------------------------------------------------

TEXT_LIMIT = 4096  # characters of a message text, after entity parsing
CAPTION_LIMIT = 1024  # characters of a caption, after entity parsing
CALLBACK_DATA_BYTES = 64  # callback_data: 1-64 bytes
TOPIC_NAME_LIMIT = 128  # characters of a forum topic's name

# The Bot API methods (lower case: Telegram reads method names case-insensitively) and
# their required parameters. Any other method is answered 404 "Not Found", like Telegram.
REQUIRED: dict[str, tuple[str, ...]] = {
    "getme": (), "logout": (), "close": (), "getupdates": (),
    "setwebhook": ("url",), "deletewebhook": (), "getwebhookinfo": (),
    "sendmessage": ("chat_id", "text"),
    "forwardmessage": ("chat_id", "from_chat_id", "message_id"),
    "forwardmessages": ("chat_id", "from_chat_id", "message_ids"),
    "copymessage": ("chat_id", "from_chat_id", "message_id"),
    "copymessages": ("chat_id", "from_chat_id", "message_ids"),
    "sendphoto": ("chat_id", "photo"), "sendaudio": ("chat_id", "audio"),
    "senddocument": ("chat_id", "document"), "sendvideo": ("chat_id", "video"),
    "sendanimation": ("chat_id", "animation"), "sendvoice": ("chat_id", "voice"),
    "sendvideonote": ("chat_id", "video_note"), "sendmediagroup": ("chat_id", "media"),
    "sendlocation": ("chat_id", "latitude", "longitude"),
    "sendcontact": ("chat_id", "phone_number", "first_name"),
    "senddice": ("chat_id",), "sendchataction": ("chat_id", "action"),
    "setmessagereaction": ("chat_id", "message_id"),
    "getfile": ("file_id",), "getchat": ("chat_id",), "leavechat": ("chat_id",),
    "getchatadministrators": ("chat_id",), "getchatmembercount": ("chat_id",),
    "getchatmember": ("chat_id", "user_id"),
    "banchatmember": ("chat_id", "user_id"), "unbanchatmember": ("chat_id", "user_id"),
    "pinchatmessage": ("chat_id", "message_id"), "unpinchatmessage": ("chat_id",),
    "createforumtopic": ("chat_id", "name"),
    "editforumtopic": ("chat_id", "message_thread_id"),
    "closeforumtopic": ("chat_id", "message_thread_id"),
    "reopenforumtopic": ("chat_id", "message_thread_id"),
    "deleteforumtopic": ("chat_id", "message_thread_id"),
    "unpinallforumtopicmessages": ("chat_id", "message_thread_id"),
    "answercallbackquery": ("callback_query_id",),
    "setmycommands": ("commands",), "getmycommands": (), "deletemycommands": (),
    "setmyname": (), "getmyname": (), "setmydescription": (), "getmydescription": (),
    "setmyshortdescription": (), "getmyshortdescription": (),
    "setchatmenubutton": (), "getchatmenubutton": (),
    "editmessagetext": ("text",), "editmessagecaption": (), "editmessagereplymarkup": (),
    "deletemessage": ("chat_id", "message_id"), "deletemessages": ("chat_id", "message_ids"),
}

TEXT_METHODS = frozenset({"sendmessage", "editmessagetext"})
CAPTION_METHODS = frozenset({"sendphoto", "sendaudio", "senddocument", "sendvideo",
                             "sendanimation", "sendvoice", "copymessage", "editmessagecaption"})
# Methods that put something into (or change something in) the chat ``chat_id``.
INTO_CHAT = frozenset(name for name in REQUIRED
                      if name.startswith(("send", "copy", "forward", "editmessage"))
                      or name in {"pinchatmessage", "deletemessage"})
TOPIC_NAMED = frozenset({"createforumtopic", "editforumtopic"})
# HTML tags Telegram's parser knows (https://core.telegram.org/bots/api#html-style).
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                       "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"})
_SELF_CLOSING = frozenset({"br"})


class EntityError(ValueError):
    """The text is not what Telegram's entity parser accepts."""


class _Visible(HTMLParser):
    """The visible text of a Telegram HTML message; refuses tags Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise EntityError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What Telegram counts and shows of ``text``: for HTML the text without the markup."""
    if str(parse_mode or "").upper() != "HTML":
        return text  # the project sends plain text or HTML; Markdown would count raw
    parser = _Visible()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"')
    return "".join(parser.text)


@dataclass(frozen=True)
class Request:
    """One Bot API call as the rules see it."""

    method: str  # lower case
    params: dict[str, Any]
    blocked: frozenset[int]  # people who blocked the bot
    deleted_topics: frozenset[int]


def _missing(request: Request) -> str | None:
    for name in REQUIRED[request.method]:
        if request.params.get(name) in (None, "", []):
            return "message text is empty" if name == "text" else f"{name} is empty"
    return None


def _blocked(request: Request) -> str | None:
    try:
        chat = int(request.params.get("chat_id", 0))
    except (TypeError, ValueError):
        return None
    return "bot was blocked by the user" if chat in request.blocked else None


def _thread_gone(request: Request) -> str | None:
    thread = request.params.get("message_thread_id")
    if thread is None or int(thread) not in request.deleted_topics:
        return None
    if request.method.startswith(("send", "copy", "forward")):
        return "message thread not found"
    return "TOPIC_ID_INVALID"


def _entities(field_name: str) -> Callable[[Request], str | None]:
    def check(request: Request) -> str | None:
        text = request.params.get(field_name)
        if text is None:
            return None
        try:
            visible_text(str(text), request.params.get("parse_mode"))
        except EntityError as error:
            return f"can't parse entities: {error}"
        return None

    return check


def _visible(request: Request, field_name: str) -> str:
    return visible_text(str(request.params.get(field_name) or ""),
                        request.params.get("parse_mode"))


def _buttons(request: Request) -> list[dict[str, Any]]:
    markup = request.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [button for row in markup.get("inline_keyboard") or [] for button in row]


def _button_problem(request: Request) -> str | None:
    for button in _buttons(request):
        if not str(button.get("text") or "").strip():
            return "BUTTON_TEXT_EMPTY"
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_BYTES:
            return "BUTTON_DATA_INVALID"
        if len(set(button) - {"text"}) == 0:
            return ("can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard")
    return None


def _topic_name(request: Request) -> str | None:
    name = request.params.get("name")
    if name is None:
        return None
    if not str(name).strip():
        return "TOPIC_TITLE_EMPTY"
    return "TOPIC_NAME_INVALID" if len(str(name)) > TOPIC_NAME_LIMIT else None


@dataclass(frozen=True)
class Rule:
    """Telegram refuses a call of one of ``methods`` when ``broken`` names a problem."""

    methods: frozenset[str]
    broken: Callable[[Request], str | None]
    code: int = 400


ALL = frozenset(REQUIRED)

# Checked in order; the first problem is the answer (like Telegram, one error at a time).
RULES: tuple[Rule, ...] = (
    Rule(ALL, _missing),
    Rule(INTO_CHAT, _blocked, code=403),
    Rule(ALL, _thread_gone),
    Rule(TEXT_METHODS, _entities("text")),
    Rule(TEXT_METHODS, lambda r: None if _visible(r, "text").strip()
         else "message text is empty"),
    Rule(TEXT_METHODS, lambda r: "message is too long"
         if len(_visible(r, "text")) > TEXT_LIMIT else None),
    Rule(CAPTION_METHODS, _entities("caption")),
    Rule(CAPTION_METHODS, lambda r: "message caption is too long"
         if len(_visible(r, "caption")) > CAPTION_LIMIT else None),
    Rule(ALL, _button_problem),
    Rule(TOPIC_NAMED, _topic_name),
)

_PREFIX = {400: "Bad Request", 403: "Forbidden"}


def refusal(request: Request) -> tuple[int, str] | None:
    """(HTTP status, description) of the first rule ``request`` breaks; None if none."""
    for rule in RULES:
        if request.method in rule.methods and (problem := rule.broken(request)):
            return rule.code, f"{_PREFIX[rule.code]}: {problem}"
    return None


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None  # what the stand-in answered (None for a fault)
    error: dict[str, Any] | None = None  # the error answered instead, Telegram's shape


@dataclass
class BotApiStandIn:
    """Run with ``start()``; point the bot at ``base_url``."""

    token: str = "123456789:TEST-token-for-the-local-stand-in-000"
    calls: list[Call] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _faults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # getChatMember: status per Telegram user ("member", "administrator", "creator",
    # "left"); everyone else has left.
    members: dict[int, str] = field(default_factory=dict)
    # Forum topics: created ones, and those deleted (sending there fails like Telegram).
    topics: dict[int, str] = field(default_factory=dict)
    deleted_topics: set[int] = field(default_factory=set)
    # People (Telegram user IDs) who blocked the bot: everything into their chat is 403.
    blocked: set[int] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> BotApiStandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self) -> None:
        if self._runner:
            await self._runner.cleanup()
        # A long poll may still be waiting: end it here rather than leave it to the GC.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _serve(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    # -- test API -------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": next(self._ids), **update}
            self._updates.append(update)
        return update

    def push_batch(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Queue updates so that one getUpdates call returns them together."""
        with self._lock:
            batch = [{"update_id": next(self._ids), **update} for update in updates]
            self._updates.extend(batch)
        return batch

    def text_update(
        self, user_id: int, text: str, language_code: str | None = None
    ) -> dict[str, Any]:
        return {"message": {**self.message_base(user_id, language_code), "text": text}}

    def push_command(
        self, user_id: int, command: str, language_code: str | None = None
    ) -> dict[str, Any]:
        entity = {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        return self.push_text(user_id, command, language_code, entities=[entity])

    def push_tap(self, user_id: int, sent: Call, data: str,
                 language_code: str | None = None) -> dict[str, Any]:
        """The person taps the button with callback ``data`` under the message ``sent``."""
        buttons = [b["callback_data"] for row in sent.result["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert data in buttons, (data, buttons)
        return self.push({"callback_query": {
            "id": str(next(self._ids)),
            "from": self.message_base(user_id, language_code)["from"],
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": sent.result,
        }})

    def push_group_command(self, chat_id: int, user_id: int, command: str,
                           thread_id: int | None = None) -> dict[str, Any]:
        """``user_id`` sends ``command`` in the (counselor) supergroup ``chat_id``."""
        return self.push_group_text(chat_id, user_id, command, thread_id)

    def push_text(
        self, user_id: int, text: str, language_code: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return self.push({"message": {**self.message_base(user_id, language_code), "text": text,
                                      **extra}})

    def message_base(self, user_id: int, language_code: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language_code:
            user["language_code"] = language_code
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Test"},
            "from": user,
        }

    def fail(self, method: str, *, status: int = 500, retry_after: int | None = None,
             times: int = 1, description: str | None = None) -> None:
        """Make the next ``times`` calls of ``method`` fail."""
        with self._lock:
            self._faults.setdefault(method, []).extend(
                [{"status": status, "retry_after": retry_after,
                  "description": description}] * times
            )

    # -- the counselor group (a forum supergroup) ---------------------------------------

    def group_message_base(
        self, chat_id: int, user_id: int, thread_id: int | None = None,
        first_name: str = "Beraterin",
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "JMD Beratung",
                     "is_forum": True},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return message

    def push_group_text(
        self, chat_id: int, user_id: int, text: str, thread_id: int | None = None,
        first_name: str = "Beraterin",
    ) -> dict[str, Any]:
        """Someone writes ``text`` in the group (in topic ``thread_id``)."""
        message = {**self.group_message_base(chat_id, user_id, thread_id, first_name),
                   "text": text}
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self.push({"message": message})

    def push_group_photo(
        self, chat_id: int, user_id: int, thread_id: int | None = None,
    ) -> dict[str, Any]:
        photo = [{"file_id": "g", "file_unique_id": "g", "width": 9, "height": 9}]
        return self.push({"message": {**self.group_message_base(chat_id, user_id, thread_id),
                                      "photo": photo}})

    def push_group_tap(
        self, user_id: int, sent: Call, data: str, first_name: str = "Beraterin"
    ) -> dict[str, Any]:
        """``user_id`` presses the button ``data`` under the group message ``sent``."""
        buttons = [b["callback_data"] for row in sent.result["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert data in buttons, (data, buttons)
        return self.push({"callback_query": {
            "id": str(next(self._ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "chat_instance": "ci-group",
            "data": data,
            "message": sent.result,
        }})

    def block(self, user_id: int) -> None:
        """The person blocks the bot: Telegram answers 403 to whatever goes to them."""
        with self._lock:
            self.blocked.add(user_id)

    def refused(self, method: str | None = None) -> list[Call]:
        """Calls the stand-in refused (rules or faults), of ``method`` or all."""
        with self._lock:
            return [c for c in self.calls if c.error is not None
                    and (method is None or c.method == method)]

    def delete_topic(self, thread_id: int) -> None:
        """A counselor deletes the topic by hand."""
        with self._lock:
            self.deleted_topics.add(thread_id)

    def in_topic(self, thread_id: int, method: str = "sendMessage") -> list[Call]:
        """Successful ``method`` calls into forum topic ``thread_id``."""
        return [c for c in self.calls_of(method)
                if c.params.get("message_thread_id") == thread_id and c.result is not None]

    def answers(self) -> list[str]:
        """Texts of answerCallbackQuery calls (refusals, "already taken" …)."""
        return [str(c.params.get("text") or "") for c in self.calls_of("answerCallbackQuery")]

    def copies_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls_of("copyMessage")
                if int(c.params.get("chat_id", 0)) == chat_id and c.result is not None]

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent_messages(self, chat_id: int) -> list[Call]:
        """Successful sendMessage calls to ``chat_id``, in order."""
        return [c for c in self.calls_of("sendMessage")
                if int(c.params.get("chat_id", 0)) == chat_id and c.result is not None]

    def sent_texts(self, chat_id: int) -> list[str]:
        return [str(c.params.get("text")) for c in self.sent_messages(chat_id)]

    def wait_for(self, predicate: Any, timeout: float = 60.0) -> Any:
        """Poll ``predicate()`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.1)
        raise TimeoutError("the bot did not do what the test waited for")

    # -- the Bot API ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
            else:  # an uploaded file: kept, so tests can read what was sent
                params[key] = {"filename": value.filename, "content": value.file.read()}
        return params

    @staticmethod
    def _error(call: Call, status: int, description: str,
               **extra: Any) -> web.Response:
        call.error = {"ok": False, "error_code": status, "description": description, **extra}
        return web.json_response(call.error, status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            faults = self._faults.get(method)
            fault = faults.pop(0) if faults else None
            checked = Request(method.lower(), params, frozenset(self.blocked),
                              frozenset(self.deleted_topics))
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        if checked.method not in REQUIRED:
            return self._error(call, 404, "Not Found")
        if fault:
            if fault["retry_after"] is not None:
                return self._error(
                    call, 429, f"Too Many Requests: retry after {fault['retry_after']}",
                    parameters={"retry_after": fault["retry_after"]})
            return self._error(call, fault["status"],
                               fault.get("description") or "Internal Server Error")
        refused = refusal(checked)
        if refused is not None:
            return self._error(call, *refused)
        call.result = await self._result(method, params)
        return web.json_response({"ok": True, "result": call.result})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in {"sendMessage", "sendDocument", "editMessageText",
                      "editMessageReplyMarkup", "forwardMessage", "copyMessage"}:
            chat_id = params.get("chat_id", 0)
            private = int(chat_id) > 0
            message: dict[str, Any] = {
                "message_id": (None if method == "copyMessage" else params.get("message_id"))
                or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"} if private
                else {"id": chat_id, "type": "supergroup", "title": "JMD Beratung",
                      "is_forum": True},
                "from": BOT_USER,
            }
            if params.get("message_thread_id") is not None:
                message["message_thread_id"] = params["message_thread_id"]
                message["is_topic_message"] = True
            if "text" in params:  # what Telegram shows: the text after entity parsing
                message["text"] = visible_text(str(params["text"]), params.get("parse_mode"))
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            if method == "copyMessage":
                return {"message_id": message["message_id"]}
            return message
        if method == "createForumTopic":
            thread_id = next(_TOPIC_IDS)
            with self._lock:
                self.topics[thread_id] = str(params.get("name"))
            return {"message_thread_id": thread_id, "name": params.get("name"),
                    "icon_color": 7322096}
        if method == "editForumTopic":
            with self._lock:
                self.topics[int(params["message_thread_id"])] = str(params.get("name"))
            return True
        if method == "deleteForumTopic":
            with self._lock:
                self.deleted_topics.add(int(params["message_thread_id"]))
            return True
        if method == "getChatMember":
            return self._member(int(params["user_id"]))
        return True

    def _member(self, user_id: int) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": "Jemand"}
        status = self.members.get(user_id, "left")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                      "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                      "can_change_info", "can_invite_users", "can_post_stories",
                      "can_edit_stories", "can_delete_stories")
            return {"status": "administrator", "user": user,
                    **{right: right == "can_manage_chat" for right in rights}}
        return {"status": status, "user": user}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)
