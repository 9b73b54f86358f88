"""SQLAlchemy 2 models, typed (``Mapped[...]``): mypy checks every use of a column.

Every moment is an aware datetime in UTC (:class:`UtcDateTime`): SQLite keeps no time zone,
PostgreSQL does; the column type makes both give back the same. The schema itself lives in
the Alembic migrations (``migrations/``); these classes must match them (tests/test_db.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jmd import clock


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in UTC, whatever the database keeps (naive values are UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value  # already UTC by this module's rule
        return value.astimezone(UTC).replace(tzinfo=None) if (
            dialect.name == "sqlite") else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else (
            value.astimezone(UTC))


class Base(DeclarativeBase):
    """The project's tables; ``datetime`` columns are :class:`UtcDateTime`."""

    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime()}


def utcnow() -> datetime:
    """Now in UTC, from the one controllable clock (jmd.clock), so tests can move time."""
    return clock.now().astimezone(UTC)


class Person(Base):
    """A young person, known only by a pseudonymous key derived from their Telegram ID.

    ``chat_id`` is the one place a Telegram identifier is kept (needed to write to
    them first, e.g. reminders); it is erased with the person. ``age_band`` is the band of
    content/routing.yml the person gave (e.g. ``27+``), never an exact age.
    """

    __tablename__ = "persons"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    age_band: Mapped[str | None] = mapped_column(String(8))  # a band, never an exact age


class Feedback(Base):
    """What editors need to improve the FAQ: unanswered questions and rated answers.

    No Telegram ID is stored. ``person_key`` (the pseudonym) exists only so that a
    person's erasure request removes their questions too; exports never contain it.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # see jmd.content.feedback.KINDS
    language: Mapped[str | None] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(64))  # the answer given, or the best guess
    text: Mapped[str | None] = mapped_column(Text)  # the question, numbers and addresses masked
    person_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # the console's inbox: when an editor took the question, and as what ("faq/<topic>",
    # an intent, or "dismissed"); handled questions leave the inbox and the export
    handled_at: Mapped[datetime | None] = mapped_column()
    handled_as: Mapped[str | None] = mapped_column(String(80))


class PendingMessage(Base):
    """A message that reached the front while Rasa could not answer; retried until answered.

    The text is kept only until Rasa has answered it (then the row is deleted) or until it
    is too old to be worth answering (then the person is asked to write again).
    """

    __tablename__ = "pending_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # to answer as a reply to it
    text: Mapped[str] = mapped_column(Text)
    telegram_language_code: Mapped[str | None] = mapped_column(String(16))  # Rasa needs it
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Organisation(Base):
    """A partner organisation, mirrored from content/organisations.yml (the file stays the truth).

    The table exists so that counselors, offices, referrals and the partner figures refer to
    organisations with foreign keys; organisations are never deleted (rows refer to them).
    """

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # id in organisations.yml
    kind: Mapped[str] = mapped_column(String(16))  # jmd | mbe | agentur | jobcenter | other
    name: Mapped[str] = mapped_column(String(120))


class Office(Base):
    """An office, mirrored from content/offices.yml (the file stays the source of truth)."""

    __tablename__ = "offices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # id in content/offices.yml
    name: Mapped[str] = mapped_column(String(120))
    area: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))  # None while a placeholder
    organisation_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("organisations.id"))


class Counselor(Base):
    """A counselor of a partner organisation who offers appointments and may take over chats.

    ``telegram_user_id`` is the counselor's own (staff) account: it lets them use the
    counselor group's buttons and commands. Demo counselors are marked ``is_demo``.
    ``organisation_id`` is the counselor's organisation; None means the office's
    organisation (:func:`jmd.handoff.counselors.organisation_of`).
    """

    __tablename__ = "counselors"
    __table_args__ = (UniqueConstraint("name", "office_id", name="uq_counselor_name_office"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    office_id: Mapped[str] = mapped_column(String(32), ForeignKey("offices.id"))
    organisation_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("organisations.id"))
    languages: Mapped[str] = mapped_column(String(64), default="de")  # codes, comma-separated
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)

    @property
    def language_codes(self) -> list[str]:
        return [code for code in str(self.languages or "").split(",") if code]


class Slot(Base):
    """A time a counselor offers for an appointment."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("counselor_id", "starts_at", name="uq_slot_counselor_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(12), unique=True)  # opaque, for button payloads
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))  # in_person | phone | video
    withdrawn: Mapped[bool] = mapped_column(default=False)  # removed by the counselor
    source: Mapped[str | None] = mapped_column(String(120))  # import file or "demo"


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

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(12), unique=True)  # opaque, for button payloads
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(16))  # person|counselor|erasure
    reminder_day_sent_at: Mapped[datetime | None]
    reminder_hours_sent_at: Mapped[datetime | None]
    # a counselor marked that the person did not come (console, POST /bookings/{ref}/no-show)
    no_show_at: Mapped[datetime | None]


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

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    # open | assigned | closed
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    urgent: Mapped[bool] = mapped_column(default=False)  # crisis
    language: Mapped[str] = mapped_column(String(8))
    office_id: Mapped[str | None] = mapped_column(String(32))  # from an upcoming booking
    counselor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # who took it
    counselor_name: Mapped[str | None] = mapped_column(String(120))  # shown to the person
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the card, to edit it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When the person was told nobody is free (timeout) or that the office is closed.
    timeout_notified_at: Mapped[datetime | None]
    # The last message of either side while assigned (idle handoffs are closed).
    last_activity_at: Mapped[datetime | None]


