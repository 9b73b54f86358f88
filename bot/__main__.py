"""`python -m bot`: run the Telegram front (long polling, or webhook if configured)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import build_application
from jmd.db.fingerprint import WrongPseudonymKey, require_pseudonym_key
from jmd.shared.logging_setup import setup_logging
from jmd.shared.settings import get_settings


def main() -> None:
    settings = get_settings()
    setup_logging(settings)
    try:  # another pseudonym key would not recognise anybody (jmd.db.fingerprint)
        require_pseudonym_key()
    except WrongPseudonymKey as error:
        logging.getLogger("bot").critical("not starting: %s", error)
        raise SystemExit(1) from None
    application = build_application(settings)
    if settings.telegram_webhook_url:
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.telegram_webhook_port,
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
