"""Routing by age and need through the Telegram front (Bot API stand-in, real Rasa model,
action server and database), in every language: a 30-year-old who asks for an appointment
is sent to the MBE — its counselors' free times when there are any, else its description and
contact — and "who helps me with Bürgergeld?" is answered with the Jobcenter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from jmd import clock
from jmd.booking import free, service
from jmd.content.organisations import organisation
from jmd.db import make_engine, session_scope
from jmd.db.models import Counselor, Person
from jmd.identity import pseudonym
from jmd.shared.settings import Settings
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.test_bot import eventually, front_env, running_front

pytestmark = pytest.mark.model

TELEGRAM_CODE = {"de": "de", "prs": "fa", "ar": "ar"}
# asking for an appointment, then telling one's age in words (not the button)
REQUEST = {"de": "ich brauche einen termin bei der beratung",
           "prs": "میخایم یک وقت با مشاور بگیرم",
           "ar": "بدي احجز موعد مع مستشار"}
# ("۳۰ سالمه" alone is read as Arabic by the language detection: the band is right, the
# chat would switch to Arabic; jmd.content.routing's tests cover the mapping)
AGE = {"de": "ich bin 30", "prs": "مه ۳۰ ساله استم", "ar": "عمري 30"}
ADULT = '/inform{"booking_age_band":"27+"}'
BUERGERGELD = {
    "de": ["Wer hilft mir beim Bürgergeld?", "wo kann ich bürgergeld beantragen"],
    "prs": ["کی در بورگرگلد کمکم میکنه؟", "بورگرگلد از کجا بگیرم"],
    "ar": ["مين بساعدني بالبورغرغيلد؟", "شلون أطلب بورغرغيلد"],
}
_users = iter(range(8600, 8700))


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


def _start(day: int, hour: int) -> datetime:
    tomorrow = clock.local(clock.now()).date() + timedelta(days=day)
    return datetime.combine(tomorrow, datetime.min.time()).replace(hour=hour)


@pytest.fixture(scope="module")
def jmd_slots(rasa_stack: Settings) -> None:
    """A JMD counselor with free times: booking is open, but not for the MBE's age group."""
    engine = make_engine(rasa_stack.database_url)
    counselor = add_counselor(engine, "Frau Jung", "zerbst", "de,ar,prs")
    for day in (1, 2):
        add_slot(engine, counselor, _start(day, 10))
    engine.dispose()


@pytest.fixture(scope="module")
def mbe_counselor(rasa_stack: Settings) -> Iterator[str]:
    """An MBE counselor with free times (taken out again afterwards: the stack is shared)."""
    engine = make_engine(rasa_stack.database_url)
    counselor = add_counselor(engine, "Herr Erwachsen", "koethen", "de,ar,prs",
                              organisation="mbe")
    for day in (1, 2, 3):
        for hour in (15, 16):
            add_slot(engine, counselor, _start(day, hour))
    yield "Herr Erwachsen"
    with session_scope(engine) as session:
        session.execute(update(Counselor).where(Counselor.id == counselor).values(active=False))
    engine.dispose()


def _buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def _message_with(api: BotApiStandIn, user: int, start: str) -> Call:
    """The newest message to ``user`` with a button whose payload starts with ``start``."""
    def probe() -> Call | None:
        found = [c for c in api.sent_messages(user)
                 if any(b.startswith(start) for b in _buttons(c))]
        return found[-1] if found else None

    return await eventually(probe, f"sent a button {start}")


