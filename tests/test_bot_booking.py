"""Appointments in the Telegram front: calendar file, counselor group, reminders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.booking import overview, send_due_reminders
from jmd import clock
from jmd.booking import service
from jmd.db import make_engine, session_scope
from jmd.db.migrate import upgrade
from jmd.db.persons import touch_person
from jmd.identity import display_name, pseudonym
from jmd.shared.settings import Settings
from jmd.texts import t
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.ports import free_port
from tests.test_bot import eventually, front_env, running_front

GROUP = -1001234567890
COUNSELOR, STRANGER = 777001, 777002
START = datetime(2026, 12, 2, 10, 0)  # Berlin time, a Wednesday


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    stand_in.members.update({COUNSELOR: "member", STRANGER: "member"})
    yield stand_in
    stand_in.stop()


@pytest.fixture(autouse=True)
def reset_clock() -> Iterator[None]:
    yield
    clock.set_now(None)


def env_for(api: BotApiStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}",
                    f"http://127.0.0.1:{free_port()}")
    return {**env, "COUNSELOR_CHAT_ID": str(GROUP), **extra}


def book_for(url: str, user_id: int, language: str, booked_at: datetime) -> str:
    """A booking made at ``booked_at`` for Telegram user ``user_id``; returns its ref."""
    upgrade(url)
    engine = make_engine(url)
    counselor = add_counselor(engine, "Frau Amal", "zerbst", "de,ar",
                              telegram_user_id=COUNSELOR)
    slot = add_slot(engine, counselor, START)
    key = pseudonym(user_id)
    with session_scope(engine) as session:
        touch_person(session, key, language=language, chat_id=user_id)
        booking = service.book(session, key, slot, language, booked_at)
    engine.dispose()
    return booking.ref


async def test_reminders_survive_a_restart_and_are_sent_once(api: BotApiStandIn,
                                                             tmp_path: Path) -> None:
    env = env_for(api, tmp_path)
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    book_for(env["DATABASE_URL"], 8101, "ar", start_utc - timedelta(days=3))
    day_before = t("reminder_day", "ar").split("\n")[0]

    clock.set_now(start_utc - timedelta(hours=30))  # not due yet
    async with running_front(env) as application:
        assert await send_due_reminders(application) == 0
    assert api.sent_texts(8101) == []

    clock.set_now(start_utc - timedelta(hours=20))  # due while the front was down
    async with running_front(env) as application:
        await eventually(lambda: api.sent_texts(8101), "sent the day-before reminder")
        assert await send_due_reminders(application) == 0  # claimed: never twice
    async with running_front(env) as application:  # another restart: still only one
        assert await send_due_reminders(application) == 0
    [reminder] = api.sent_texts(8101)
    assert reminder.startswith(day_before) and "ديسمبر" in reminder and "10:00" in reminder

    clock.set_now(start_utc - timedelta(hours=1, minutes=30))
    async with running_front(env) as application:
        await eventually(lambda: len(api.sent_texts(8101)) == 2, "sent the 2-hour reminder")
        assert await send_due_reminders(application) == 0
    assert api.sent_texts(8101)[1].startswith(t("reminder_hours", "ar").split(":")[0])


async def test_no_reminder_for_cancelled_or_just_booked(api: BotApiStandIn,
                                                        tmp_path: Path) -> None:
    env = env_for(api, tmp_path, REMINDER_HOURS_BEFORE="0")
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    ref = book_for(env["DATABASE_URL"], 8102, "de", start_utc - timedelta(hours=5))
    clock.set_now(start_utc - timedelta(hours=4))  # booked 5 h before: "tomorrow" is wrong
    async with running_front(env) as application:
        assert await send_due_reminders(application) == 0
        with session_scope(make_engine(env["DATABASE_URL"])) as session:
            service.cancel(session, pseudonym(8102), ref, clock.now())
        assert await send_due_reminders(application) == 0
    assert api.sent_texts(8102) == []


def test_an_empty_overview_says_so() -> None:
    assert overview([], "📋 Termine heute") == ["📋 Termine heute\n\nKeine Termine."]


def _group_texts(api: BotApiStandIn) -> list[str]:
    return api.sent_texts(GROUP)


async def test_today_and_week_for_counselors_only(api: BotApiStandIn, tmp_path: Path) -> None:
    env = env_for(api, tmp_path)
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    book_for(env["DATABASE_URL"], 8103, "prs", start_utc - timedelta(days=3))
    clock.set_now(start_utc - timedelta(hours=3))  # the same day, 07:00 Berlin
    async with running_front(env) as application:
        api.push_group_command(GROUP, COUNSELOR, "/today", thread_id=None)
        today = await eventually(lambda: _group_texts(api), "answered /today")
        assert today[0].startswith("📋 Termine heute") and "Frau Amal" in today[0]
        # the same pseudonym as in the person's handoff topic
        assert display_name(pseudonym(8103, "test-secret")) in today[0] and "دری" in today[0]
        assert str(8103) not in today[0]  # pseudonym only, never the Telegram ID
        api.push_group_command(GROUP, COUNSELOR, "/week")
        await eventually(lambda: len(_group_texts(api)) == 2, "answered /week")
        api.push_group_command(GROUP, STRANGER, "/week")  # in the group, not a counselor
        refused = await eventually(
            lambda: [c for c in api.calls_of("sendMessage")
                     if "Nur für registrierte" in str(c.params.get("text"))], "refused")
        assert refused
        assert application is not None


async def test_a_full_week_is_split_into_messages_telegram_accepts(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    """A busy week is longer than one Telegram message (4,096 characters): the overview
    comes in several messages, every booking whole in one of them, none refused."""
    env = env_for(api, tmp_path)
    url = env["DATABASE_URL"]
    upgrade(url)
    engine = make_engine(url)
    counselor = add_counselor(engine, "Frau Amal", "zerbst", "de,ar",
                              telegram_user_id=COUNSELOR)
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    people = range(8200, 8260)  # 60 bookings on Wednesday and Thursday
    slots = [add_slot(engine, counselor, START + timedelta(days=n // 30, minutes=15 * (n % 30)))
             for n in range(len(people))]
    # after the slots: on SQLite a transaction holds the write lock from its start
    with session_scope(engine) as session:
        for user, slot in zip(people, slots, strict=True):
            service.book(session, pseudonym(user), slot, "ar", start_utc - timedelta(days=3))
    engine.dispose()
    names = [display_name(pseudonym(user)) for user in people]
    clock.set_now(start_utc - timedelta(hours=3))
    async with running_front(env):
        api.push_group_command(GROUP, COUNSELOR, "/week")
        parts = await eventually(
            lambda: (texts := _group_texts(api))
            and all(any(name in text for text in texts) for name in names) and texts,
            "sent every booking of the week")
    assert api.refused() == []
    assert len(parts) >= 2 and parts[0].startswith("📋 Termine")
    assert all(len(part) <= 4096 for part in parts)
    assert [sum(part.count(name) for part in parts) for name in names] == [1] * len(names)


@pytest.mark.model
async def test_booking_through_telegram_sends_calendar_and_tells_the_group(
    api: BotApiStandIn, rasa_stack: Settings
) -> None:
    env = {**front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url),
           "COUNSELOR_CHAT_ID": str(GROUP)}
    engine = make_engine(rasa_stack.database_url)
    tomorrow = clock.local(clock.now()).date() + timedelta(days=1)
    counselor = add_counselor(engine, "Herr Telegram", "zerbst", "de,ar,prs")
    add_slot(engine, counselor, datetime.combine(tomorrow, datetime.min.time()).replace(hour=16))
    engine.dispose()
    user = 8104
    async with running_front(env) as application:
        api.push_text(user, "Ich möchte einen Termin in Zerbst morgen", "de")
        seen: set[int] = set()
        for _ in range(6):  # tap through: the first real choice, a slot, yes
            last = await _new_buttons(api, user, seen)
            data = _buttons(last)
            choice = next((d for d in data if d.startswith(("/confirm_booking", "/choose_slot")))
                          , None) or next(d for d in data if d.startswith("/inform")
                                          and '"any"' not in d)
            api.push_tap(user, last, choice, "de")
            if choice.startswith("/confirm_booking"):
                break
        documents = await eventually(lambda: api.calls_of("sendDocument"), "sent the .ics")
        document = documents[0].params["document"]
        assert document["filename"].endswith(".ics")
        event = next(iter(Calendar.from_ical(document["content"]).walk("VEVENT")))
        with session_scope(make_engine(rasa_stack.database_url)) as session:
            [booked] = service.upcoming(session, pseudonym(user), clock.now())
        assert event.decoded("DTSTART") == booked.slot.starts_at
        assert str(event["UID"]).startswith(booked.ref)
        notice = await eventually(lambda: [t for t in _group_texts(api)
                                           if t.startswith("🆕 Neuer Termin")], "told the group")
        assert booked.slot.counselor in notice[0] and str(user) not in notice[0]
        assert application is not None


def _buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def _new_buttons(api: BotApiStandIn, chat_id: int, seen: set[int]) -> Call:
    """The newest message with buttons to ``chat_id`` that the test has not looked at yet."""

    def probe() -> Call | None:
        calls = [c for c in api.sent_messages(chat_id) if _buttons(c) and id(c) not in seen]
        return calls[-1] if calls else None

    call = await eventually(probe, "sent new buttons")
    seen.add(id(call))
    return call


async def test_delete_cancels_appointments_and_tells_the_group(api: BotApiStandIn,
                                                              tmp_path: Path) -> None:
    from bot.privacy import DELETE_YES
    from tests.helpers.db import rows_with

    env = env_for(api, tmp_path)
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    book_for(env["DATABASE_URL"], 8105, "de", start_utc - timedelta(days=3))
    clock.set_now(start_utc - timedelta(days=2))
    async with running_front(env) as application:
        api.push_command(8105, "/delete", "de")
        question = await eventually(lambda: next(
            (c for c in api.sent_messages(8105) if DELETE_YES in _buttons(c)), None), "asked")
        api.push_tap(8105, question, DELETE_YES, "de")
        notice = await eventually(lambda: [t for t in _group_texts(api)
                                           if t.startswith("❌ Termin abgesagt")], "told the group")
        assert "gelöscht" in notice[0] and "Frau Amal" in notice[0]
        await eventually(lambda: len(api.sent_texts(8105)) >= 2, "confirmed the erasure")
        assert application is not None
    engine = make_engine(env["DATABASE_URL"])
    assert rows_with(engine, pseudonym(8105)) == {}
    engine.dispose()
