"""Pseudonymous keys: Telegram IDs never reach Rasa, the logs or the project's tables."""

from __future__ import annotations

import hashlib
import hmac

from jmd.shared.settings import get_settings


def pseudonym(telegram_user_id: int, secret: str | None = None) -> str:
    """A stable key for a Telegram user that cannot be reversed without the secret."""
    key = (secret or get_settings().pseudonym_secret).encode()
    digest = hmac.new(key, str(telegram_user_id).encode(), hashlib.sha256).hexdigest()
    return f"u{digest[:31]}"


def short(key: str) -> str:
    """An even shorter form of a key for log lines."""
    return key[:9]
