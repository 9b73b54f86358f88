"""Personal data: every table that holds a person's pseudonymous key, declared once.

Invariants:

* Every table with a ``person_key`` column has exactly one entry in :data:`REGISTRY`, and
  so do ``persons`` and Rasa's tracker store ``events`` (tests/test_personal_data.py
  checks the models and the migrated database).
* An entry says how a person's rows are erased (``/delete``: :mod:`jmd.privacy`) and how
  old rows expire (retention: :mod:`jmd.retention`); both walk :data:`REGISTRY` in its
  order. ``persons`` is last: it goes only once nothing else refers to the person.
* Work outside the database (the counselors' forum topics in Telegram) is a hook that
  the front registers at start; this core never imports the front (``bot``). Hooks run
  before the rows go, so they can still read what is about to be deleted.

**Extending it.** A feature that stores a person's key in a new table adds one line to
:data:`REGISTRY`, e.g. ``PersonalTable("handoff_notes", OlderThan("created_at"))``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, column, delete, exists, inspect, or_, select, table, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable, TableClause

from jmd.db.engine import affected
from jmd.db.models import Base, Booking, JointAppointment, Referral, Slot
from jmd.handoff.state import purge_closed
from jmd.interpreters.assignments import purge_over


def _table(name: str, *columns: str) -> TableClause:
    """The model's table (its column types convert values), else a bare one (``events``)."""
    found = Base.metadata.tables.get(name)
    return found if found is not None else table(name, *(column(c) for c in columns))


def _deleted(session: Session, statement: Executable) -> int:
    """Run a DELETE; the number of rows it removed."""
    return affected(session.execute(statement))


class Expiry(Protocol):
    """How the rows of one table expire: deletes those older than ``cutoff``."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int | None:
        """Rows deleted; None when a registered hook does it instead."""


@dataclass(frozen=True)
class OlderThan:
    """Rows whose ``time_column`` is before the cutoff."""

    time_column: str
    # Rasa keeps a float UNIX time, the project's tables a timezone-aware DateTime.
    unix_time: bool = False

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        rows = _table(entry.table_name, self.time_column)
        limit: Any = cutoff.timestamp() if self.unix_time else cutoff
        return _deleted(session, delete(rows).where(rows.c[self.time_column] < limit))


@dataclass(frozen=True)
class EndedBookings:
    """Bookings whose slot ended before the cutoff, or cancelled before it."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        ended = select(Slot.id).where(Slot.ends_at < cutoff)
        gone = or_(Booking.slot_id.in_(ended),
                   and_(Booking.status == "cancelled", Booking.cancelled_at < cutoff))
        # No ORM objects are loaded here: nothing in the session to synchronise.
        statement = delete(Booking).where(gone).execution_options(synchronize_session=False)
        return _deleted(session, statement)


@dataclass(frozen=True)
class ClosedHandoffs:
    """Handoffs closed before the cutoff (open and assigned ones stay, however old)."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        return purge_closed(session, cutoff)


@dataclass(frozen=True)
class OverAssignments:
    """Interpreter assignments over before the cutoff, and those of past appointments."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        return purge_over(session, cutoff)


@dataclass(frozen=True)
class DeactivatedVolunteers:
    """Volunteer interpreters deactivated before the cutoff (active ones stay)."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        rows = _table(entry.table_name, "active", "deactivated_at")
        gone = and_(rows.c.active.is_(False), rows.c.deactivated_at < cutoff)
        return _deleted(session, delete(rows).where(gone))


@dataclass(frozen=True)
class BlankedReferrals:
    """Referrals made before the cutoff lose everything about the person and the counselors;
    month, organisations and consent stay for the partner figures (counts only). The
    partner's topic id stays until the front's retention hook has deleted the topic."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        statement = (
            update(Referral)
            .where(Referral.created_at < cutoff, Referral.person_key.is_not(None))
            .values(person_key=None, language=None, from_telegram_id=None, from_name=None,
                    note=None, age_band=None, taken_by_telegram_id=None, taken_by_name=None)
            .execution_options(synchronize_session=False)
        )
        return affected(session.execute(statement))


@dataclass(frozen=True)
class BlankedJointAppointments:
    """Joint appointments whose booking retention deletes (ended or cancelled before the
    cutoff, :class:`EndedBookings`) lose the person and the booking; date and
    organisations stay for the partner figures. Runs before ``bookings`` (foreign key)."""

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        ended = select(Slot.id).where(Slot.ends_at < cutoff)
        gone = select(Booking.id).where(or_(
            Booking.slot_id.in_(ended),
            and_(Booking.status == "cancelled", Booking.cancelled_at < cutoff)))
        statement = (
            update(JointAppointment)
            .where(or_(JointAppointment.booking_id.in_(gone),
                       and_(JointAppointment.starts_at < cutoff,
                            JointAppointment.person_key.is_not(None))))
            .values(person_key=None, booking_id=None)
            .execution_options(synchronize_session=False)
        )
        return affected(session.execute(statement))


@dataclass(frozen=True)
class ByHook:
    """Rows that go only with something outside the database, through a retention hook.

    A counselor forum topic holds the handoff transcript: its row stays until the front's
    hook has deleted the topic through the Bot API, or (Telegram refused) has turned it
    into a tombstone without personal data, whose deletion the front retries.
    """

    why: str

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> None:
        return None


