"""Retention on SQLite and PostgreSQL, with the controllable clock (jmd.clock)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from jmd import clock, personal_data
from jmd.db.engine import make_engine, session_scope
from jmd.db.feedback import record
from jmd.db.inbound import store_update
from jmd.db.models import Booking, Counselor, Feedback, Office, PendingMessage, Person, Slot
from jmd.db.pending import keep_pending
from jmd.db.persons import touch_person
from jmd.personal_data import OlderThan, PersonalTable, register_retention_hook
from jmd.retention import cutoff_for, purge, run_retention
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.db import rows_with
from tests.helpers.rasa_env import Exchange, save_conversations

DAYS = 90
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
OLD, RECENT, WAITING = "u-old", "u-recent", "u-old-with-appointment"


_conversations: dict[tuple[str, str], list[Exchange]] = {}


@pytest.fixture(autouse=True)
def _fresh_conversations() -> None:
    _conversations.clear()  # each test starts with an empty database


async def save_events(url: str, key: str, when: datetime) -> None:
    """A short exchange in Rasa's SQL tracker store, written at ``when`` by Rasa itself."""
    exchanges = _conversations.setdefault((url, key), [])
    exchanges.append(("hallo", "Hallo!", when.timestamp()))
    save_conversations(url, {key: exchanges})


_refs = iter(range(10_000))


def slot(session: Any, starts: datetime) -> Slot:
    if session.get(Office, "dessau") is None:
        session.add(Office(id="dessau", name="JMD Dessau", area="Dessau-Roßlau"))
        session.flush()
    counselor = session.execute(select(Counselor)).scalars().first()
    if counselor is None:
        counselor = Counselor(name="Frau A.", office_id="dessau", languages="de,ar",
                              active=True, is_demo=True)
        session.add(counselor)
        session.flush()
    row = Slot(ref=f"s{next(_refs)}", counselor_id=counselor.id, starts_at=starts,
               ends_at=starts + timedelta(hours=1), mode="in_person", withdrawn=False)
    session.add(row)
    session.flush()
    return row


def book(session: Any, key: str, starts: datetime, **extra: Any) -> Booking:
    row = Booking(ref=f"b{next(_refs)}", slot_id=slot(session, starts).id, person_key=key,
                  language="de", **{"status": "active", **extra})
    session.add(row)
    session.flush()
    return row


def everything_of(engine: Engine, key: str, chat_id: int, appointment: datetime) -> None:
    """A person's data as the assistant stores it, written at the clock's current time."""
    with session_scope(engine) as session:
        touch_person(session, key, language="de", chat_id=chat_id)
        record(session, "unanswered", language="de", text="wie geht das", person_key=key)
        keep_pending(session, key, chat_id, "hallo?")
        store_update(session, next(_refs), key, '{"message": {"text": "hallo?"}}')
        book(session, key, appointment)


async def test_purge_deletes_what_is_older_than_the_retention_period(database_url: str) -> None:
    engine = make_engine(database_url)
    with clock.frozen(START):
        # Written on day 0: the appointment was a week later, long over by day 100.
        everything_of(engine, OLD, 1001, START + timedelta(days=7))
        await save_events(database_url, OLD, clock.now())
        # Last seen on day 0 too, but the appointment is still ahead on day 100.
        everything_of(engine, WAITING, 1002, START + timedelta(days=120))
        clock.advance(timedelta(days=95))
        everything_of(engine, RECENT, 1003, clock.now() + timedelta(days=2))
        await save_events(database_url, RECENT, clock.now())
        await save_events(database_url, OLD, clock.now())  # the old person came back once
        clock.advance(timedelta(days=5))  # day 100: the cutoff is day 10

        with session_scope(engine) as session:
            counts = purge(session, cutoff_for(DAYS))

    assert counts["feedback"] == 2 and counts["pending_messages"] == 2
    assert counts["inbound_updates"] == 2
    assert counts["bookings"] == 1 and counts["events"] >= 3
    assert counts["persons"] == 0, "the old person has recent events, WAITING a booking"
    found = rows_with(engine, OLD)
    assert set(found) == {"persons.key", "events.sender_id"}, "only the recent visit is left"
    assert set(rows_with(engine, WAITING)) == {"persons.key", "bookings.person_key"}
    assert set(rows_with(engine, RECENT)) >= {
        "persons.key", "feedback.person_key", "pending_messages.person_key",
        "bookings.person_key", "events.sender_id", "inbound_updates.person_key",
    }
    engine.dispose()


async def test_a_person_with_nothing_left_is_deleted_too(database_url: str) -> None:
    engine = make_engine(database_url)
    with clock.frozen(START):
        everything_of(engine, OLD, 1001, START + timedelta(days=1))
        await save_events(database_url, OLD, clock.now())
        with session_scope(engine) as session:
            # cancelled on day 0 for a day far ahead: gone with the rest
            book(session, OLD, START + timedelta(days=200), status="cancelled",
                 cancelled_at=START, cancelled_by="person")
        clock.advance(timedelta(days=DAYS + 2))  # the appointment on day 1 is over too
        with session_scope(engine) as session:
            counts = purge(session, cutoff_for(DAYS))
    assert counts["persons"] == 1 and counts["bookings"] == 2, (counts, rows_with(engine, OLD))
    assert rows_with(engine, OLD) == {}
    engine.dispose()


