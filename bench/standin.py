"""The Bot API stand-in of the tests, timed: updates leave and replies are seen at once.

The tests' stand-in (``tests/helpers/bot_api.py``) looks for new updates every 50 ms
during a long poll, which would add up to 50 ms to every measured reply. Here a push
wakes the waiting ``getUpdates`` at once, and every ``sendMessage`` to a person is
recorded with the moment it arrived, so a benchmark can wait for it without polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tests.helpers.bot_api import BotApiStandIn


@dataclass(frozen=True)
class Sent:
    """A message the front sent to a person, and when the stand-in received it."""

    at: float  # time.monotonic()
    text: str


class TimedBotApi(BotApiStandIn):
    """Wakes long polls on push; records each person's incoming messages with a time."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._wake = asyncio.Event()
        self._sent: dict[int, list[Sent]] = defaultdict(list)
        self._waiters: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        pushed = super().push(update)
        self._loop.call_soon_threadsafe(self._wake.set)
        return pushed

    def sent_since(self, chat_id: int, since: float) -> list[Sent]:
        with self._lock:
            return [sent for sent in self._sent[chat_id] if sent.at >= since]

    async def wait_sent(self, chat_id: int, since: float, count: int, timeout: float
                        ) -> list[Sent]:
        """Messages to ``chat_id`` since ``since``, once there are ``count`` (or time is up)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = asyncio.Event()
            with self._lock:
                got = [sent for sent in self._sent[chat_id] if sent.at >= since]
                if len(got) >= count:
                    return got
                self._waiters[chat_id] = (loop, event)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return got
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        arrived = time.monotonic()
        result = await super()._result(method, params)
        chat_id = int(params.get("chat_id") or 0)
        if method == "sendMessage" and chat_id > 0:
            with self._lock:
                self._sent[chat_id].append(Sent(arrived, str(params.get("text") or "")))
                waiter = self._waiters.pop(chat_id, None)
            if waiter is not None:
                loop, event = waiter
                loop.call_soon_threadsafe(event.set)
        return result

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            self._wake.clear()  # before looking: a push after the look wakes the wait
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)