class CounselorTopic(Base):
    """The forum topic of one person in the counselor group (one per person, reused)."""

    __tablename__ = "counselor_topics"

    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the group (COUNSELOR_CHAT_ID)
    message_thread_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(String(128))  # pseudonym, language, office — no name
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicTombstone(Base):
    """A counselor forum topic still to be deleted in Telegram, after its person was erased
    or its retention ended but the Bot API refused the deletion.

    No personal data: only where the topic is (group and thread), so the person's rows can
    go at once while ``bot.handoff.maintenance.bury_tombstones`` retries the deletion.
    """

    __tablename__ = "topic_tombstones"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_thread_id", name="uq_topic_tombstone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_thread_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)  # failed deletions so far


class KeyFingerprint(Base):
    """The fingerprint of a key the data depends on (``pseudonym``: PSEUDONYM_SECRET).

    An HMAC of a fixed text under the key, never the key: with a different key every
    pseudonym changes and /delete would miss the old rows, so processes refuse to start
    (jmd.db.fingerprint).
    """

    __tablename__ = "key_fingerprints"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundUpdate(Base):
    """A Telegram update received but not yet finished (bot/inbound.py).

    Stored before Telegram learns it was received; deleted once its work is done, so a
    crash loses nothing (replayed at the next start). The payload holds what the person
    wrote: it is kept only until then (and erased by /delete).
    """

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[str | None] = mapped_column(String(64), index=True)  # from whom
    payload: Mapped[str] = mapped_column(Text)  # the update as Telegram sent it (JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=1)  # handlings started, this one included


class Interpreter(Base):
    """A volunteer interpreter (ehrenamtliche/r Dolmetscher/in), registered by counselors.

    Not a member of the counselor group: the bot writes to them in a private chat.
    ``person_key`` is the pseudonym of their Telegram account, so their own /delete
    removes them from the register too (jmd.personal_data).
    """

    __tablename__ = "interpreters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    languages: Mapped[str] = mapped_column(String(64))  # codes, comma-separated
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    pledge_signed_on: Mapped[date]  # the confidentiality pledge (Verschwiegenheit)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]  # retention counts from here

    @property
    def language_codes(self) -> list[str]:
        return [code for code in str(self.languages or "").split(",") if code]


