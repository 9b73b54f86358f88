"""Outgoing requests to Telegram: paced per private chat, transient failures retried."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

# Methods that put a new message into a chat: these count against the per-chat limit.
# Chat actions ("typing…"), edits and callback answers do not.
_NOT_MESSAGES = {"sendChatAction"}


def _is_message(endpoint: str) -> bool:
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and (
        endpoint not in _NOT_MESSAGES
    )


def _private_chat(data: dict[str, Any]) -> int | None:
    """The chat id if the request goes to a private chat (positive ids are people)."""
    try:
        chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return chat_id if chat_id > 0 else None


class ChatPacer:
    """Keeps messages to one private chat at least ``interval`` seconds apart.

    Telegram allows about one message per second in a private chat; AIORateLimiter only
    knows the overall and the group limits. Each call books the chat's next free slot
    before it sleeps, so concurrent senders keep their order and never share a slot.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_chats: int = 1000,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._max_chats = max_chats
        self._next_free: dict[int, float] = {}

    def book(self, chat_id: int) -> float:
        """Book the chat's next slot; returns the seconds until it."""
        now = self._clock()
        slot = max(now, self._next_free.get(chat_id, now))
        self._next_free[chat_id] = slot + self.interval
        if len(self._next_free) > self._max_chats:
            # Chats whose last slot has passed need no memory.
            self._next_free = {c: t for c, t in self._next_free.items() if t > now}
        return slot - now

    async def wait(self, chat_id: int) -> None:
        delay = self.book(chat_id)
        if delay > 0:
            await self._sleep(delay)


class FrontRateLimiter(AIORateLimiter):
    """AIORateLimiter (overall and group limits, RetryAfter) plus two things it lacks.

    * messages to a private chat are paced by :class:`ChatPacer`;
    * timeouts, network errors and HTTP 5xx are retried with exponential backoff. A
      timed-out message may in rare cases arrive twice; that is better than not at all.
    """

    def __init__(
        self,
        *,
        chat_interval: float = 1.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self.pacer = ChatPacer(chat_interval, clock=clock, sleep=sleep)
        self.retries = max_retries
        self._backoff = backoff
        self._sleep = sleep

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace, send through AIORateLimiter, retry transient failures."""
        chat_id = _private_chat(data) if _is_message(endpoint) else None
        attempt = 0
        while True:
            if chat_id is not None:
                await self.pacer.wait(chat_id)
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise  # our request is wrong: sending it again cannot help
            except NetworkError as error:  # also TimedOut and HTTP 5xx
                if attempt >= self.retries:
                    raise
                delay = self._backoff * 2**attempt
                attempt += 1
                logger.warning(
                    "%s failed (%s); retry %d/%d in %.1f s",
                    endpoint, type(error).__name__, attempt, self.retries, delay,
                )
                await self._sleep(delay)
