"""Per-chat work queue: one job at a time per chat, in arrival order, chats independent.

Invariant: every job that stands for an update passes the inbox's ``gate`` first, in its
turn (so it sees the state left by the jobs before it). The front's gate routes a
person's messages to their counselor during a handoff (:func:`bot.handoff.person.route`):
no handler has to remember it. Background jobs (no update) are never gated.

Invariant (crash-safe inbound, :mod:`bot.inbound`): every update a job stands for — a
burst's merged updates and a deduplicated reply's too — is held by the inbox's ``tracker``
from when it is queued until the job has finished (its errors handled); a job cut off by
a shutdown or crash releases nothing, so its updates are handled again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
# Called with the items of a burst (texts, or messages standing for them).
TextJob = Callable[[list[Any]], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, None]], Any]
OnError = Callable[[Any, Exception], Awaitable[Any]]
# Called with a job's update and its burst items (empty for single jobs) before the job;
# True means the update was dealt with (e.g. passed to a counselor): the job does not run.
Gate = Callable[[Any, list[Any]], Awaitable[bool]]


class Tracker(Protocol):
    """Follows which updates still have work queued or running (:mod:`bot.inbound`)."""

    def hold(self, update: Any) -> None:
        """Work standing for ``update`` was queued."""

    async def release(self, updates: list[Any]) -> None:
        """Work standing for ``updates`` finished."""


@dataclass
class _Entry:
    """One queued job (or burst of items) of a chat."""

    update: Any
    job: Job | None = None
    on_texts: TextJob | None = None
    texts: list[Any] = field(default_factory=list)
    kind: str | None = None  # bursts merge only items of the same kind
    once: str | None = None
    started: bool = False
    # Every update this entry stands for (a burst merges several).
    updates: list[Any] = field(default_factory=list)

    async def run(self) -> None:
        """The job, or the burst handler with the burst's items."""
        if self.on_texts is not None:
            await self.on_texts(self.texts)
        elif self.job is not None:
            await self.job()


class ChatInbox:
    """Runs each chat's jobs one after another; other chats are never held up.

    Order matters within a chat (a pending message is answered before a newer one; an
    erasure must not race a conversation), and answers to one chat are paced at one per
    second, which must not delay anyone else.

    Texts that arrive while an earlier job of the chat is still running are merged into
    one job: a person who sends a burst of messages gets one answer that read them all,
    instead of a long trickle of answers. Nothing is dropped.
    """

    def __init__(
        self, spawn: Spawn | None = None, on_error: OnError | None = None,
        gate: Gate | None = None, tracker: Tracker | None = None,
    ) -> None:
        self._spawn = spawn or asyncio.ensure_future
        self._on_error = on_error
        # Public: the front sets it once it exists (the gate needs the front).
        self.gate = gate
        self.tracker = tracker
        self._queues: dict[int, deque[_Entry]] = {}

    def submit(
        self, chat_id: int, job: Job, update: Any = None, *, once: str | None = None
    ) -> None:
        """Run ``job`` after the chat's earlier jobs.

        Jobs with the same ``once`` tag waiting back to back run once: ten stickers sent in
        a burst get one explanation, not ten.
        """
        last = self._waiting_last(chat_id)
        if once is not None and last is not None and last.once == once:
            self._hold(last, update)  # answered by the waiting job
            return
        self._enqueue(chat_id, _Entry(update, job=job, once=once))

    def submit_text(self, chat_id: int, text: Any, on_texts: TextJob, update: Any = None) -> None:
        """Run ``on_texts`` with this text and any that arrive before it starts."""
        self.submit_batch(chat_id, text, on_texts, update, kind="text")

    def submit_batch(
        self, chat_id: int, item: Any, on_items: TextJob, update: Any = None, *, kind: str
    ) -> None:
        """Run ``on_items`` with ``item`` and any items of the same ``kind`` arriving before
        it starts (e.g. photos sent in a burst: all are passed on, one note is sent)."""
        last = self._waiting_last(chat_id)
        if last is not None and last.on_texts is not None and last.kind == kind:
            last.texts.append(item)
            self._hold(last, update)
            return
        self._enqueue(chat_id, _Entry(update, on_texts=on_items, texts=[item], kind=kind))

    def _waiting_last(self, chat_id: int) -> _Entry | None:
        """The chat's last job if it has not started yet (new work may join it)."""
        queue = self._queues.get(chat_id)
        return queue[-1] if queue and not queue[-1].started else None

    def busy(self, chat_id: int) -> bool:
        """Whether the chat has work queued or running."""
        return chat_id in self._queues

    def _enqueue(self, chat_id: int, entry: _Entry) -> None:
        """Queue ``entry``; start a worker if the chat had none."""
        self._hold(entry, entry.update)
        queue = self._queues.setdefault(chat_id, deque())
        queue.append(entry)
        if len(queue) == 1:  # nobody works on this chat yet
            self._spawn(self._work(chat_id, queue))

    def _hold(self, entry: _Entry, update: Any) -> None:
        """``entry`` stands for ``update`` too."""
        if update is not None:
            entry.updates.append(update)
            if self.tracker is not None:
                self.tracker.hold(update)

    async def _run(self, entry: _Entry) -> None:
        """The entry's job, unless the gate dealt with its update."""
        gate = self.gate
        if gate is not None and entry.update is not None \
                and await gate(entry.update, list(entry.texts)):
            return
        await entry.run()

    async def _work(self, chat_id: int, queue: deque[_Entry]) -> None:
        """Run the chat's entries one by one until the queue is empty."""
        try:
            while queue:
                entry = queue[0]
                entry.started = True
                try:
                    try:
                        await self._run(entry)
                    except Exception as error:
                        if self._on_error is None:
                            logger.error("a chat job failed: %s", type(error).__name__)
                        else:
                            await self._on_error(entry.update, error)
                    # Not reached when cancelled: interrupted work is not finished. Still
                    # the chat's first entry here, so nothing new starts beside it.
                    if self.tracker is not None and entry.updates:
                        await self.tracker.release(entry.updates)
                finally:
                    queue.popleft()
        finally:
            # Reached with an empty queue, or on cancellation at shutdown.
            if self._queues.get(chat_id) is queue:
                del self._queues[chat_id]
