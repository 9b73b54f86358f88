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
    """The one short form of a key, in log lines and for counselors ("7F3A9C").

    Six hex digits of the key: enough to tell people apart in a log or a group, and one
    format everywhere, so an operator can match a log line to a counselor's topic.
    """
    return key.removeprefix("u")[:6].upper()


def display_name(key: str) -> str:
    """How counselors see a person: a pseudonym ("Person 7F3A9C"), never a Telegram name."""
    return f"Person {short(key)}"
