"""Talking to the running Rasa stack as a test user."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from bot.rasa_client import RasaClient, Reply
from jmd.shared.settings import Settings


async def say(settings: Settings, sender: str, text: str, **metadata: str) -> list[Reply]:
    client = RasaClient(settings.rasa_url, token=settings.rasa_channel_token, attempts=1)
    try:
        return await client.send(sender, text, metadata)
    finally:
        await client.close()


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def api_token(settings: Settings) -> dict[str, str]:
    """The query parameter Rasa's HTTP API wants (the stack runs it with a token)."""
    return {"token": settings.rasa_api_token or ""}


def language_slot(settings: Settings, sender: str) -> str | None:
    tracker = httpx.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                        params=api_token(settings)).json()
    return tracker["slots"].get("language")  # type: ignore[no-any-return]


def parse(settings: Settings, text: str) -> dict[str, Any]:
    """What the running model understands of ``text`` (intents, FAQ topic ranking)."""
    response = httpx.post(f"{settings.rasa_url}/model/parse", json={"text": text},
                          params=api_token(settings), timeout=30)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]
