"""SQLAlchemy models (2.0 style on SQLAlchemy 1.4, which Rasa 3.6 pins)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Text
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


class Feedback(Base):
    """What editors need to improve the FAQ: unanswered questions and rated answers.

    No Telegram ID is stored. ``person_key`` (the pseudonym) exists only so that a
    person's erasure request removes their questions too; exports never contain it.
    """

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)  # see jmd.content.feedback.KINDS
    language = Column(String(8), nullable=True)
    topic = Column(String(64), nullable=True)  # the answer given, or the best guess
    text = Column(Text, nullable=True)  # the question, numbers and addresses masked
    person_key = Column(String(64), nullable=True, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class PendingMessage(Base):
    """A message that reached the front while Rasa could not answer; retried until answered.

    The text is kept only until Rasa has answered it (then the row is deleted) or until it
    is too old to be worth answering (then the person is asked to write again).
    """

    __tablename__ = "pending_messages"

    id = Column(Integer, primary_key=True)
    person_key = Column(String(64), nullable=False, index=True)
    chat_id = Column(BigInteger, nullable=False)
    message_id = Column(BigInteger, nullable=True)  # to answer as a reply to the original
    text = Column(Text, nullable=False)
    telegram_language_code = Column(String(16), nullable=True)  # metadata Rasa needs
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
