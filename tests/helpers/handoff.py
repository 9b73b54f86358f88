"""The counselor group as the handoff tests see it: counselors, cards, topics, steps.

The fixtures (``api``, ``rasa``, ``env``, ``front``, ``front_with_hours``) are in
tests/helpers/handoff_fixtures.py, a plugin the handoff test modules load.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.formatting import to_html
from jmd import clock
from jmd.db.engine import session_scope
from jmd.db.models import Counselor, Handoff, Office
from jmd.handoff.cards import TAKE_PREFIX
from jmd.identity import pseudonym
from jmd.texts import staff
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.fake_rasa import echo
from tests.test_bot import CODE, eventually, front_env

GROUP = -1001234567890  # the counselor group (a forum supergroup)
ANNA = 7001  # listed counselor, member of the group
OMID = 7002  # listed counselor, administrator of the group
LEA = 7003  # in COUNSELOR_TELEGRAM_IDS only (not in the table), owner of the group
INTERN = 7004  # member of the group, but not a counselor
FORMER = 7005  # listed counselor who has left the group

MEMBERS = {ANNA: "member", OMID: "administrator", LEA: "creator", INTERN: "member",
           FORMER: "left"}

BOOK = "/book_appointment"
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=clock.BERLIN)  # offices open
SATURDAY_11 = datetime(2026, 12, 5, 11, 0, tzinfo=clock.BERLIN)  # closed

# What the counselor group reads (content/texts/handoff.yml); templates keep {name}.
NOT_COUNSELOR = staff("handoff.not_counselor")
TAKEN_BY_YOU = staff("handoff.taken_by_you")
ALREADY_TAKEN = staff("handoff.already_taken")
NO_CONVERSATION = staff("handoff.no_conversation")
DONE_NOTE = staff("handoff.done_note")
NOT_FORWARDED_OPEN = staff("handoff.not_forwarded_open")
NOT_FORWARDED_CLOSED = staff("handoff.not_forwarded_closed")
ERASED_NOTE = staff("handoff.erased_note")
CARD_URGENT = staff("handoff.card.urgent")

OFFICE_HOURS = """
offices:
  - id: zerbst
    organisation: jmd
    name: JMD Zerbst
    area: Zerbst und Umgebung
    source: https://www.example.org/jmd-zerbst
    hours: {mon: "09:00-12:00, 13:00-16:00", tue: "09:00-16:00", fri: "09:00-12:00"}
  - id: bitterfeld-wolfen
    organisation: jmd
    name: JMD Bitterfeld-Wolfen
    area: Bitterfeld-Wolfen und Umgebung
    source: https://www.example.org/jmd-bitterfeld-wolfen
    hours: {mon: "11:00-14:00", thu: "10:00-18:00"}
"""


def write_offices(directory: Path, body: str = OFFICE_HOURS) -> Path:
    path = directory / "offices.yml"
    path.write_text(body, encoding="utf-8")
    return path


def register_counselors() -> None:
    """Anna (de, prs), Omid (ar, prs) and Frieda (left the group) in the counselor table."""
    with session_scope() as session:
        if session.execute(select(Counselor.id).where(Counselor.telegram_user_id == ANNA)).first():
            return  # a shared database (the Rasa stack's) has them already
        if session.get(Office, "zerbst") is None:
            session.add(Office(id="zerbst", name="JMD Zerbst",
                               area="Zerbst und Umgebung"))
            session.flush()
        for name, telegram_id, languages in [("Anna", ANNA, "de,prs"), ("Omid", OMID, "ar,prs"),
                                             ("Frieda", FORMER, "de")]:
            session.add(Counselor(name=name, office_id="zerbst", languages=languages,
                                  telegram_user_id=telegram_id, active=True, is_demo=False))


def group_sends(api: BotApiStandIn) -> list[Call]:
    return [c for c in api.calls_of("sendMessage")
            if int(c.params.get("chat_id", 0)) == GROUP and c.result is not None]


def cards(api: BotApiStandIn) -> list[Call]:
    """Cards posted in the counselor group (messages with the "Übernehmen" button)."""
    return [c for c in group_sends(api) if take_button(c)]


def take_button(call: Call) -> str | None:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    data = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    return next((d for d in data if d.startswith(TAKE_PREFIX)), None)


def notes_in(api: BotApiStandIn, thread: int) -> list[str]:
    return [str(c.params["text"]) for c in api.in_topic(thread)]


def first[T](items: list[T], predicate: Callable[[T], Any]) -> T | None:
    return next((item for item in items if predicate(item)), None)


def handoff_env(api: BotApiStandIn, var_dir: Path, database_url: str, rasa_url: str,
                **extra: str) -> dict[str, str]:
    return {
        **front_env(api, var_dir, database_url, rasa_url),
        "COUNSELOR_CHAT_ID": str(GROUP),
        "COUNSELOR_TELEGRAM_IDS": f"{LEA}, 99999",
        "HANDOFF_TIMEOUT_MINUTES": "15",
        "HANDOFF_CHECK_SECONDS": "3600",  # the tests call check_timeouts themselves
        # Some tests travel months back in time; the front's retention run at start (real
        # clock) must not delete the persons they create there.
        "RETENTION_DAYS": "3650",
        **extra,
    }


# -- steps ---------------------------------------------------------------------------------


async def ask_for_a_person(api: BotApiStandIn, user: int, language: str,
                           how: str = "/human") -> Call:
    """The person asks; returns the card that appears in the counselor group."""
    before = len(cards(api))
    if how.startswith("/"):
        api.push_command(user, how, CODE[language])
    else:
        api.push_text(user, how, CODE[language])
    await eventually(lambda: len(cards(api)) > before, "posted a card")
    return cards(api)[-1]


def thread_of(card: Call) -> int:
    return int(card.params["message_thread_id"])


async def take_over(api: BotApiStandIn, card: Call, counselor: int = ANNA,
                    name: str = "Anna") -> None:
    data = take_button(card)
    assert data
    api.push_group_tap(counselor, card, data, first_name=name)


def handoff_of(user: int) -> Handoff | None:
    with session_scope() as session:
        query = select(Handoff).where(Handoff.person_key == pseudonym(user))
        return session.execute(query.order_by(Handoff.id.desc())).scalars().first()


def answered(message: str, language: str) -> str:
    """What the front sends for the stand-in Rasa's echo of ``message``."""
    return to_html(echo(message), language)


def copied(api: BotApiStandIn, to: int, source: int, message_id: int) -> Call | None:
    return next((c for c in api.copies_to(to) if int(c.params["from_chat_id"]) == source
                 and int(c.params["message_id"]) == message_id), None)


def photo_update(api: BotApiStandIn, user: int, language: str) -> dict[str, Any]:
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}]
    return api.push({"message": {**api.message_base(user, CODE[language]), "photo": photo}})
