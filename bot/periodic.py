"""Periodic work of the front: one-shot functions, and the one loop that repeats them.

Each periodic task is ``async def once(source) -> Any`` that takes the Application or a
python-telegram-bot callback context (what ``JobQueue.run_repeating`` passes), so it can
move to the JobQueue unchanged. Until then :func:`every` is the only loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
OneShot = Callable[[Any], Awaitable[Any]]


def application_of(source: Any) -> AnyApplication:
    """The Application, given it or a callback context (which has ``.application``)."""
    if isinstance(source, Application):
        return source
    application: AnyApplication = source.application
    return application


async def every(application: AnyApplication, seconds: float, once: OneShot) -> None:
    """Run ``once(application)`` every ``seconds``, for ever; failures go to the error handler."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await once(application)
        except Exception as error:  # the database may be down; try again next time
            await application.process_error(None, error)
