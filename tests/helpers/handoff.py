"""The counselor group as the handoff tests see it: counselors, cards, topics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from jmd.db.engine import session_scope
from jmd.db.models import Counselor, Office
from jmd.handoff import TAKE_PREFIX
from tests.helpers.bot_api import BotApiStandIn, Call

T = TypeVar("T")

GROUP = -1001234567890  # the counselor group (a forum supergroup)
ANNA = 7001  # listed counselor, member of the group
OMID = 7002  # listed counselor, administrator of the group
LEA = 7003  # in COUNSELOR_TELEGRAM_IDS only (not in the table), owner of the group
INTERN = 7004  # member of the group, but not a counselor
FORMER = 7005  # listed counselor who has left the group

MEMBERS = {ANNA: "member", OMID: "administrator", LEA: "creator", INTERN: "member",
           FORMER: "left"}

OFFICE_HOURS = """
offices:
  - id: wittenberg
    name: JMD Wittenberg (Diakonie)
    area: Landkreis Wittenberg
    hours: {mon: "09:00-12:00, 13:00-16:00", tue: "09:00-16:00", fri: "09:00-12:00"}
  - id: dessau-rosslau
    name: JMD Dessau-Roßlau (Diakonie)
    area: Dessau-Roßlau
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
        if session.get(Office, "wittenberg") is None:
            session.add(Office(id="wittenberg", name="JMD Wittenberg (Diakonie)",
                               area="Landkreis Wittenberg"))
            session.flush()
        for name, telegram_id, languages in [("Anna", ANNA, "de,prs"), ("Omid", OMID, "ar,prs"),
                                             ("Frieda", FORMER, "de")]:
            session.add(Counselor(name=name, office_id="wittenberg", languages=languages,
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


def first(items: list[T], predicate: Callable[[T], Any]) -> T | None:
    return next((item for item in items if predicate(item)), None)
