"""Logging for all processes: no secrets, no Telegram IDs, no message text.

First line of defence: the code logs pseudonyms (``jmd.identity.short``), error types and
code locations, never message text; chatty libraries are kept quiet (httpx logs every
request URL at INFO, and the Bot API URL contains the bot token; python-telegram-bot logs
whole updates at DEBUG).

Second line: :class:`RedactingFilter` masks the configured secrets (bot token, webhook
secret, pseudonym key, database password), anything shaped like a bot token or a password
in a URL, the row values PostgreSQL quotes in an error's DETAIL, and long numbers that may
be Telegram IDs — in the message, the traceback and
the stack. The Telegram front puts it on its handler (:func:`setup_logging`); the Rasa
server and the action server configure logging themselves, so there
:func:`install_redaction` applies it to every record the process creates.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

from jmd.shared.settings import Settings

_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_-]{20,}")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
# Telegram user and chat IDs (groups: -100…). Seven digits or more, standing alone.
# Not after "CHAT_ID=": that is a setting the operator must change (the counselor group's
# new id after a migration, bot/app.py), never a person.
_LONG_NUMBER = re.compile(r"(?<![\w.:/-])(?<!CHAT_ID=)-?\d{7,}(?![\w.:/-])")
# PostgreSQL's error details quote the row ("Key (person_key)=(u3f…) already exists",
# "Failing row contains (…)"); engines already hide statement parameters (jmd.db.engine).
_SQL_DETAIL = re.compile(r"(DETAIL:)[^\n]*")
_MIN_SECRET_LENGTH = 4

# Loggers that say too much: at most WARNING (URLs with the token, client addresses).
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "tornado.access", "hpack")


def secrets_of(settings: Settings) -> list[str | None]:
    """The secret values of a configuration."""
    return [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.pseudonym_secret,
        settings.rasa_channel_token,
        settings.action_server_token,
        settings.rasa_api_token,
        _url_password(settings.database_url),
    ]


def secrets_from_environment() -> list[str | None]:
    """The secret values of this process's environment (for processes without Settings)."""
    env = os.environ
    return [
        env.get("TELEGRAM_BOT_TOKEN"),
        env.get("TELEGRAM_WEBHOOK_SECRET"),
        env.get("PSEUDONYM_SECRET"),
        env.get("RASA_CHANNEL_TOKEN"),
        env.get("ACTION_SERVER_TOKEN"),
        env.get("RASA_API_TOKEN"),
        _url_password(env.get("DATABASE_URL")),
    ]


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).password
    except Exception:  # not a URL SQLAlchemy understands: the regex still masks it
        return None


class RedactingFilter(logging.Filter):
    """Masks secrets and Telegram IDs wherever they appear in a record."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        known = {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}
        self.secrets = sorted(known, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = _TOKEN.sub("<token>", text)
        text = _URL_PASSWORD.sub(r"\1***@", text)
        text = _SQL_DETAIL.sub(r"\1 <hidden>", text)
        return _LONG_NUMBER.sub("<id>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports that itself
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_redaction(secrets: Iterable[str | None] | None = None) -> None:
    """Redact every log record this process creates, whatever its handlers.

    For processes that configure logging themselves (Rasa server, action server). Calling
    it again replaces the previous redaction.
    """
    redactor = RedactingFilter(secrets_from_environment() if secrets is None else secrets)
    current: Any = logging.getLogRecordFactory()
    base: Callable[..., logging.LogRecord] = getattr(current, "jmd_base", current)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redactor.filter(record)
        return record

    factory.jmd_base = base  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def setup_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """One handler on the root logger (stderr), redacting, at ``LOG_LEVEL``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot's DEBUG output contains whole updates (message text, chat IDs):
    # even at LOG_LEVEL=DEBUG it stays at INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
