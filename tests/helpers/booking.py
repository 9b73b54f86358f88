"""Offices, counselors and slots for booking tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from jmd.booking.seed import sync_offices
from jmd.booking.service import new_ref
from jmd.clock import BERLIN, utc
from jmd.db import session_scope
from jmd.db.models import Counselor, Slot


def add_counselor(engine: Engine | None, name: str = "Frau Test", office: str = "zerbst",
                  languages: str = "de,ar", telegram_user_id: int | None = None,
                  organisation: str | None = None) -> int:
    """A counselor of ``office`` (of its organisation, or of ``organisation``); their id."""
    with session_scope(engine) as session:
        sync_offices(session)
        counselor = Counselor(name=name, office_id=office, languages=languages, active=True,
                              is_demo=False, telegram_user_id=telegram_user_id,
                              organisation_id=organisation)
        session.add(counselor)
        session.flush()
        return int(counselor.id)


def add_slot(engine: Engine | None, counselor_id: int, start: datetime, minutes: int = 45,
             mode: str = "in_person") -> str:
    """A slot starting at ``start`` (naive: Berlin time); returns its ref."""
    start = start if start.tzinfo else start.replace(tzinfo=BERLIN)
    with session_scope(engine) as session:
        slot = Slot(ref=new_ref(), counselor_id=counselor_id, starts_at=utc(start),
                    ends_at=utc(start + timedelta(minutes=minutes)), mode=mode,
                    withdrawn=False, source="test")
        session.add(slot)
        session.flush()
        return str(slot.ref)


def at(day: int, hour: int) -> datetime:
    """Berlin time in late 2026: days 1–30 are in November, 31 on count into December."""
    return datetime(2026, 11, day, hour, 0, tzinfo=BERLIN) if day <= 30 else \
        datetime(2026, 12, day - 30, hour, 0, tzinfo=BERLIN)
