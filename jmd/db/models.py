"""SQLAlchemy models (2.0 style on SQLAlchemy 1.4, which Rasa 3.6 pins)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeMeta, registry

from jmd import clock

_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """Declarative base spelled out, so type checkers understand it without a plugin."""

    __abstract__ = True
    registry = _registry
    metadata = _registry.metadata

    if TYPE_CHECKING:  # the declarative constructor takes the columns as keywords

        def __init__(self, **kwargs: Any) -> None: ...


def utcnow() -> datetime:
    """Now in UTC, from the one controllable clock (jmd.clock), so tests can move time."""
    return clock.now().astimezone(timezone.utc)


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


class Office(Base):
    """An office, mirrored from content/offices.yml (the file stays the source of truth)."""

    __tablename__ = "offices"

    id = Column(String(32), primary_key=True)  # the id in content/offices.yml
    name = Column(String(120), nullable=False)
    area = Column(String(120), nullable=False)
    address = Column(String(200), nullable=True)  # None while the file has a placeholder


class Counselor(Base):
    """A JMD counselor who offers appointments and may take over chats.

    ``telegram_user_id`` is the counselor's own (staff) account: it lets them use the
    counselor group's buttons and commands. Demo counselors are marked ``is_demo``.
    """

    __tablename__ = "counselors"
    __table_args__ = (UniqueConstraint("name", "office_id", name="uq_counselor_name_office"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    office_id = Column(String(32), ForeignKey("offices.id"), nullable=False)
    languages = Column(String(64), nullable=False, default="de")  # codes, comma-separated
    telegram_user_id = Column(BigInteger, nullable=True, unique=True)
    active = Column(Boolean, nullable=False, default=True)
    is_demo = Column(Boolean, nullable=False, default=False)

    @property
    def language_codes(self) -> list[str]:
        return [code for code in str(self.languages or "").split(",") if code]


class Slot(Base):
    """A time a counselor offers for an appointment."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("counselor_id", "starts_at", name="uq_slot_counselor_start"),
    )

    id = Column(Integer, primary_key=True)
    ref = Column(String(12), nullable=False, unique=True)  # opaque, for button payloads
    counselor_id = Column(Integer, ForeignKey("counselors.id"), nullable=False, index=True)
    starts_at = Column(DateTime(timezone=True), nullable=False, index=True)
    ends_at = Column(DateTime(timezone=True), nullable=False)
    mode = Column(String(16), nullable=False)  # in_person | phone | video
    withdrawn = Column(Boolean, nullable=False, default=False)  # removed by the counselor
    source = Column(String(120), nullable=True)  # import file or "demo"


class Booking(Base):
    """A person's appointment. At most one *active* booking per slot (partial unique index).

    The person is only their pseudonymous key; the chat id for reminders lives in persons.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    ref = Column(String(12), nullable=False, unique=True)  # opaque, for button payloads
    slot_id = Column(Integer, ForeignKey("slots.id"), nullable=False, index=True)
    person_key = Column(String(64), nullable=False, index=True)
    language = Column(String(8), nullable=False)
    status = Column(String(16), nullable=False, default="active")  # active | cancelled
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    cancelled_at = Column(DateTime(timezone=True), nullable=True)
    cancelled_by = Column(String(16), nullable=True)  # person | counselor | erasure
    reminder_day_sent_at = Column(DateTime(timezone=True), nullable=True)
    reminder_hours_sent_at = Column(DateTime(timezone=True), nullable=True)


class Handoff(Base):
    """A young person's request to talk to a counselor: open → assigned → closed.

    No message text is stored: what was written lives in the person's forum topic in the
    counselor group (Telegram), which is deleted with the person or after retention.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        # At most one handoff per person that is not closed, enforced by the database.
        Index(
            "uq_handoffs_active_person",
            "person_key",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    person_key = Column(String(64), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="open", index=True)  # open|assigned|closed
    urgent = Column(Boolean, nullable=False, default=False)  # crisis
    language = Column(String(8), nullable=False)
    office_id = Column(String(32), nullable=True)  # from an upcoming booking, if any
    counselor_telegram_id = Column(BigInteger, nullable=True)  # who took it (staff account)
    counselor_name = Column(String(120), nullable=True)  # shown to the person and on the card
    card_message_id = Column(BigInteger, nullable=True)  # the card in the topic (to edit it)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    assigned_at = Column(DateTime(timezone=True), nullable=True)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    # When the person was told nobody is free (timeout) or that the office is closed.
    timeout_notified_at = Column(DateTime(timezone=True), nullable=True)


class CounselorTopic(Base):
    """The forum topic of one person in the counselor group (one per person, reused)."""

    __tablename__ = "counselor_topics"

    person_key = Column(String(64), primary_key=True)
    chat_id = Column(BigInteger, nullable=False)  # the counselor group (COUNSELOR_CHAT_ID)
    message_thread_id = Column(BigInteger, nullable=False, index=True)
    title = Column(String(128), nullable=False)  # pseudonym, language, office — never a name
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
