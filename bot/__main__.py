"""`python -m bot`: run the Telegram front (long polling, or webhook if configured).

Webhook mode (TELEGRAM_WEBHOOK_URL) starts only with TELEGRAM_WEBHOOK_SECRET: Telegram sends
it with every call and python-telegram-bot answers 403 to a request without it. The server
listens on TELEGRAM_WEBHOOK_LISTEN (127.0.0.1 by default, behind a reverse proxy with TLS)
on the URL's path.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from telegram import Update

from bot.app import build_application
from jmd.db.fingerprint import WrongPseudonymKey, require_pseudonym_key
from jmd.process_env import webhook_problem
from jmd.shared.logging_setup import setup_logging
from jmd.shared.settings import get_settings


def main() -> int:
    settings = get_settings()
    problem = webhook_problem(settings)
    if problem:
        print(f"Not started: {problem}", file=sys.stderr)
        return 2
    setup_logging(settings)
    try:  # another pseudonym key would not recognise anybody (jmd.db.fingerprint)
        require_pseudonym_key()
    except WrongPseudonymKey as error:
        logging.getLogger("bot").critical("not starting: %s", error)
        raise SystemExit(1) from None
    application = build_application(settings)
    if settings.telegram_webhook_url:
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            # the proxy passes the public URL's path on unchanged
            url_path=urlsplit(settings.telegram_webhook_url).path.strip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
