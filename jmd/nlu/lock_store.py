"""Rasa's lock store, configured by ``REDIS_URL`` like the tracker store by ``DATABASE_URL``.

Rasa handles one conversation's messages one at a time by taking a per-conversation lock
(a ticket lock). With one Rasa server the locks can live in its memory; several servers
behind the front (README "Scale-out") must share them, or two servers could work on the
same conversation at once and interleave its events. ``REDIS_URL`` set: Rasa's
:class:`RedisLockStore` on that server; unset: the in-memory store, as without
``lock_store`` in ``endpoints.yml``. One ``endpoints.yml`` serves both set-ups (Rasa's
own ``type: redis`` needs its variables even where there is no Redis).
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

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


class RedisUrlLockStore(LockStore):
    """Redis when ``REDIS_URL`` is set, else in memory; Rasa's ticket logic on top."""

    def __init__(self, endpoint_config: Any = None, **_: Any) -> None:
        url = get_settings().redis_url
        self.store: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.store.save_lock(lock)