def _band_of(settings: Settings, user: int) -> str | None:
    with session_scope(make_engine(settings.database_url)) as session:
        return session.execute(select(Person.age_band).where(
            Person.key == pseudonym(user))).scalar_one_or_none()


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_a_30_year_old_without_mbe_counselors_gets_the_mbe_contact(
    api: BotApiStandIn, rasa_stack: Settings, jmd_slots: None, language: str
) -> None:
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    mbe = organisation("mbe")
    assert mbe is not None
    user = next(_users)
    async with running_front(env):
        api.push_text(user, REQUEST[language], TELEGRAM_CODE[language])
        await _message_with(api, user, ADULT)  # the age band is asked first
        api.push_text(user, AGE[language], TELEGRAM_CODE[language])
        texts = await eventually(lambda: [t for t in api.sent_texts(user)
                                          if mbe.does[language] in t], "described the MBE")
        assert mbe.name in texts[-1] and mbe.contact["website"] in texts[-1]
        assert "PLATZHALTER" not in texts[-1]
        assert not any(b.startswith("/choose_slot") for c in api.sent_messages(user)
                       for b in _buttons(c))  # no JMD times for a 30-year-old
        assert _band_of(rasa_stack, user) == "27+"  # the band only, not "30"
        api.push_text(user, REQUEST[language], TELEGRAM_CODE[language])  # again: not asked
        await eventually(lambda: len([t for t in api.sent_texts(user)
                                      if mbe.does[language] in t]) == 2, "described it again")
        asked = [c for c in api.sent_messages(user) if ADULT in _buttons(c)]
        assert len(asked) == 1


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_a_30_year_old_books_with_an_mbe_counselor(
    api: BotApiStandIn, rasa_stack: Settings, jmd_slots: None, mbe_counselor: str,
    language: str,
) -> None:
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    user = next(_users)
    code = TELEGRAM_CODE[language]
    async with running_front(env):
        api.push_text(user, REQUEST[language], code)
        asked = await _message_with(api, user, ADULT)
        api.push_tap(user, asked, ADULT, code)  # the button this time
        seen: set[int] = {id(asked)}
        for _ in range(5):  # the remaining questions: first real choice, until the slots
            def fresh() -> Call | None:
                found = [c for c in api.sent_messages(user) if id(c) not in seen
                         and any(b.startswith(("/inform", "/choose_slot")) for b in _buttons(c))]
                return found[-1] if found else None

            last = await eventually(fresh, "asked or offered slots")
            seen.add(id(last))
            data = _buttons(last)
            if any(b.startswith("/choose_slot") for b in data):
                break
            api.push_tap(user, last, next(b for b in data if b.startswith("/inform")
                                          and '"any"' not in b), code)
        refs = [json.loads(b.removeprefix("/choose_slot"))["slot_ref"]
                for b in data if b.startswith("/choose_slot")]
        assert refs
        with session_scope(make_engine(rasa_stack.database_url)) as session:
            offered = [free.slot_by_ref(session, ref) for ref in refs]
        assert {s.counselor for s in offered if s} == {mbe_counselor}  # MBE times only
        api.push_tap(user, last, next(b for b in data if b.startswith("/choose_slot")), code)
        summary = await _message_with(api, user, "/confirm_booking")
        api.push_tap(user, summary, _buttons(summary)[0], code)
        await eventually(lambda: api.calls_of("sendDocument"), "sent the .ics")
    with session_scope(make_engine(rasa_stack.database_url)) as session:
        [booked] = service.upcoming(session, pseudonym(user), clock.now())
    assert booked.slot.counselor == mbe_counselor
    assert _band_of(rasa_stack, user) == "27+"


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_who_helps_with_buergergeld_is_the_jobcenter(
    api: BotApiStandIn, rasa_stack: Settings, language: str
) -> None:
    env = front_env(api, rasa_stack.var_dir, rasa_stack.database_url, rasa_stack.rasa_url)
    jobcenter = organisation("jobcenter")
    assert jobcenter is not None
    async with running_front(env):
        for question in BUERGERGELD[language]:
            user = next(_users)
            api.push_text(user, question, TELEGRAM_CODE[language])
            texts = await eventually(lambda u=user: api.sent_texts(u), "answered")
            assert jobcenter.name in texts[0], (question, texts)
            assert jobcenter.does[language] in texts[0]
            assert "PLATZHALTER" not in texts[0]
