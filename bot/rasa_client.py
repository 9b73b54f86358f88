"""Talks to Rasa's REST channel; shared by the Telegram front and the terminal chat.

Two failures, told apart by the channel's status (``jmd/nlu/channel.py``):
:class:`RasaUnavailable` (not reachable, a timeout, HTTP 502/503/504 — worth retrying later;
the front keeps the message) and :class:`RasaFailed` (HTTP 500 or another error status:
handling this message failed — retrying would fail again; the person is told at once).
Retries are safe: the channel answers a message it has handled already (same idempotency
key in the metadata) from the conversation instead of handling it again.

``RASA_URL`` may name several Rasa servers, comma-separated, that share one tracker store
and one lock store (README "Production and scale-out"). Each person has a server of their
own (chosen by their key), so one conversation normally stays on one server; when it
fails, the next server takes over, and the shared stores let it carry on the same
conversation.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from jmd.shared.tokens import bearer

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) could not answer."""


class RasaFailed(Exception):
    """Rasa took the message, but handling it failed: sending it again would not help."""


# Statuses that mean "not now" (a proxy or Rasa itself saying it is unavailable).
_UNAVAILABLE = {502, 503, 504}


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message of the assistant."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rasa(cls, item: dict[str, Any]) -> Reply:
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
        )
        return cls(item.get("text") or "", buttons, item.get("custom") or {})


class RasaClient:
    """Sends one user message to Rasa and returns the assistant's replies.

    ``token`` is the channel's shared secret (``RASA_CHANNEL_TOKEN``), sent with every request.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._servers = [url.strip().rstrip("/") for url in base_url.split(",") if url.strip()]
        if not self._servers:
            raise ValueError("no Rasa URL")
        self._attempts = attempts
        self._backoff = backoff
        # the channel acts only for the holder of RASA_CHANNEL_TOKEN (jmd/nlu/channel.py)
        self._client = httpx.AsyncClient(
            timeout=timeout, transport=transport, headers=bearer(token)
        )

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[Reply]:
        """Deliver ``text`` from ``sender``; retries with backoff before giving up."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        last_error: Exception | None = None
        servers = self.servers_for(sender)
        for attempt in range(self._attempts):
            try:
                url = servers[attempt % len(servers)] + "/webhooks/jmd/webhook"
                response = await self._client.post(url, json=body)
                if response.status_code in _UNAVAILABLE:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}")
                if response.status_code >= 400:
                    raise RasaFailed(f"Rasa answered HTTP {response.status_code}")
                try:
                    return [Reply.from_rasa(item) for item in response.json()]
                except (ValueError, TypeError, AttributeError) as error:
                    raise RasaFailed("Rasa's answer cannot be read") from error
            except (httpx.HTTPError, RasaUnavailable) as error:
                last_error = error
                logger.warning(
                    "Rasa not reachable (attempt %d/%d): %s",
                    attempt + 1,
                    self._attempts,
                    type(error).__name__,
                )
                # the other servers are tried at once; each round over all of them waits longer
                if attempt + 1 < self._attempts and (attempt + 1) % len(servers) == 0:
                    await asyncio.sleep(self._backoff * 2**attempt)
        raise RasaUnavailable(str(last_error)) from last_error

    def servers_for(self, sender: str) -> list[str]:
        """The servers in the order ``sender`` tries them: their own first (stable hash)."""
        first = zlib.crc32(sender.encode()) % len(self._servers)
        return self._servers[first:] + self._servers[:first]

    async def is_ready(self) -> bool:
        """True once a Rasa server answers and has a model loaded (the channel's readiness
        check: Rasa's HTTP API with /status is off by default)."""
        for server in self._servers:
            try:
                if (await self._client.get(server + "/webhooks/jmd/")).status_code == 200:
                    return True
            except httpx.HTTPError:
                continue
        return False

    async def close(self) -> None:
        await self._client.aclose()
