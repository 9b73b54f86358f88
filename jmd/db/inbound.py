"""Repository functions for :class:`InboundUpdate`: updates received but not yet finished.

Invariant: a row exists from the moment an update is received (before Telegram counts it
as delivered) until its work is finished; then it is deleted, text and all. Whatever is
left at a start was interrupted by a crash and is handled again (``attempts`` counts the
handlings started, so an update that crashes the process every time is given up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from jmd.db.engine import affected
from jmd.db.models import InboundUpdate


@dataclass(frozen=True)
class StoredUpdate:
    """A stored update, as read in one transaction."""

    update_id: int
    payload: str
    attempts: int


def store_update(session: Session, update_id: int, person_key: str | None, payload: str) -> bool:
    """Store a received update; False if it is stored already (Telegram sent it again)."""
    if session.get(InboundUpdate, update_id) is not None:
        return False
    row = InboundUpdate()
    row.update_id = update_id
    row.person_key = person_key
    row.payload = payload
    row.attempts = 1
    session.add(row)
    session.flush()
    return True


def forget_updates(session: Session, update_ids: Iterable[int]) -> int:
    """Delete finished updates; how many rows went."""
    ids = list(update_ids)
    if not ids:
        return 0
    return affected(session.execute(
        delete(InboundUpdate).where(InboundUpdate.update_id.in_(ids))
    ))


def stored_count(session: Session) -> int:
    """How many updates are stored (received, not finished)."""
    return int(session.execute(select(func.count()).select_from(InboundUpdate)).scalar_one())


def claim_unfinished(
    session: Session, max_attempts: int
) -> tuple[list[StoredUpdate], list[StoredUpdate]]:
    """At a start: (updates to handle again, updates to give up), both in update_id order.

    An update to handle again has its ``attempts`` counted up here; one that has been
    started ``max_attempts`` times already is returned to be given up (the caller tells the
    person, then forgets it).
    """
    rows = session.execute(select(InboundUpdate).order_by(InboundUpdate.update_id)).scalars()
    again: list[StoredUpdate] = []
    give_up: list[StoredUpdate] = []
    for row in rows:
        if row.attempts >= max_attempts:
            give_up.append(StoredUpdate(int(row.update_id), row.payload, int(row.attempts)))
        else:
            again.append(StoredUpdate(int(row.update_id), row.payload, int(row.attempts) + 1))
    if again:
        session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id.in_([s.update_id for s in again]))
            .values(attempts=InboundUpdate.attempts + 1)
        )
    return again, give_up
