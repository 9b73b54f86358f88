"""Repository functions for :class:`Person`."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jmd.db.engine import affected
from jmd.db.models import Person, utcnow


def get_person(session: Session, key: str) -> Person | None:
    return session.execute(select(Person).where(Person.key == key)).scalar_one_or_none()


def touch_person(
    session: Session, key: str, *, language: str | None = None, chat_id: int | None = None
) -> Person:
    """Create or update a person; only the given fields change."""
    person = get_person(session, key)
    if person is None:
        person = Person()
        person.key = key
        session.add(person)
    if language is not None:
        person.language = language
    if chat_id is not None:
        person.chat_id = chat_id
    person.last_seen_at = utcnow()
    session.flush()
    return person


def get_language(session: Session, key: str) -> str | None:
    person = get_person(session, key)
    return person.language if person else None


def get_age_band(session: Session, key: str) -> str | None:
    """The age band the person gave (``12-17`` …), or None if never asked."""
    person = get_person(session, key)
    return person.age_band if person else None


def set_age_band(session: Session, key: str, band: str) -> None:
    """Remember the person's age band (only the band: an exact age is never stored)."""
    person = touch_person(session, key)
    person.age_band = band
    session.flush()


def delete_person(session: Session, key: str) -> bool:
    result = session.execute(delete(Person).where(Person.key == key))
    return bool(affected(result))