class InterpreterAssignment(Base):
    """An interpreter for a person's chat (``chat``) or appointment (``appointment``).

    asked (the person is asked) → declined | searching (volunteers asked) → active (one
    accepted) → ended; asked/searching → timed_out; an appointment's → cancelled. The
    first accept wins by one conditional UPDATE; no message text is stored.
    """

    __tablename__ = "interpreter_assignments"
    __table_args__ = (
        # One interpreter request per person's chat, and per appointment, that is not over.
        Index("uq_interpreter_chat_person", "person_key", unique=True,
              sqlite_where=text("kind = 'chat' AND status IN ('asked','searching','active')"),
              postgresql_where=text(
                  "kind = 'chat' AND status IN ('asked','searching','active')")),
        Index("uq_interpreter_booking", "booking_ref", unique=True,
              sqlite_where=text("status IN ('asked','searching','active')"),
              postgresql_where=text("status IN ('asked','searching','active')")),
        # An interpreter is in one chat at a time: their messages have one destination.
        Index("uq_interpreter_one_chat", "interpreter_id", unique=True,
              sqlite_where=text("kind = 'chat' AND status = 'active'"),
              postgresql_where=text("kind = 'chat' AND status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # chat | appointment
    status: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(8))
    handoff_id: Mapped[int | None]  # chat: the handoff it belongs to
    booking_ref: Mapped[str | None] = mapped_column(String(12))  # appointment
    appointment_at: Mapped[datetime | None]  # appointment: its start (retention)
    requested_by: Mapped[str | None] = mapped_column(String(120))  # the counselor's name
    interpreter_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class InterpreterOffer(Base):
    """The private message that asked one volunteer to interpret (edited when taken)."""

    __tablename__ = "interpreter_offers"
    __table_args__ = (
        UniqueConstraint("assignment_id", "interpreter_id", name="uq_interpreter_offer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("interpreter_assignments.id", ondelete="CASCADE"), index=True)
    interpreter_id: Mapped[int] = mapped_column(
        ForeignKey("interpreters.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(BigInteger)  # in the volunteer's private chat
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
class Referral(Base):
    """A warm referral of a person to a partner organisation (or a named colleague there).

    ``draft`` (the referring counselor writes the note) → ``asked`` (the person is asked
    in their language) → ``answered`` (``consent`` yes/no). Nothing reaches the partner
    before ``consent == "yes"``; ``share_chat`` is the person's separate yes to link their
    earlier chat. After retention the personal columns are blanked, the counts stay
    (jmd.partners.referrals). Taking it over is one conditional UPDATE (first wins).
    """

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|asked|answered
    from_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # the referring counselor
    from_counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"))
    from_name: Mapped[str | None] = mapped_column(String(120))
    from_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    to_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    to_counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"))
    note: Mapped[str | None] = mapped_column(Text)  # the counselor's short note
    age_band: Mapped[str | None] = mapped_column(String(8))  # as shown to the person
    consent: Mapped[str | None] = mapped_column(String(8))  # None (not answered) | yes | no
    share_chat: Mapped[bool] = mapped_column(default=False)  # a separate yes for the chat
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    card_thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the partner's topic
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    taken_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    taken_by_name: Mapped[str | None] = mapped_column(String(120))
    taken_at: Mapped[datetime | None]


class JointAppointment(Base):
    """An appointment two counselors of two organisations hold together.

    The host's slot is booked as an ordinary booking (``booking_id``: reminders, the
    person's list, the limit); the partner's slot at the same start is held for as long as
    that booking is active (jmd.booking.service.slot_taken). After retention the personal
    columns are blanked; month and organisations stay for the partner figures.
    """

    __tablename__ = "joint_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(12), unique=True)  # opaque, for button payloads
    person_key: Mapped[str | None] = mapped_column(String(64), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    partner_slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    partner_organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    starts_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class ConsoleAccount(Base):
    """A person who logs in to the web console (console/): an editor, counselor or admin.

    Staff only, never a young person. ``password_hash`` is scrypt with its own salt
    (jmd.accounts.passwords); ``counselor_id`` links a counselor's account to their row in
    ``counselors`` (their free times and their office's bookings). Failed logins lock the
    account for a while (``locked_until``).
    """

    __tablename__ = "console_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # editor | counselor | admin
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A logged-in browser. Only the token's SHA-256 is stored: a copy of the database
    opens no session. Ends ``idle`` minutes after the last request, at the latest at
    ``expires_at``, or at logout."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("console_accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class AuditEntry(Base):
    """What the console changed: who, when, what (e.g. ``topic.save``, ``faq/praktikum``).

    Never personal data of young people: targets are topic ids, slot refs, account names.
    """

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class QuestionCount(Base):
    """How many typed questions got which first reply, per day and language (the console's
    dashboard). Counts only: no text, no person (jmd.stats)."""

    __tablename__ = "question_counts"

    day: Mapped[date] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    # answered | did_you_mean | unanswered
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
