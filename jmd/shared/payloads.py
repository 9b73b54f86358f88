"""Rasa button payloads: ``/intent`` or ``/intent{"entity":"value"}``, built in one place.

Invariants: the JSON is compact (no spaces) and keeps non-ASCII characters as they are, so
a payload is as short as it can be (Telegram's callback data holds 64 bytes,
``bot.formatting.CALLBACK_LIMIT``); entities keep the order they are given in, so the same
call always gives the same bytes. Imports nothing of Rasa, SQLAlchemy or Telegram.
"""

from __future__ import annotations

import json


def payload(intent: str, /, **entities: str) -> str:
    """The payload that triggers ``intent`` with ``entities``, e.g. ``/inform{"a":"b"}``."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, separators=(",", ":"), ensure_ascii=False)
