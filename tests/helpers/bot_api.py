"""A local stand-in for Telegram's Bot API: records every call, serves queued updates.

python-telegram-bot talks to it over HTTP via ``base_url``; only Telegram's servers are
replaced. Faults (HTTP 500, RetryAfter) can be injected per method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
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


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None  # what the stand-in answered (None for a fault)


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

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            faults = self._faults.get(method)
            fault = faults.pop(0) if faults else None
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        if fault:
            if fault["retry_after"] is not None:
                return web.json_response({
                    "ok": False, "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault['retry_after']}",
                    "parameters": {"retry_after": fault["retry_after"]},
                }, status=429)
            return web.json_response({"ok": False, "error_code": fault["status"],
                                      "description": fault.get("description")
                                      or "Internal Server Error"},
                                     status=fault["status"])
        thread = params.get("message_thread_id")
        with self._lock:
            gone = thread is not None and int(thread) in self.deleted_topics
        if gone:  # what Telegram answers for a deleted forum topic
            description = ("Bad Request: message thread not found"
                           if method.startswith(("send", "copy", "forward"))
                           else "Bad Request: TOPIC_ID_INVALID")
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": description}, status=400)
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
            if "text" in params:
                message["text"] = params["text"]
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
