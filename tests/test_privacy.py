"""Erasure (/delete) on SQLite and PostgreSQL: nothing with the person's key remains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine

from jmd.booking.joint import book_joint
from jmd.booking.service import book
from jmd.db.engine import make_engine, session_scope
from jmd.db.inbound import store_update
from jmd.db.models import Feedback, Referral
from jmd.db.pending import keep_pending
from jmd.db.persons import get_age_band, get_person, set_age_band, touch_person
from jmd.handoff.state import request_handoff
from jmd.handoff.topics import save_topic
from jmd.interpreters.assignments import request_chat
from jmd.interpreters.register import Registration, register
from jmd.personal_data import register_erasure_hook
from jmd.privacy import erase, erase_person
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.db import rows_with
from tests.helpers.rasa_env import save_conversations

KEY, OTHER = "u-erase-me", "u-keep-me"


def store_everything(engine: Engine, key: str) -> None:
    counselor = add_counselor(engine, f"Frau {key}")
    slot = add_slot(engine, counselor, datetime(2030, 1, 7, 10, 0))
    with session_scope(engine) as session:
        touch_person(session, key, language="ar", chat_id=424242)
        set_age_band(session, key, "27+")  # the band given when booking
        session.add(Feedback(kind="unanswered", language="ar", text="سؤال", person_key=key))
        keep_pending(session, key, 424242, "رسالة تنتظر")
        book(session, key, slot, "ar", datetime(2029, 12, 1, tzinfo=UTC))
        request_handoff(session, key, urgent=True, language="ar")
        save_topic(session, key, -100777, 777, "Person 123456 · Arabisch")
        # Received, not yet handled: the update_id only has to be unique per person here.
        store_update(session, sum(map(ord, key)), key, '{"message": {"text": "رسالة"}}')
        # an interpreter request for their chat; and they volunteer as an interpreter too
        request_chat(session, key, 1, "ar", "Anna")
        register(session, Registration(sum(map(ord, key)), ("ar",), date(2026, 11, 1),
                                       "Samira"), key)
    store_partner_work(engine, key)


def store_partner_work(engine: Engine, key: str) -> None:
    """A referral to the Jobcenter and a joint appointment (JMD + Jobcenter)."""
    jmd = add_counselor(engine, f"Frau {key} (gemeinsam)")
    jobcenter = add_counselor(engine, f"Herr {key}", organisation="jobcenter")
    host = add_slot(engine, jobcenter, datetime(2030, 1, 8, 10, 0))
    partner = add_slot(engine, jmd, datetime(2030, 1, 8, 10, 0))
    with session_scope(engine) as session:
        session.add(Referral(person_key=key, language="ar", status="answered",
                             to_organisation_id="jobcenter", note="ملاحظة", consent="yes",
                             share_chat=False))
        book_joint(session, key, host, partner, "ar", datetime(2029, 12, 1, tzinfo=UTC))


async def save_conversation(url: str, key: str) -> None:
    """A few events in Rasa's own SQL tracker store, written by Rasa itself."""
    save_conversations(url, {key: [("مرحبا", "أهلًا", None)]})


async def test_erase_person_leaves_nothing_with_the_key(database_url: str) -> None:
    engine = make_engine(database_url)
    for key in (KEY, OTHER):
        store_everything(engine, key)
        await save_conversation(database_url, key)
    assert set(rows_with(engine, KEY)) >= {
        "persons.key", "feedback.person_key", "pending_messages.person_key", "events.sender_id",
        "bookings.person_key",
        "handoffs.person_key", "counselor_topics.person_key", "inbound_updates.person_key",
        "interpreter_assignments.person_key", "interpreters.person_key",
        "referrals.person_key", "joint_appointments.person_key",
    }
    with session_scope(engine) as session:
        counts = erase_person(session, KEY)
    assert counts["persons"] == 1 and counts["feedback"] == 1
    assert counts["pending_messages"] == 1 and counts["events"] >= 3
    assert rows_with(engine, KEY) == {}
    assert "events.sender_id" in rows_with(engine, OTHER), "others keep their data"
    with session_scope(engine) as session:
        assert get_person(session, OTHER) is not None
        assert get_age_band(session, KEY) is None and get_age_band(session, OTHER) == "27+"
    engine.dispose()


def test_erase_works_before_rasa_created_its_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    store_everything(engine, KEY)
    with session_scope(engine) as session:
        counts = erase_person(session, KEY)
    assert counts == {
        "pending_messages": 1, "feedback": 1, "bookings": 2, "handoffs": 1,
        "counselor_topics": 1, "events": 0, "persons": 1, "inbound_updates": 1,
        "interpreter_assignments": 1, "interpreters": 1,
        "referrals": 1, "joint_appointments": 1,
    }
    assert rows_with(engine, KEY) == {}
    engine.dispose()



@pytest.fixture
def engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The test database as the process's default one (what ``jmd.db.db`` uses)."""
    engine = make_engine(database_url)
    monkeypatch.setattr("jmd.db.engine.get_engine", lambda: engine)
    yield engine
    engine.dispose()


async def test_erase_runs_the_hooks_first_in_order(engine: Engine) -> None:
    store_everything(engine, KEY)
    seen: list[tuple[str, bool]] = []

    async def topic(key: str) -> None:  # e.g. the counselor topic: it still finds the row
        seen.append(("topic", "counselor_topics.person_key" in rows_with(engine, key)))

    async def after(key: str) -> None:
        seen.append(("after", bool(rows_with(engine, key))))

    unregister = [register_erasure_hook(topic), register_erasure_hook(after)]
    try:
        counts = await erase(KEY)
    finally:
        for undo in unregister:
            undo()
    assert seen == [("topic", True), ("after", True)]
    assert counts["persons"] == 1 and counts["counselor_topics"] == 1
    assert rows_with(engine, KEY) == {}


async def test_a_failing_hook_stops_the_erasure_before_any_row_goes(engine: Engine) -> None:
    store_everything(engine, KEY)
    before = rows_with(engine, KEY)

    async def telegram_down(key: str) -> None:
        raise RuntimeError("Telegram is down")

    unregister = register_erasure_hook(telegram_down)
    try:
        with pytest.raises(RuntimeError):
            await erase(KEY)
    finally:
        unregister()
    assert rows_with(engine, KEY) == before, "the person can ask again; nothing orphaned"
