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
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # user id → status in any group (getChatMember); others are "left"
    members: dict[int, str] = field(default_factory=dict)

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
        """``user_id`` writes ``command`` in the (counselor) supergroup ``chat_id``."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "JMD Beratung",
                     "is_forum": True},
            "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
            "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command.split()[0])}],
        }
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        return self.push({"message": message})

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
             times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail."""
        with self._lock:
            self._faults.setdefault(method, []).extend(
                [{"status": status, "retry_after": retry_after}] * times
            )

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
                                      "description": "Internal Server Error"},
                                     status=fault["status"])
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
            message: dict[str, Any] = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            if method == "copyMessage":
                return {"message_id": message["message_id"]}
            return message
        if method == "getChatMember":
            user_id = int(params.get("user_id", 0))
            status = self.members.get(user_id, "left")
            member: dict[str, Any] = {
                "status": status,
                "user": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
            }
            if status == "administrator":
                member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                              can_delete_messages=True, can_manage_video_chats=True,
                              can_restrict_members=True, can_promote_members=False,
                              can_change_info=True, can_invite_users=True,
                              can_post_stories=False, can_edit_stories=False,
                              can_delete_stories=False)
            return member
        if method == "createForumTopic":
            return {"message_thread_id": next(self._message_ids), "name": params.get("name"),
                    "icon_color": 7322096}
        return True

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
