"""Rasa input channel used by the Telegram front and the terminal chat.

Like Rasa's REST channel, with three differences that matter here:
* a response stays one message (Rasa's collector splits texts at blank lines, which
  would send the crisis reply as four bubbles);
* when the action server is down, or handling fails, it answers HTTP 503 so the front
  can tell the person and retry, instead of an empty 200;
* failures are logged without the message text or the sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from jmd.nlu import action_validation
from jmd.shared.logging_setup import install_redaction
from jmd.shared.settings import get_settings

logger = logging.getLogger(__name__)


class WholeMessageCollector(CollectingOutputChannel):
    """Collects responses without splitting them into paragraphs."""

    @classmethod
    def name(cls) -> str:
        return "jmd"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


_health: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None


def _health_client() -> httpx.AsyncClient:
    """One client for the server's event loop: a new one per message cost Rasa ~70 ms of
    CPU (its TLS context loads the CA bundle), a quarter of a reply (`make bench`)."""
    global _health
    loop = asyncio.get_running_loop()
    if _health is None or _health[0] is not loop:
        _health = (loop, httpx.AsyncClient(timeout=3))
    return _health[1]


async def action_server_is_up() -> bool:
    url = get_settings().action_server_url.rsplit("/webhook", 1)[0] + "/health"
    try:
        return (await _health_client().get(url)).status_code == 200
    except httpx.HTTPError:
        return False


class JmdInput(RestInput):
    """POST /webhooks/jmd/webhook {"sender", "message", "metadata"} -> list of messages."""

    def __init__(self) -> None:
        super().__init__()
        # Rasa set up its own logging; redact secrets in every record of this process.
        install_redaction()
        # Rasa re-checked its response schema for every action call (jmd/nlu/action_validation.py)
        action_validation.install()

    @classmethod
    def name(cls) -> str:
        return "jmd"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint("jmd_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not await action_server_is_up():
                logger.error("action server unavailable")
                return response.json({"error": "action server unavailable"}, status=503)
            collector = WholeMessageCollector()
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except Exception as error:
                logger.error("message handling failed: %s", type(error).__name__)
                return response.json({"error": "handling failed"}, status=503)
            return response.json(collector.messages)

        return webhook
