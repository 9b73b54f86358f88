"""A stand-in for the Rasa server's ``jmd`` channel, for front tests that need no model.

It speaks the same HTTP as Rasa (``POST /webhooks/jmd/webhook``, ``GET /status``) and
answers like the trained assistant does for the few messages the handoff tests use:
``/human_handoff`` or a text with "mensch" → the handoff request of ``action_handoff``;
a text with "nicht mehr leben" → a crisis text, then an urgent handoff; anything else →
an echo; a message in ``scripted`` → the replies given there. It records every message,
so a test can prove Rasa heard nothing.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from jmd.handoff.request import Request, recent_texts
from jmd.shared.languages import registry
from tests.helpers.ports import free_port

CRISIS_TEXT = "CRISIS: 112 · 116 111"


def echo(message: str) -> str:
    return f"Rasa: {message}"


@dataclass
class FakeRasa:
    received: list[tuple[str, str]] = field(default_factory=list)
    # message → Rasa's replies to it (``{"text", "buttons", "custom"}`` items)
    scripted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeRasa:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def heard(self, sender: str) -> list[str]:
        with self._lock:
            return [message for who, message in self.received if who == sender]

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/jmd/webhook", self._webhook)
        app.router.add_get("/status", self._status)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _status(self, _: web.Request) -> web.Response:
        return web.json_response({"model_file": "fake.tar.gz"})

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = str(body["sender"]), str(body["message"])
        code = (body.get("metadata") or {}).get("telegram_language_code")
        language = registry().from_telegram_code(code) or registry().default
        with self._lock:
            self.received.append((sender, message))
            events = self._events.setdefault(sender, [])
            events.append({"event": "user", "text": message})
            recent = tuple(recent_texts(events))
        if message in self.scripted:
            return web.json_response(self.scripted[message])
        lowered = message.lower()
        if message == "/human_handoff" or "mensch" in lowered:
            return web.json_response([{"custom": Request(False, language, recent).as_custom()}])
        if "nicht mehr leben" in lowered:
            return web.json_response([
                {"recipient_id": sender, "text": CRISIS_TEXT},
                {"custom": Request(True, language, recent).as_custom()},
            ])
        return web.json_response([{"recipient_id": sender, "text": echo(message)}])
