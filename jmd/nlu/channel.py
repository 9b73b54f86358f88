"""Rasa input channel used by the Telegram front and the terminal chat.

Like Rasa's REST channel, with these differences that matter here:
* only the assistant's own front may speak for a person: each POST carries
  ``RASA_CHANNEL_TOKEN`` (``Authorization: Bearer``), anything else gets 401;
* ``GET /webhooks/jmd/`` is the readiness check: 200 once a model is loaded, else 503
  (the HTTP API with ``/status`` is off by default);
* a response stays one message (Rasa's collector splits texts at blank lines, which
  would send the crisis reply as four bubbles);
* HTTP 503 when Rasa or the action server is unavailable (the front keeps the message and
  retries later), HTTP 500 when handling this message failed (the front tells the person
  and does not retry), instead of an empty 200;
* each message is handled once: a request whose ``metadata.idempotency_key`` was handled
  already is answered with the bot messages that followed it in the conversation (the
  tracker), not handled again. The key becomes the user event's ``message_id``; the check
  and the handling run under Rasa's per-conversation lock, so a second request with a key
  still in flight (a timed-out request sent again, a replay after a crash of the front)
  waits for the first and then gets its answer. Limits: an answer is found only in the
  conversation's current session (keys are re-sent within minutes, sessions last hours),
  and if handling outlasts Rasa's lock lifetime (``TICKET_LOCK_LIFETIME``, 60 s) a waiting
  duplicate is handled again;
* failures are logged without the message text or the sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from jmd.nlu import action_validation
from jmd.shared.logging_setup import install_redaction
from jmd.shared.settings import get_settings
from jmd.shared.tokens import HEADER, authorized

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.trackers import DialogueStateTracker

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


def answered_before(tracker: DialogueStateTracker, key: str) -> list[dict[str, Any]] | None:
    """The bot messages that followed the user message ``key``; None if it is not there."""
    found = False
    replies: list[dict[str, Any]] = []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == key
        elif found and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies if found else None


async def handle_once(agent: Agent, message: UserMessage) -> None:
    """Handle ``message`` unless its ``message_id`` was handled: then answer as before."""
    assert agent.processor is not None  # the caller checked agent.is_ready()
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        earlier = answered_before(tracker, message.message_id) if tracker else None
        if earlier is None:
            await agent.processor.handle_message(message)
            return
        logger.info("a message was sent again; answered from the conversation")
        for reply in earlier:
            await message.output_channel.send_response(message.sender_id, reply)


# Failures that mean "not now" rather than "this message cannot be handled".
_UNAVAILABLE = (OSError, asyncio.TimeoutError, LockError)


def _is_unavailable(error: Exception) -> bool:
    # Database (tracker store) connection errors too, without importing SQLAlchemy here.
    return isinstance(error, _UNAVAILABLE) or type(error).__name__ == "OperationalError"


class JmdInput(RestInput):
    """POST /webhooks/jmd/webhook {"sender", "message", "metadata"} -> list of messages."""

    def __init__(self) -> None:
        super().__init__()
        # Rasa set up its own logging; redact secrets in every record of this process.
        install_redaction()
        if not get_settings().rasa_channel_token:
            logger.error("RASA_CHANNEL_TOKEN is not set: the jmd channel refuses every message")
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
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not authorized(request.headers.get(HEADER), get_settings().rasa_channel_token):
                logger.warning("refused a message without the channel token")
                return response.json({"error": "unauthorized"}, status=401)
            agent: Agent | None = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                logger.error("no model loaded")
                return response.json({"error": "Rasa unavailable"}, status=503)
            if not await action_server_is_up():
                logger.error("action server unavailable")
                return response.json({"error": "action server unavailable"}, status=503)
            collector = WholeMessageCollector()
            metadata = self.get_metadata(request) or {}
            key = metadata.get("idempotency_key")
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self.name(),
                metadata=metadata,
                message_id=str(key) if key else None,
            )
            try:
                if key:
                    await handle_once(agent, message)
                else:
                    await on_new_message(message)
            except Exception as error:
                if _is_unavailable(error) or not await action_server_is_up():
                    logger.error("message handling interrupted: %s", type(error).__name__)
                    return response.json({"error": "unavailable"}, status=503)
                logger.error("message handling failed: %s", type(error).__name__)
                return response.json({"error": "handling failed"}, status=500)
            return response.json(collector.messages)

        return webhook
