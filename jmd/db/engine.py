"""Engines and sessions; the database URL is the only switch between SQLite and PostgreSQL.

Invariants:

* A transaction is a transaction on both databases. On SQLite the driver's own transaction
  handling is off (pysqlite begins only before the first write, never around a SAVEPOINT,
  so a RELEASE could commit half a unit of work); SQLAlchemy's documented recipe instead
  emits ``BEGIN IMMEDIATE`` when a transaction begins: it takes the write lock at its
  start, so two transactions never interleave and savepoints nest inside the real one.
* :func:`in_transaction` retries only a whole unit of work: the failed attempt was rolled
  back completely, so what the retry returns is what happened.
* No engine logs or raises with statement parameters (``hide_parameters``): an error
  message must not carry a person's key or message text into a log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Concatenate, cast

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Engine, Result, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from jmd.shared.settings import get_settings

logger = logging.getLogger(__name__)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's transaction handling off (SQLAlchemy's pysqlite recipe): _sqlite_begin
    # emits the BEGIN, and DDL no longer commits what came before it.
    dbapi_connection.isolation_level = None
    # Rasa, the action server and the Telegram front share one file: WAL lets them
    # read while one writes, busy_timeout makes writers queue instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # The write lock at the start: a transaction that read something cannot find it
    # changed when it writes (SQLite's deferred BEGIN would fail or interleave there).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this project relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, hide_parameters=True,
                               connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


@cache
def get_engine() -> Engine:
    """The engine of this process, for the configured ``DATABASE_URL``."""
    return make_engine(get_settings().database_url)


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (SQLAlchemy types ``execute`` as a plain Result)."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


@cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session: Session = _factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_TRANSIENT = ("database is locked", "could not serialize", "deadlock detected")


def in_transaction[T](
    work: Callable[[Session], T], engine: Engine | None = None, attempts: int = 8
) -> T:
    """Run ``work`` in its own transaction, retried on transient write conflicts.

    A retry reruns ``work`` from the start in a new transaction (the failed one was rolled
    back completely: on SQLite nothing was committed before the end, see the module
    docstring), so ``work`` touches nothing but the database and its result is the truth.
    """
    # SQLite reports a held lock, PostgreSQL a serialization failure: both pass on retry
    for attempt in range(attempts):
        try:
            with session_scope(engine) as session:
                return work(session)
        except OperationalError as error:
            if attempt + 1 == attempts or not any(t in str(error) for t in _TRANSIENT):
                raise
            logger.info("write conflict, retrying (%d/%d)", attempt + 1, attempts)
            time.sleep(0.02 * 2**attempt)
    raise AssertionError("unreachable")


async def db[**P, R](
    fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """``fn(session, *args, **kwargs)`` in one transaction (:func:`in_transaction`), in a
    worker thread.

    The one way async code (the Telegram front) reaches the database: the event loop never
    blocks on it. ``fn`` returns plain values or frozen views, never ORM rows: a row used
    after its session closed reads stale data or fails on a lazy load.
    """


    def work(session: Session) -> R:
        return fn(session, *args, **kwargs)

    return await asyncio.to_thread(in_transaction, work)
