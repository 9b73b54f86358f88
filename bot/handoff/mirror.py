"""Mirroring into the counselor group, paced to the group's limit; batched when it backs up.

Telegram allows about 20 messages a minute into one group, and every person's messages
are copied into the one counselor group. Pacing lives here, not in the rate limiter: the
limiter (``AIORateLimiter``, see :mod:`bot.throttle`) can only make a request wait, which
would hold the person's chat (their crisis reply, their next answer) behind the group,
and it cannot batch, because it knows no topics. It stays as the safety net for the
group's other requests (cards, notes, edits).

Invariants:

* :meth:`GroupMirror.put` never waits: the person's chat goes on while the group waits.
* At most ``per_window`` deliveries per ``period`` seconds (a sliding window).
* Order within a topic is kept; topics take turns, oldest waiting first, urgent first.
* When the queue backs up (a slot had to be waited for, or the next item has waited longer
  than two slots, e.g. behind the rate limiter), a topic's waiting texts go as one
  message, headed by a note that says they are delayed and batched. In quiet times every
  message is copied as it is.
* Nothing is dropped: what Telegram refuses (after the limiter's retries) is handed to
  ``on_failed``, which answers the person another way (:mod:`bot.handoff.delivery`).
  The queue is in memory: a graceful stop delivers it first (the worker is a task of
  ``Application.create_task``, which python-telegram-bot awaits when it stops); a crash
  loses what waits, like the chat inbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from telegram import Message

from bot.formatting import TELEGRAM_LIMIT
from bot.front import Person
from bot.inbox import Spawn
from bot.throttle import Clock, Sleep
from jmd.clock import local
from jmd.texts import staff

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One thing for a person's topic: their message (copied) or a note of the assistant."""

    person: Person
    message: Message | None = None
    note: str | None = None
    urgent: bool = False  # a crisis: this topic goes first
    # The message went to the counselor only (assigned): if it cannot be delivered, the
    # person must be answered another way. False: context while Rasa answers anyway.
    diverted: bool = False
    queued_at: float = 0.0  # set by the mirror: how long it waits tells a backlog

    @property
    def key(self) -> str:
        return self.person.key

    @property
    def text(self) -> str | None:
        """The text a batch may carry (notes and media are sent on their own)."""
        return self.message.text if self.message is not None else None


# Sends ``items`` (one, or a batch of one topic's texts) as one message into the topic.
Deliver = Callable[[list[Item]], Awaitable[None]]
OnFailed = Callable[[list[Item]], Awaitable[None]]


class Window:
    """At most ``limit`` sends per ``period`` seconds, by the times of the last sends."""

    def __init__(self, limit: int, period: float, clock: Clock) -> None:
        self.limit, self.period = max(1, limit), period
        self._clock = clock
        self._sent: deque[float] = deque()

    def delay(self) -> float:
        """Seconds until a send is allowed (0: now)."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.period - now

    def record(self) -> None:
        self._sent.append(self._clock())


def batch_text(items: list[Item]) -> str:
    """One message for a topic's waiting texts: the delay note, then each text with its time."""
    lines = [staff("handoff.mirror_batched", count=len(items))]
    for item in items:
        assert item.message is not None
        lines.append(f"[{local(item.message.date):%H:%M}] {item.text}")
    return "\n\n".join(lines)


class GroupMirror:
    """The counselor group's queue: one worker, paced by a :class:`Window`."""

    def __init__(
        self,
        deliver: Deliver,
        on_failed: OnFailed,
        *,
        per_window: int = 20,
        period: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        spawn: Spawn = asyncio.ensure_future,
    ) -> None:
        self._deliver, self._on_failed = deliver, on_failed
        self.window = Window(per_window, period, clock)
        self._clock = clock
        self._backlog = 2 * period / max(1, per_window)  # waiting longer: backed up
        self._sleep, self._spawn = sleep, spawn
        self._queue: deque[Item] = deque()
        self._worker: Any = None

    def put(self, item: Item) -> None:
        """Queue ``item``; the worker starts if it is not running."""
        self._queue.append(replace(item, queued_at=self._clock()))
        if self._worker is None:
            self._worker = self._spawn(self._work())

    def waiting(self) -> int:
        return len(self._queue)

    async def drained(self) -> None:
        """Until the queue is empty and the worker has stopped (for tests and shutdown)."""
        while self._worker is not None:
            await asyncio.shield(self._worker)

    async def _work(self) -> None:
        """Deliver until the queue is empty; one delivery per free slot."""
        try:
            while self._queue:
                waited = False
                while (delay := self.window.delay()) > 0:
                    waited = True
                    await self._sleep(delay)
                late = self._clock() - self._queue[0].queued_at > self._backlog
                batch = self._take(batched=waited or late)
                self.window.record()
                try:
                    await self._deliver(batch)
                except Exception as error:  # refused even after the limiter's retries
                    logger.warning("could not mirror %d item(s) into the counselor group: %s",
                                   len(batch), type(error).__name__)
                    try:
                        await self._on_failed(batch)
                    except Exception:
                        logger.exception("the fallback for undelivered messages failed")
        finally:
            self._worker = None

    def _take(self, *, batched: bool) -> list[Item]:
        """The next delivery: the first waiting item of the next topic, with its following
        texts when ``batched`` (as many as fit one message)."""
        head = next((item for item in self._queue if item.urgent), self._queue[0])
        mine = [item for item in self._queue if item.key == head.key]
        taken = [mine[0]]
        if batched and mine[0].text is not None:
            size = len(batch_text(taken))
            for item in mine[1:]:
                if item.text is None:
                    break  # a note or a photo keeps its place after these texts
                size += len(item.text) + 10  # "\n\n[HH:MM] "
                if size > TELEGRAM_LIMIT:
                    break
                taken.append(item)
        for item in taken:
            self._queue.remove(item)
        return taken
