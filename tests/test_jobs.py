"""bot.jobs: the front's periodic work runs on the JobQueue and survives failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.jobs import schedule


async def test_a_job_repeats_and_its_failures_reach_the_error_handler() -> None:
    application = Application.builder().token("123:abc").build()
    calls: list[int] = []
    reported: list[BaseException] = []

    async def on_error(_update: object, context: Any) -> None:
        reported.append(context.error)

    async def once(source: Any) -> None:
        assert source is application
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("the database is down")

    application.add_error_handler(on_error)
    schedule(application, "test", timedelta(seconds=0.05), once, at_start=True)
    assert application.job_queue is not None
    await application.job_queue.start()  # as application.start() does, without Telegram
    for _ in range(400):
        if len(calls) >= 4:
            break
        await asyncio.sleep(0.01)
    await application.job_queue.stop()
    assert len(calls) >= 4, "the job goes on after a failure"
    assert [type(e) for e in reported] == [RuntimeError]
