"""Finding free slots: which slots, answers and days are still possible.

Invariants: read-only; a slot is free when it is not withdrawn, its counselor is active, it
starts at least ``MIN_NOTICE`` from now and no *active* booking holds it; every function
takes a session and the current time and returns frozen views or plain values. A wish for an
organisation kind (from the age band) matches the counselor's own organisation, else the
office's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from jmd.booking.service import (
    MIN_NOTICE,
    PAGE,
    Preferences,
    SlotView,
    slot_taken,
    slot_view,
)
from jmd.clock import BERLIN, utc
from jmd.db.models import Counselor, Office, Organisation, Slot


def day_start(day: date) -> datetime:
    """Midnight in Berlin at the start of ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN).astimezone(UTC)


def _active_booking_exists() -> object:
    return slot_taken()  # booked, or held for a joint appointment


def _free_query(prefs: Preferences, now: datetime):  # type: ignore[no-untyped-def]
    prefs = prefs.clean()
    earliest = utc(now) + MIN_NOTICE
    if prefs.from_day is not None:
        earliest = max(earliest, day_start(prefs.from_day))
    query = (
        select(Slot, Counselor, Office)
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .join(Office, Counselor.office_id == Office.id)
        .where(
            Slot.starts_at >= earliest,
            Slot.withdrawn.is_(False),
            Counselor.active.is_(True),
            ~_active_booking_exists(),  # type: ignore[operator]
        )
    )
    if prefs.organisation_kind:
        # a counselor without an organisation of their own belongs to their office's
        own = func.coalesce(Counselor.organisation_id, Office.organisation_id)
        query = query.join(Organisation, Organisation.id == own).where(
            Organisation.kind == prefs.organisation_kind)
    if prefs.office_id:
        query = query.where(Counselor.office_id == prefs.office_id)
    if prefs.mode:
        query = query.where(Slot.mode == prefs.mode)
    if prefs.language:
        # "de,prs" contains "prs": codes are distinct words, never substrings of each other
        listed = literal(",") + Counselor.languages + literal(",")
        query = query.where(listed.contains(f",{prefs.language},"))
    return query


def free_slots(
    session: Session, prefs: Preferences, now: datetime, *, limit: int = PAGE, offset: int = 0
) -> list[SlotView]:
    """Free slots matching ``prefs``, earliest first, from ``prefs.from_day`` on."""
    query = _free_query(prefs, now).order_by(Slot.starts_at, Slot.id).offset(offset).limit(limit)
    return [slot_view(*row) for row in session.execute(query).all()]


def options(session: Session, prefs: Preferences, now: datetime, field: str) -> list[str]:
    """The distinct values of ``field`` (office_id, mode, language) among matching free slots."""
    # the dialogue asks a question only when this offers more than one answer
    rows = session.execute(_free_query(prefs, now)).all()
    values: set[str] = set()
    for slot, counselor, _office in rows:
        if field == "office_id":
            values.add(str(counselor.office_id))
        elif field == "mode":
            values.add(str(slot.mode))
        elif field == "language":
            values.update(counselor.language_codes)
    return sorted(values)


def free_days(session: Session, prefs: Preferences, now: datetime, limit: int = 5) -> list[date]:
    """The next local days with at least one matching free slot."""
    days: list[date] = []
    for slot, _c, _o in session.execute(_free_query(prefs, now).order_by(Slot.starts_at)).all():
        day = utc(slot.starts_at).astimezone(BERLIN).date()
        if day not in days:
            days.append(day)
            if len(days) == limit:
                break
    return days


def slot_by_ref(session: Session, ref: str) -> SlotView | None:
    row = session.execute(
        select(Slot, Counselor, Office)
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .join(Office, Counselor.office_id == Office.id)
        .where(Slot.ref == ref)
    ).first()
    return slot_view(*row) if row else None


def is_free(session: Session, ref: str, now: datetime) -> bool:
    """Whether slot ``ref`` can still be booked (exists, not withdrawn, not started, free)."""
    row = session.execute(
        _free_query(Preferences(), now - MIN_NOTICE).where(Slot.ref == ref)
    ).first()
    return row is not None and utc(row[0].starts_at) > utc(now)
