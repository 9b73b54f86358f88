"""Erasing everything stored about a person (the /delete command).

Every table that holds a person's pseudonymous key has one entry in :data:`DELETERS`.
A feature that stores a key in a new table adds its line there; the erasure test then
checks that nothing with the key remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, delete, inspect, table
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Deleter:
    """Deletes the rows of ``table_name`` whose ``key_column`` is the person's key."""

    table_name: str
    key_column: str
    # Tables another program creates on first use (Rasa's tracker store): absent is fine.
    optional: bool = False

    def __call__(self, session: Session, key: str) -> int:
        if self.optional and not inspect(session.connection()).has_table(self.table_name):
            return 0
        rows = table(self.table_name, column(self.key_column))
        result = session.execute(delete(rows).where(rows.c[self.key_column] == key))
        return int(result.rowcount or 0)


DELETERS: list[Deleter] = [
    Deleter("pending_messages", "person_key"),
    Deleter("feedback", "person_key"),
    Deleter("bookings", "person_key"),
    # Handoffs to a counselor; the forum topic itself is deleted by the front first.
    Deleter("handoffs", "person_key"),
    Deleter("counselor_topics", "person_key"),
    # Rasa's SQL tracker store (same DATABASE_URL): the whole conversation.
    Deleter("events", "sender_id", optional=True),
    Deleter("persons", "key"),  # last: later tables (bookings, handoffs) may refer to it
]


def erase_person(session: Session, key: str) -> dict[str, int]:
    """Delete everything stored about ``key``; returns rows deleted per table."""
    return {deleter.table_name: deleter(session, key) for deleter in DELETERS}
