"""A counselor's own free times, kept in the web console: add (repeated weekly), list, withdraw.

Invariants: slots are written by :func:`jmd.booking.imports.add_slot`, the import's own
writer, into the tables the bot books from, so a new slot is offered on Telegram at once;
times are entered in Europe/Berlin (a weekly repeat keeps the local time across a change
to or from summer time); nothing is written unless every slot asked for is valid — none in
the past or more than a year ahead, none ending before it starts, none overlapping another
of the counselor's own (not withdrawn) slots; a booked slot (or one held for a joint
appointment) is never withdrawn here, since the person would not be told. Problems are
German (staff) sentences. Functions take the session first and return frozen views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from jmd.booking.imports import MAX_LENGTH, add_slot
from jmd.booking.service import MODES, SlotView, slot_taken, slot_view
from jmd.clock import BERLIN, local, utc
from jmd.db.models import Counselor, Office, Slot

MAX_REPEAT = 12  # weeks a slot can be repeated at once
MAX_AHEAD = timedelta(days=366)  # times further ahead are typing mistakes
SOURCE = "console"
MODE_LABELS = {"in_person": "Im Büro", "phone": "Telefon", "video": "Video"}


class SlotError(ValueError):
    """Slots that cannot be added or withdrawn as asked; ``problems`` say why (German)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SlotRequest:
    """What the form asked for, checked for form: the first slot and its weekly repeats."""

    starts: tuple[datetime, ...]  # aware, Berlin
    length: timedelta
    mode: str


@dataclass(frozen=True)
class OwnSlot:
    """One of the counselor's upcoming slots; ``booked``: it cannot be withdrawn."""

    slot: SlotView
    booked: bool


@dataclass(frozen=True)
class CounselorInfo:
    id: int
    name: str
    office_id: str
    office_name: str
    active: bool


def parse_request(day: str, start: str, end: str, mode: str,
                  repeat_weeks: str = "0") -> SlotRequest | list[str]:
    """The form's fields (``YYYY-MM-DD``, ``HH:MM``, ``HH:MM``, a mode, 0–12 repeats), or
    what is wrong with them."""
    problems: list[str] = []
    first: date | None = None
    try:
        first = date.fromisoformat(day.strip())
    except ValueError:
        problems.append("Das Datum fehlt oder ist kein Datum (JJJJ-MM-TT).")
    times: list[time] = []
    for value, what in ((start, "Beginn"), (end, "Ende")):
        try:
            times.append(datetime.strptime(value.strip(), "%H:%M").time())
        except ValueError:
            problems.append(f"{what} fehlt oder ist keine Uhrzeit (HH:MM).")
    if mode not in MODES:
        problems.append("Bitte die Art wählen: im Büro, Telefon oder Video.")
    repeats = int(repeat_weeks) if repeat_weeks.strip().isdigit() else -1
    if not 0 <= repeats <= MAX_REPEAT:
        problems.append(f"Wiederholen: 0 bis {MAX_REPEAT} Wochen.")
    if problems or first is None:
        return problems
    begin, finish = (datetime.combine(first, moment, tzinfo=BERLIN) for moment in times)
    if finish <= begin:
        return ["Das Ende liegt nicht nach dem Beginn."]
    if finish - begin > MAX_LENGTH:
        return ["Ein Termin dauert höchstens 4 Stunden (für mehrere Termine mehrere Zeiten)."]
    try:
        starts = tuple(datetime.combine(first + timedelta(weeks=week), times[0], tzinfo=BERLIN)
                       for week in range(repeats + 1))
    except OverflowError:  # the year 9999 and its next week
        return ["Das Datum liegt zu weit in der Zukunft."]
    return SlotRequest(starts, finish - begin, mode)


def counselor_info(session: Session, counselor_id: int | None) -> CounselorInfo | None:
    """The counselor of an account (None: no link, or the row is gone)."""
    if counselor_id is None:
        return None
    row = session.execute(select(Counselor, Office).join(Office, Counselor.office_id == Office.id)
                          .where(Counselor.id == counselor_id)).first()
    if row is None:
        return None
    counselor, office = row
    return CounselorInfo(int(counselor.id), str(counselor.name), str(office.id),
                         str(office.name), bool(counselor.active))


