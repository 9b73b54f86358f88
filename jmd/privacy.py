"""Erasing everything stored about a person (the /delete command).

Invariants:

* :func:`erase_person` deletes the person's rows from every table of
  :data:`jmd.personal_data.REGISTRY`, in one transaction; nothing with the key remains.
* :func:`erase` runs the front's erasure hooks first (they may still read the rows, e.g.
  to find the counselor topic); a hook that fails stops the erasure before any row goes,
  so nothing outside the database is orphaned and the person can simply ask again. The
  front's topic hook does not fail when Telegram refuses to delete the forum topic: it
  leaves a tombstone (group and thread, no personal data) that a job retries, so the
  person's data goes at once (bot.handoff.maintenance).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jmd import personal_data
from jmd.db import db


def erase_person(session: Session, key: str) -> dict[str, int]:
    """Delete everything stored about ``key``; rows deleted per table."""
    return {entry.table_name: entry.erase(session, key) for entry in personal_data.REGISTRY}


async def erase(key: str) -> dict[str, int]:
    """The whole erasure: the registered hooks in order, then every row with ``key``."""
    for hook in personal_data.erasure_hooks():
        await hook(key)
    return await db(erase_person, key)
