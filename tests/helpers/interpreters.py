"""Volunteer interpreters as the front's tests see them: who they are, the steps.

The volunteers are not in the counselor group (``MEMBERS`` does not list them); they
talk to the bot in private chats, like any person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from jmd.db.engine import session_scope
from jmd.db.models import Interpreter, InterpreterAssignment, InterpreterOffer
from jmd.identity import pseudonym
from jmd.texts import staff, t
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.handoff import ANNA, GROUP, ask_for_a_person, take_over, thread_of
from tests.test_bot import CODE, buttons, eventually, wait_for_message

# Telegram accounts of the volunteers: two for Dari, two for Arabic.
ALI, ZAHRA, SAMIRA, KARIM = 7101, 7102, 7103, 7104
VOLUNTEERS = {"prs": (ALI, ZAHRA), "ar": (SAMIRA, KARIM)}
NAMES = {ALI: "Ali", ZAHRA: "Zahra", SAMIRA: "Samira", KARIM: "Karim"}
STRANGER = 7199  # writes to the bot privately, in no register


def group_texts(api: BotApiStandIn) -> list[str]:
    return api.sent_texts(GROUP)


async def register_volunteers(api: BotApiStandIn) -> None:
    """Anna registers the four volunteers with the group command; each is greeted."""
    for language, people in VOLUNTEERS.items():
        for user in people:
            api.push_group_text(GROUP, ANNA, f"/dolmetscher_neu {user} {language},de "
                                f"01.11.2026 {NAMES[user]}", None, "Anna")
            await eventually(lambda user=user: [
                text for text in api.sent_texts(user) if text.startswith("👋")], "greeted")
    await eventually(lambda: sum(text.startswith("✅") for text in group_texts(api)) == 4,
                     "confirmed four registrations")


async def person_with_counselor(api: BotApiStandIn, user: int, language: str) -> int:
    """The person asks for a counselor and Anna takes over; returns the topic."""
    card = await ask_for_a_person(api, user, language)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    return thread_of(card)


async def ask_for_interpreter(api: BotApiStandIn, user: int, language: str,
                              thread: int) -> Call:
    """Anna asks for an interpreter in the topic; returns the question to the person."""
    api.push_group_text(GROUP, ANNA, "/dolmetscher", thread, "Anna")
    return await wait_for_message(api, user, t("interpreter_consent", language))


def answer(api: BotApiStandIn, user: int, language: str, question: Call, yes: bool) -> None:
    data = next(d for d in buttons(question) if d.startswith("ip:yes" if yes else "ip:no"))
    api.push_tap(user, question, data, CODE[language])


def offers_to(api: BotApiStandIn, volunteer: int) -> list[Call]:
    """Messages to a volunteer with the "accept" button."""
    return [c for c in api.sent_messages(volunteer)
            if any(d.startswith("ip:acc:") for d in buttons(c))]


def stored_offers(volunteer: int) -> int:
    """How many offers to ``volunteer`` the bot has stored (it stores one after sending it)."""
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(InterpreterOffer).join(
                Interpreter, Interpreter.id == InterpreterOffer.interpreter_id
            ).where(Interpreter.telegram_user_id == volunteer)) or 0


async def offer_to(api: BotApiStandIn, volunteer: int) -> Call:
    """The latest offer ``volunteer`` got, once the bot has also stored it: only a stored
    offer is withdrawn or answered, and a busy machine may run the next step in between."""
    offers = await eventually(lambda: offers_to(api, volunteer), f"asked {volunteer}")
    await eventually(lambda: stored_offers(volunteer) >= len(offers), f"stored {volunteer}'s offer")
    return offers[-1]


def accept(api: BotApiStandIn, volunteer: int, offer: Call) -> None:
    api.push_tap(volunteer, offer, buttons(offer)[0])


def forged_tap(api: BotApiStandIn, user: int, data: str) -> dict[str, Any]:
    """A callback query with ``data`` that no message of the bot offered ``user``."""
    return api.push({"callback_query": {
        "id": f"forged-{user}-{data}", "from": {"id": user, "is_bot": False,
                                                "first_name": "Fremd"},
        "chat_instance": f"ci{user}", "data": data}})


def edits_to(api: BotApiStandIn, chat_id: int) -> list[str]:
    return [str(c.params.get("text")) for c in api.calls_of("editMessageText")
            if int(c.params.get("chat_id") or 0) == chat_id and c.result is not None]


def status_of_request(user: int) -> str | None:
    with session_scope() as session:
        query = select(InterpreterAssignment.status).where(
            InterpreterAssignment.person_key == pseudonym(user))
        return session.scalars(query.order_by(InterpreterAssignment.id.desc())).first()


TAKEN = staff("interpreter.taken")
NOT_INTERPRETER = staff("interpreter.not_interpreter")
