"""Rasa's lock store, configured by ``REDIS_URL`` like the tracker store by ``DATABASE_URL``.

Rasa handles one conversation's messages one at a time by taking a per-conversation lock
(a ticket lock). With one Rasa server the locks can live in its memory; several servers
behind the front (README "Production and scale-out") must share them, or two servers
could work on the same conversation at once and interleave its events. ``REDIS_URL`` set: Rasa's
:class:`RedisLockStore` on that server; unset: the in-memory store, as without
``lock_store`` in ``endpoints.yml``. One ``endpoints.yml`` serves both set-ups (Rasa's
own ``type: redis`` needs its variables even where there is no Redis).

Rasa's ticket lock changes a lock by reading it, changing it and writing it back. In one
server's memory nothing runs in between; with two servers on one Redis, a server that
finished its turn could write back the lock without the ticket the other server had just
added, delete it, and the other server's message failed with ``LockError`` (seen in
``tests/test_scale_out.py``). So every such change holds a short Redis mutex per
conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

from jmd.shared.settings import get_settings


def redis_lock_store(url: str) -> RedisLockStore:
    """``redis://[user:password@]host[:port][/db]`` (``rediss://`` for TLS) as a lock store."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("REDIS_URL must look like redis://host:6379/0")
    path = parts.path.strip("/")
    return RedisLockStore(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(path) if path else 0,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
    )


# How long a server may hold a conversation's mutex (a read, a change, a write: milliseconds)
MUTEX_SECONDS = 10.0


class RedisUrlLockStore(LockStore):
    """Redis when ``REDIS_URL`` is set, else in memory; Rasa's ticket logic on top."""

    def __init__(self, endpoint_config: Any = None, **_: Any) -> None:
        url = get_settings().redis_url
        self.store: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        self._held: set[str] = set()  # conversations whose mutex this server holds now
        super().__init__()

    @contextmanager
    def exclusive(self, conversation_id: str) -> Iterator[None]:
        """Only this server changes the conversation's lock until the block ends."""
        store = self.store
        if not isinstance(store, RedisLockStore) or conversation_id in self._held:
            yield  # one process's memory, or already held further up
            return
        mutex = store.red.lock(f"{store.key_prefix}mutex:{conversation_id}",
                               timeout=MUTEX_SECONDS, sleep=0.005,
                               blocking_timeout=MUTEX_SECONDS)
        with mutex:
            self._held.add(conversation_id)
            try:
                yield
            finally:
                self._held.discard(conversation_id)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self.exclusive(conversation_id):
            ticket: int = super().issue_ticket(conversation_id, lock_lifetime)
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        with self.exclusive(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        with self.exclusive(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self.exclusive(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.store.save_lock(lock)