@dataclass(frozen=True)
class Inactive:
    """Persons not seen since the cutoff who have no row left in any other table."""

    time_column: str = "last_seen_at"

    def __call__(self, session: Session, entry: PersonalTable, cutoff: datetime) -> int:
        persons = _table(entry.table_name, entry.key_column, self.time_column)
        key = persons.c[entry.key_column]
        conditions = [persons.c[self.time_column] < cutoff]
        for other in REGISTRY:
            if other is not entry and other.present(session):
                rows = _table(other.table_name, other.key_column)
                conditions.append(~exists().where(rows.c[other.key_column] == key))
        return _deleted(session, delete(persons).where(and_(*conditions)))


@dataclass(frozen=True)
class PersonalTable:
    """A table that holds a person's key: how their rows are erased, how old rows expire."""

    table_name: str
    expires: Expiry
    key_column: str = "person_key"
    # Tables another program creates on first use (Rasa's tracker store): absent is fine.
    optional: bool = False

    def present(self, session: Session) -> bool:
        """Whether the table exists (only an optional one may be missing)."""
        return not self.optional or inspect(session.connection()).has_table(self.table_name)

    def erase(self, session: Session, key: str) -> int:
        """Delete the person's rows; how many there were."""
        if not self.present(session):
            return 0
        rows = _table(self.table_name, self.key_column)
        return _deleted(session, delete(rows).where(rows.c[self.key_column] == key))

    def expire(self, session: Session, cutoff: datetime) -> int | None:
        """Delete the rows older than ``cutoff``; None if a hook does it."""
        if not self.present(session):
            return 0
        return self.expires(session, self, cutoff)


REGISTRY: list[PersonalTable] = [
    # Rasa's SQL tracker store (same DATABASE_URL): the whole conversation, event by event.
    PersonalTable("events", OlderThan("timestamp", unix_time=True), key_column="sender_id",
                  optional=True),
    PersonalTable("feedback", OlderThan("created_at")),  # unanswered questions, ratings
    PersonalTable("pending_messages", OlderThan("created_at")),  # kept while Rasa was down
    PersonalTable("inbound_updates", OlderThan("received_at")),  # received, not yet finished
    # the partner network (before bookings: foreign keys); figures outlive the person
    PersonalTable("joint_appointments", BlankedJointAppointments()),
    PersonalTable("referrals", BlankedReferrals()),
    PersonalTable("bookings", EndedBookings()),  # /delete cancels upcoming ones first
    PersonalTable("handoffs", ClosedHandoffs()),
    PersonalTable("counselor_topics", ByHook("the forum topic goes first, via the Bot API")),
    # a person's interpreter requests (their offers go with them: ON DELETE CASCADE)
    PersonalTable("interpreter_assignments", OverAssignments()),
    # the volunteer register: a volunteer's own /delete removes them (key of their account)
    PersonalTable("interpreters", DeactivatedVolunteers()),
    # Last: the other tables refer to the person, and Inactive looks at all of them.
    PersonalTable("persons", Inactive(), key_column="key"),
]


# -- hooks of the front --------------------------------------------------------------------

# hook(key): before a person's rows are erased (e.g. tell the counselor, delete the topic).
ErasureHook = Callable[[str], Awaitable[object]]
# hook(cutoff) -> {"what": count}: before old rows are purged (e.g. old forum topics).
RetentionHook = Callable[[datetime], Awaitable[Mapping[str, int]]]
Unregister = Callable[[], None]


@dataclass(frozen=True, eq=False)  # identity: the same function may be registered twice
class _Registered:
    hook: Any
    tables: frozenset[str]


_erasure_hooks: list[_Registered] = []
_retention_hooks: list[_Registered] = []


def _register(into: list[_Registered], hook: Any, tables: Iterable[str]) -> Unregister:
    entry = _Registered(hook, frozenset(tables))
    into.append(entry)

    def unregister() -> None:
        if entry in into:
            into.remove(entry)

    return unregister


def register_erasure_hook(hook: ErasureHook) -> Unregister:
    """Run ``await hook(key)`` before each erasure, in registration order."""
    return _register(_erasure_hooks, hook, ())


def register_retention_hook(hook: RetentionHook, *, tables: Iterable[str] = ()) -> Unregister:
    """Run ``await hook(cutoff)`` before each retention run; ``tables`` are those it purges."""
    return _register(_retention_hooks, hook, tables)


def erasure_hooks() -> list[ErasureHook]:
    """The registered erasure hooks, in order."""
    return [entry.hook for entry in _erasure_hooks]


def retention_hooks() -> list[RetentionHook]:
    """The registered retention hooks, in order."""
    return [entry.hook for entry in _retention_hooks]


def hooked_tables() -> frozenset[str]:
    """Tables a registered retention hook purges."""
    return frozenset(name for entry in _retention_hooks for name in entry.tables)


def tables_left_to_hooks() -> frozenset[str]:
    """Tables whose old rows only a retention hook can delete (:class:`ByHook`)."""
    return frozenset(e.table_name for e in REGISTRY if isinstance(e.expires, ByHook))