def all_counselors(session: Session) -> list[CounselorInfo]:
    """Every counselor, by office and name (to link an account to one)."""
    rows = session.execute(select(Counselor, Office).join(Office, Counselor.office_id == Office.id)
                           .order_by(Office.name, Counselor.name)).all()
    return [CounselorInfo(int(c.id), str(c.name), str(o.id), str(o.name), bool(c.active))
            for c, o in rows]


def _overlapping(session: Session, counselor_id: int, start: datetime,
                 end: datetime) -> Slot | None:
    return session.scalars(select(Slot).where(
        Slot.counselor_id == counselor_id, Slot.withdrawn.is_(False),
        Slot.starts_at < utc(end), Slot.ends_at > utc(start)).limit(1)).first()


def _label(moment: datetime) -> str:
    return f"{local(moment):%d.%m.%Y %H:%M}"


def add_slots(session: Session, counselor_id: int, request: SlotRequest,
              now: datetime) -> list[str]:
    """Add every slot of ``request`` for the counselor, or none (:class:`SlotError`);
    the new slots' refs."""
    # the counselor's row is locked (PostgreSQL; SQLite locks at BEGIN): two forms sent at
    # once are checked for overlaps one after the other
    session.execute(select(Counselor.id).where(Counselor.id == counselor_id).with_for_update())
    problems: list[str] = []
    for start in request.starts:
        end = start + request.length
        if start <= now:
            problems.append(f"{_label(start)}: liegt in der Vergangenheit.")
        elif start > now + MAX_AHEAD:
            problems.append(f"{_label(start)}: liegt mehr als ein Jahr in der Zukunft.")
        elif (other := _overlapping(session, counselor_id, start, end)) is not None:
            problems.append(f"{_label(start)}: überschneidet sich mit Ihrer Zeit "
                            f"{_label(other.starts_at)}–{local(utc(other.ends_at)):%H:%M}.")
    if problems:
        raise SlotError(problems)
    refs = []
    for start in request.starts:
        end = start + request.length
        ref = add_slot(session, counselor_id, start, end, request.mode, SOURCE)
        if ref is None:  # withdrawn earlier at this very start: offered again
            row = session.scalars(select(Slot).where(Slot.counselor_id == counselor_id,
                                                     Slot.starts_at == utc(start))).one()
            row.withdrawn, row.ends_at, row.mode = False, utc(end), request.mode
            session.flush()
            ref = str(row.ref)
        refs.append(ref)
    return refs


def upcoming_slots(session: Session, counselor_id: int, now: datetime) -> list[OwnSlot]:
    """The counselor's slots that have not ended, not withdrawn, earliest first."""
    rows = session.execute(
        select(Slot, Counselor, Office, slot_taken().label("booked"))
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .join(Office, Counselor.office_id == Office.id)
        .where(and_(Slot.counselor_id == counselor_id, Slot.withdrawn.is_(False),
                    Slot.ends_at > utc(now)))
        .order_by(Slot.starts_at)
    ).all()
    return [OwnSlot(slot_view(slot, counselor, office), bool(booked))
            for slot, counselor, office, booked in rows]


def withdraw(session: Session, counselor_id: int, ref: str, now: datetime) -> SlotView:
    """Withdraw the counselor's free, upcoming slot ``ref`` (the bot stops offering it)."""
    # the row is locked first (PostgreSQL), as booking locks it: a booking at this moment
    # either waits and finds it withdrawn, or is seen below
    row = session.scalars(select(Slot).where(Slot.ref == ref, Slot.counselor_id == counselor_id)
                          .with_for_update()).first()
    found = next((item for item in upcoming_slots(session, counselor_id, now)
                  if item.slot.ref == ref), None) if row is not None else None
    if row is None or found is None:
        raise SlotError(["Diese Zeit gibt es nicht (mehr) unter Ihren kommenden Zeiten."])
    if found.booked:
        raise SlotError(["Diese Zeit ist gebucht und kann hier nicht entfernt werden: die "
                         "Person würde nicht benachrichtigt. Bitte in der Beratungsgruppe "
                         "absprechen."])
    row.withdrawn = True
    session.flush()
    return found.slot
