"""A stand-in for the Rasa server's ``jmd`` channel, for front tests that need no model.

It speaks the same HTTP as Rasa (``POST /webhooks/jmd/webhook``, ``GET /webhooks/jmd/``) and
answers like the trained assistant does for the few messages the handoff tests use:
``/human_handoff`` or a text with "mensch" → the handoff request of ``action_handoff``;
a text with "nicht mehr leben" → a crisis text, then an urgent handoff; anything else →
an echo; a message in ``scripted`` → the replies given there. It records every message,
so a test can prove Rasa heard nothing. With a ``token`` it refuses (401) a message
without that channel token, as the real channel does.

Like the real channel it handles each ``metadata.idempotency_key`` once (a repeated key
gets the first answer; ``keys`` records every key sent), and ``statuses`` makes a message
containing a word fail with that HTTP status (500: handling failed, 503: unavailable).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from jmd.handoff.request import Request, recent_texts
from jmd.shared.languages import registry
from jmd.shared.tokens import HEADER, authorized
from tests.helpers.ports import free_port

CRISIS_TEXT = "CRISIS: 112 · 116 111"


def echo(message: str) -> str:
    return f"Rasa: {message}"


@dataclass
class FakeRasa:
    token: str | None = None
    received: list[tuple[str, str]] = field(default_factory=list)
    # message → Rasa's replies to it (``{"text", "buttons", "custom"}`` items)
    scripted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, str | None]] = field(default_factory=list)
    _answers: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

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
        app.router.add_get("/webhooks/jmd/", self._ready)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _ready(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _webhook(self, request: web.Request) -> web.Response:
        if self.token and not authorized(request.headers.get(HEADER), self.token):
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        sender, message = str(body["sender"]), str(body["message"])
        metadata = body.get("metadata") or {}
        code, key = metadata.get("telegram_language_code"), metadata.get("idempotency_key")
        with self._lock:
            self.keys.append((sender, key))
            earlier = self._answers.get((sender, key)) if key else None
            status = next((s for word, s in self.statuses.items() if word in message), None)
        if earlier is not None:
            return web.json_response(earlier)
        if status is not None:
            return web.json_response({"error": "fault"}, status=status)
        answer = self._answer(sender, message, code)
        if key:
            with self._lock:
                self._answers[(sender, key)] = answer
        return web.json_response(answer)

    def _answer(self, sender: str, message: str, code: str | None) -> list[dict[str, Any]]:
        language = registry().from_telegram_code(code) or registry().default
        with self._lock:
            self.received.append((sender, message))
            events = self._events.setdefault(sender, [])
            events.append({"event": "user", "text": message})
            recent = tuple(recent_texts(events))
        if message in self.scripted:
            return self.scripted[message]
        lowered = message.lower()
        if message == "/human_handoff" or "mensch" in lowered:
            return [{"custom": Request(False, language, recent).as_custom()}]
        if "nicht mehr leben" in lowered:
            return [
                {"recipient_id": sender, "text": CRISIS_TEXT},
                {"custom": Request(True, language, recent).as_custom()},
            ]
        return [{"recipient_id": sender, "text": echo(message)}]
