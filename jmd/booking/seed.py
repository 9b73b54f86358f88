"""Organisations and offices from content/ into the database, and demo data for a first start.

Demo counselors and slots are clearly marked ("Demo", ``is_demo``) so that nobody takes
them for real appointments; ``SEED_DEMO_DATA=0`` turns them off.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jmd.booking.service import MODES, new_ref
from jmd.clock import BERLIN, utc
from jmd.content.offices import load_offices
from jmd.content.organisations import load_organisations
from jmd.db.models import Counselor, Office, Organisation, Slot

logger = logging.getLogger(__name__)

DEMO_WEEKS = 4
DEMO_TIMES = (time(9, 0), time(10, 0), time(11, 0), time(14, 0), time(15, 0))
DEMO_MINUTES = 45
DEMO_COUNSELORS = (
    ("Demo-Beraterin A (Beispiel)", "de,ar"),
    ("Demo-Berater B (Beispiel)", "de,prs"),
)


def sync_offices(session: Session) -> int:
    """Insert or update the organisations and offices of the files; how many offices.

    Neither is ever deleted: counselors, slots and referrals refer to them.
    """
    for source in load_organisations():
        row = session.get(Organisation, source.id) or Organisation(id=source.id)
        row.kind, row.name = source.kind, source.name
        session.add(row)
    session.flush()
    for item in load_offices():
        office = session.get(Office, item.id) or Office(id=item.id)
        office.name, office.area, office.address = item.name, item.area, item.address
        office.organisation_id = item.organisation
        session.add(office)
    session.flush()
    return len(load_offices())


def seed_demo(session: Session, today: date) -> int:
    """Demo counselors and slots for the next weeks (an empty table only); how many slots."""
    if session.execute(select(func.count(Counselor.id))).scalar_one():
        return 0
    sync_offices(session)
    created = 0
    for office in load_offices():
        for index, (name, languages) in enumerate(DEMO_COUNSELORS):
            counselor = Counselor(name=name, office_id=office.id, languages=languages,
                                  organisation_id=office.organisation, active=True, is_demo=True)
            session.add(counselor)
            session.flush()
            for offset in range(1, DEMO_WEEKS * 7 + 1):
                day = today + timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                for n, at in enumerate(DEMO_TIMES):
                    if (n + index) % 2:  # the two counselors take turns
                        continue
                    start = datetime.combine(day, at, tzinfo=BERLIN)
                    session.add(Slot(
                        ref=new_ref(), counselor_id=counselor.id, starts_at=utc(start),
                        ends_at=utc(start + timedelta(minutes=DEMO_MINUTES)),
                        mode=MODES[(offset + n) % len(MODES)], withdrawn=False, source="demo",
                    ))
                    created += 1
    session.flush()
    logger.info("seeded demo data: %d slots", created)
    return created


def prepare(seed_demo_data: bool) -> int:
    """At start-up: offices from the file; demo data on a first start if enabled."""
    from jmd.clock import local, now
    from jmd.db import session_scope

    with session_scope() as session:
        sync_offices(session)
        return seed_demo(session, local(now()).date()) if seed_demo_data else 0