def test_nothing_is_deleted_within_the_period_and_without_rasas_tables(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    with clock.frozen(START):
        everything_of(engine, RECENT, 1003, START)
        clock.advance(timedelta(days=DAYS - 1))
        with session_scope(engine) as session:
            counts = purge(session, cutoff_for(DAYS))
    assert counts == {
        "events": 0, "feedback": 0, "pending_messages": 0, "bookings": 0, "handoffs": 0,
        "persons": 0, "inbound_updates": 0, "interpreter_assignments": 0, "interpreters": 0,
        "referrals": 0, "joint_appointments": 0,
    }
    engine.dispose()


async def test_hooks_run_first_with_the_cutoff_and_a_failing_hook_stops_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    from jmd.db.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    monkeypatch.setattr("jmd.db.engine.get_engine", lambda: engine)
    seen: list[tuple[datetime, Any, int]] = []
    bot = "the bot"  # what the front binds when it registers its hook

    async def count_feedback(cutoff: datetime) -> dict[str, int]:
        with session_scope(engine) as session:  # the old rows are still there
            seen.append((cutoff, bot, len(session.execute(select(Feedback)).all())))
        return {"forum_topics": 2}

    async def broken(cutoff: datetime) -> dict[str, int]:
        raise RuntimeError("Telegram is down")

    unregister = [register_retention_hook(broken), register_retention_hook(count_feedback)]
    try:
        with clock.frozen(START):
            with session_scope(engine) as session:
                record(session, "unanswered", language="ar", text="سؤال", person_key=OLD)
            clock.advance(timedelta(days=DAYS + 1))
            counts = await run_retention(DAYS)
    finally:
        for undo in unregister:
            undo()
    assert seen == [(START + timedelta(days=1), "the bot", 1)]
    assert counts["forum_topics"] == 2 and counts["feedback"] == 1
    engine.dispose()


async def test_a_failed_run_raises_for_the_job_queue_to_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database may be down: the run fails loudly (bot.jobs reports it, runs again)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'no-tables.db'}")
    monkeypatch.setattr("jmd.db.engine.get_engine", lambda: engine)
    with pytest.raises(OperationalError):
        await run_retention(DAYS)
    engine.dispose()


def test_other_features_add_their_tables_with_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    # stands in for e.g. handoff notes
    extra = PersonalTable("pending_messages", OlderThan("created_at"))
    monkeypatch.setattr(personal_data, "REGISTRY",
                        [*personal_data.REGISTRY[:-1], extra, personal_data.REGISTRY[-1]])
    with clock.frozen(START):
        with session_scope(engine) as session:
            keep_pending(session, OLD, 1, "x")
        clock.advance(timedelta(days=DAYS + 1))
        with session_scope(engine) as session:
            assert purge(session, cutoff_for(DAYS))["pending_messages"] == 1
    engine.dispose()


def test_make_purge_counts_and_deletes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    from jmd.db.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    long_ago = datetime.now(UTC) - timedelta(days=200)
    with clock.frozen(long_ago), session_scope(engine) as session:
        touch_person(session, OLD, language="prs", chat_id=7)
        keep_pending(session, OLD, 7, "سلام")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "JMD_VAR_DIR": str(tmp_path),
           "PSEUDONYM_SECRET": "test-secret", "RETENTION_DAYS": "90"}

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "jmd.retention", *args], env=env,
                                cwd=PROJECT_ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "'pending_messages': 1" in run("--dry-run")
    with session_scope(engine) as session:
        assert session.execute(select(PendingMessage)).all(), "a dry run deletes nothing"
    assert "'persons': 1" in run()
    with session_scope(engine) as session:
        assert session.execute(select(Person)).all() == []
    engine.dispose()


async def test_the_telegram_front_purges_at_start(tmp_path: Path) -> None:
    from jmd.db.migrate import upgrade
    from tests.helpers.bot_api import BotApiStandIn
    from tests.helpers.ports import free_port
    from tests.test_bot import eventually, front_env, running_front

    api = BotApiStandIn().start()

    url = f"sqlite:///{tmp_path / 'jmd.db'}"
    upgrade(url)
    engine = make_engine(url)
    long_ago = datetime.now(UTC) - timedelta(days=DAYS + 10)
    with clock.frozen(long_ago), session_scope(engine) as session:
        touch_person(session, OLD, language="ar", chat_id=77)
        record(session, "not_helpful", language="ar", topic="study", text="سؤال",
               person_key=OLD)
    env = front_env(api, tmp_path, url, f"http://127.0.0.1:{free_port()}")
    env["RETENTION_DAYS"] = str(DAYS)
    try:
        async with running_front(env):
            await eventually(lambda: rows_with(engine, OLD) == {}, "purged the old data")
            # What only a hook can delete (forum topics) has the front's hook registered.
            left = personal_data.tables_left_to_hooks()
            assert left <= personal_data.hooked_tables(), "a hook of the front for each"
        assert not left & personal_data.hooked_tables(), "unregistered at shutdown"
    finally:
        api.stop()
        engine.dispose()
