"""Logging for all processes: no secrets, no Telegram IDs, no message text."""

from __future__ import annotations

import logging
import re

from jmd.settings import Settings

_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_-]{20,}")
_DB_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


class RedactingFilter(logging.Filter):
    """Masks bot tokens and database passwords wherever they appear in a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _DB_PASSWORD.sub(r"\1***@", _TOKEN.sub("<token>", message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and the Bot API URL contains the token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot's DEBUG output contains whole updates (message text, chat IDs):
    # even at LOG_LEVEL=DEBUG it stays at INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
