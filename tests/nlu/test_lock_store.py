"""Rasa's lock store follows REDIS_URL: Redis shared by several Rasa servers, else memory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from jmd.nlu.lock_store import RedisUrlLockStore, redis_lock_store
from jmd.shared.settings import get_settings
from tests.helpers.redis import require_redis_server, throwaway_redis


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # settings without a key would create one in the developer's var/
    monkeypatch.setenv("PSEUDONYM_SECRET", "test-secret")
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def created(monkeypatch: pytest.MonkeyPatch, url: str | None) -> LockStore:
    """The lock store Rasa creates from endpoints.yml's entry with REDIS_URL=``url``."""
    if url is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    return LockStore.create(EndpointConfig(type="jmd.nlu.lock_store.RedisUrlLockStore"))


def test_without_redis_url_the_locks_stay_in_memory_and_work(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = created(monkeypatch, None)
    assert isinstance(store, RedisUrlLockStore) and isinstance(store.store, InMemoryLockStore)
    first, second = store.issue_ticket("someone"), store.issue_ticket("someone")
    lock = store.get_lock("someone")
    assert lock is not None and not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("someone", first)
    store.cleanup("someone", second)
    assert store.get_lock("someone") is None


def test_with_redis_url_rasa_s_redis_store_is_used(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = created(monkeypatch, "redis://:p%40ss@10.0.0.5:6380/2")
    assert isinstance(store, RedisUrlLockStore) and isinstance(store.store, RedisLockStore)
    options = store.store.red.connection_pool.connection_kwargs  # nothing connects yet
    assert (options["host"], options["port"], options["db"], options["password"]) == (
        "10.0.0.5", 6380, 2, "p@ss")


def test_defaults_and_bad_urls(fresh_settings: None) -> None:
    options = redis_lock_store("redis://localhost").red.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"]) == ("localhost", 6379, 0)
    for bad in ("localhost:6379", "http://localhost", "redis:///0"):
        with pytest.raises(ValueError, match="REDIS_URL"):
            redis_lock_store(bad)


def test_two_servers_on_one_redis_never_lose_each_other_s_ticket(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Server A finishes its turn while server B takes a ticket for the same person: B's
    ticket must survive A's clean-up (without the mutex A wrote the lock back without it,
    deleted it, and B's message failed with LockError)."""
    with throwaway_redis(require_redis_server()) as url:
        first, second = created(monkeypatch, url), created(monkeypatch, url)
        assert isinstance(first, RedisUrlLockStore)
        mine = first.issue_ticket("someone")
        theirs: list[int] = []
        other = threading.Thread(target=lambda: theirs.append(second.issue_ticket("someone")))
        save = first.store.save_lock

        def save_while_the_other_server_asks(lock: object) -> None:
            if not other.is_alive() and not theirs:
                other.start()
                other.join(0.3)  # with the mutex, B waits for A's change to end
            save(lock)  # type: ignore[arg-type]

        monkeypatch.setattr(first.store, "save_lock", save_while_the_other_server_asks)
        first.cleanup("someone", mine)
        other.join(10)
        assert len(theirs) == 1
        lock = second.get_lock("someone")
        assert lock is not None and not lock.is_locked(theirs[0])  # B is served next
        second.cleanup("someone", theirs[0])
        assert second.get_lock("someone") is None
