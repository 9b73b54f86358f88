"""Talking to the running Rasa stack as a test user."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from bot.rasa_client import RasaClient, Reply
from jmd.shared.settings import Settings


async def say(settings: Settings, sender: str, text: str, **metadata: str) -> list[Reply]:
    client = RasaClient(settings.rasa_url, attempts=1)
    try:
        return await client.send(sender, text, metadata)
    finally:
        await client.close()


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def language_slot(settings: Settings, sender: str) -> str | None:
    tracker = httpx.get(f"{settings.rasa_url}/conversations/{sender}/tracker").json()
    return tracker["slots"].get("language")  # type: ignore[no-any-return]


def parse(settings: Settings, text: str) -> dict[str, Any]:
    """What the running model understands of ``text`` (intents, FAQ topic ranking)."""
    response = httpx.post(f"{settings.rasa_url}/model/parse", json={"text": text}, timeout=30)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]
