"""bot.periodic: one-shot periodic work takes the Application or a callback context."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from telegram.ext import Application

from bot.periodic import application_of, every


def test_the_application_from_itself_or_from_a_callback_context() -> None:
    application = Application.builder().token("123:abc").build()
    assert application_of(application) is application
    assert application_of(SimpleNamespace(application=application)) is application


async def test_every_repeats_and_reports_failures_without_stopping() -> None:
    calls: list[int] = []
    reported: list[Exception] = []

    class FakeApplication:
        async def process_error(self, update: Any, error: Exception) -> None:
            reported.append(error)

    async def once(source: Any) -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("the database is down")

    task = asyncio.create_task(every(FakeApplication(), 0, once))  # type: ignore[arg-type]
    while len(calls) < 4:
        await asyncio.sleep(0)
    task.cancel()
    assert [type(e) for e in reported] == [RuntimeError]
