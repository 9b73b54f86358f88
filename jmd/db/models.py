"""SQLAlchemy models (2.0 style on SQLAlchemy 1.4, which Rasa 3.6 pins)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Column, DateTime, String
from sqlalchemy.orm import DeclarativeMeta, registry

_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """Declarative base spelled out, so type checkers understand it without a plugin."""

    __abstract__ = True
    registry = _registry
    metadata = _registry.metadata


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Person(Base):
    """A young person, known only by a pseudonymous key derived from their Telegram ID.

    ``chat_id`` is the one place a Telegram identifier is kept (needed to write to
    them first, e.g. reminders); it is erased with the person.
    """

    __tablename__ = "persons"

    key = Column(String(64), primary_key=True)
    language = Column(String(8), nullable=True)
    chat_id = Column(BigInteger, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
