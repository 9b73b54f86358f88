"""bot.partners: warm referral and joint appointments through the Bot API stand-in.

In each language: a JMD counselor refers a person to the Jobcenter → the person says yes →
the partner's card appears and a Jobcenter counselor takes over; the person says no →
nothing reaches the partner; a joint appointment (JMD + Jobcenter) is offered, booked,
listed for both counselors and cancelled (both told).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select
from telegram.ext import Application

from bot.privacy import DELETE_YES
from jmd import clock
from jmd.booking import service
from jmd.booking.joint import joint_times
from jmd.booking.seed import sync_offices
from jmd.db.engine import get_engine, session_scope
from jmd.db.models import Counselor, Referral
from jmd.identity import pseudonym
from jmd.texts import staff, t
from tests.helpers.booking import add_slot
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.db import rows_with
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.handoff import (
    ANNA,
    GROUP,
    INTERN,
    OMID,
    ask_for_a_person,
    handoff_of,
    notes_in,
    register_counselors,
    take_over,
    thread_of,
)
from tests.test_bot import CODE, eventually, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]

LANGUAGES = ["de", "prs", "ar"]
JONAS = 7010  # a counselor of the Jobcenter, member of the group
NOTE = "Braucht Hilfe beim Bürgergeld-Antrag"


def register_partners() -> int:
    """JMD counselors (tests.helpers.handoff) and Jonas of the Jobcenter; Jonas's id."""
    with session_scope() as session:
        sync_offices(session)  # organisations, and the offices belong to the JMD
    register_counselors()
    with session_scope() as session:
        jonas = Counselor(name="Jonas", office_id="zerbst", organisation_id="jobcenter",
                          languages="de", telegram_user_id=JONAS, active=True, is_demo=False)
        session.add(jonas)
        session.flush()
        return int(jonas.id)


@pytest.fixture
async def partners(front: Application, api: BotApiStandIn) -> int:
    api.members[JONAS] = "member"
    return register_partners()


def buttons_of(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def with_button(calls: list[Call], prefix: str) -> Call | None:
    return next((c for c in reversed(calls) if any(d.startswith(prefix) for d in buttons_of(c))),
                None)


def data_of(call: Call, prefix: str) -> str:
    return next(d for d in buttons_of(call) if d.startswith(prefix))


async def refer(api: BotApiStandIn, user: int, language: str, target: str) -> tuple[int, Call]:
    """A person's chat with Anna (JMD); Anna refers them to ``target`` with NOTE.

    Returns the person's topic and the question the person got."""
    card = await ask_for_a_person(api, user, language)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    thread = thread_of(card)
    api.push_group_text(GROUP, ANNA, "/verweisen", thread, first_name="Anna")
    choice = await eventually(lambda: with_button(api.in_topic(thread), "rf:o:"),
                              "offered the targets")
    assert "rf:o:jmd" not in buttons_of(choice), "never the counselor's own organisation"
    api.push_group_tap(ANNA, choice, target, first_name="Anna")
    await eventually(lambda: any(n.startswith("✍️") for n in notes_in(api, thread)),
                     "asked for the note")
    api.push_group_text(GROUP, ANNA, NOTE, thread, first_name="Anna")
    ask = await eventually(lambda: with_button(api.sent_messages(user), "rf:a:"),
                           "asked the person")
    return thread, ask


def group_topics_except(api: BotApiStandIn, thread: int) -> list[Call]:
    """What went into the group outside the person's own topic (cards, partner topics)."""
    created = [c for c in api.calls_of("createForumTopic")
               if (c.result or {}).get("message_thread_id") != thread]
    return created + [c for c in api.calls if c.method in {"sendMessage", "copyMessage"}
                      and int(c.params.get("chat_id", 0)) == GROUP
                      and c.params.get("message_thread_id") not in (thread, None)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_consent_yes_the_partner_gets_a_card_and_takes_over(
    partners: int, api: BotApiStandIn, language: str
) -> None:
    user = 8300 + LANGUAGES.index(language)
    thread, ask = await refer(api, user, language, "rf:o:jobcenter")
    asked = str(ask.params["text"])
    assert NOTE in asked and "Jobcenter" in asked
    assert asked.startswith(t("referral_ask", language).split("{")[0])
    assert not api.copies_to(user), "the note is not passed on as a message"
    topics_before = len(api.calls_of("createForumTopic"))

    api.push_tap(user, ask, data_of(ask, "rf:a:") .rsplit(":", 1)[0] + ":y", CODE[language])
    await wait_for_message(api, user, t("referral_passed", language,
                                        organisation="Jobcenter Anhalt-Bitterfeld"))
    card = await eventually(lambda: with_button(api.calls_of("sendMessage"), "rf:t:"),
                            "posted the partner's card")
    assert len(api.calls_of("createForumTopic")) == topics_before + 1, "a topic per referral"
    assert card.params["message_thread_id"] != thread
    text = str(card.params["text"])
    assert NOTE in text and "Jobcenter Anhalt-Bitterfeld" in text
    assert staff("partners.card.no_chat") in text and "t.me/c/" not in text

    take = data_of(card, "rf:t:")
    api.push_group_tap(INTERN, card, take)  # not a counselor
    api.push_group_tap(OMID, card, take, first_name="Omid")  # a counselor, but of the JMD
    await eventually(lambda: staff("handoff.not_counselor") in api.answers()
                     and any(a.startswith("Das dürfen nur eingetragene Beraterinnen und Berater "
                                          "von Jobcenter") for a in api.answers()),
                     "refused both")
    api.push_group_tap(JONAS, card, take, first_name="Jonas")
    await wait_for_message(api, user, t("referral_taken", language, name="Jonas",
                                        organisation="Jobcenter Anhalt-Bitterfeld"))
    handoff = handoff_of(user)
    assert handoff is not None and handoff.counselor_telegram_id == JONAS
    api.push_group_tap(ANNA, card, take, first_name="Anna")  # too late, and not theirs
    sent = api.push_group_text(GROUP, JONAS, "Hallo, hier ist Jonas vom Jobcenter.", thread,
                               first_name="Jonas")
    await eventually(lambda: any(int(c.params["message_id"]) == sent["message"]["message_id"]
                                 for c in api.copies_to(user)), "Jonas writes with the person")
    with session_scope() as session:
        row = session.scalars(select(Referral)).one()
        assert (row.consent, row.from_organisation_id, row.to_organisation_id,
                row.taken_by_telegram_id) == ("yes", "jmd", "jobcenter", JONAS)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_consent_no_nothing_reaches_the_partner(
    partners: int, api: BotApiStandIn, language: str
) -> None:
    user = 8310 + LANGUAGES.index(language)
    thread, ask = await refer(api, user, language, f"rf:c:{partners}")  # colleague Jonas
    assert "Jonas" in str(ask.params["text"])
    # someone else taps the person's buttons (forged): nothing happens
    api.push({"callback_query": {
        "id": "forged", "from": {"id": 9999, "is_bot": False, "first_name": "X"},
        "chat_instance": "x", "data": data_of(ask, "rf:a:").rsplit(":", 1)[0] + ":y",
        "message": ask.result}})
    await eventually(lambda: t("referral_expired", "de") in api.answers(), "refused")

    api.push_tap(user, ask, data_of(ask, "rf:a:").rsplit(":", 1)[0] + ":n", CODE[language])
    await wait_for_message(api, user, t("referral_not_passed", language))
    await eventually(lambda: any(n.startswith("❌") for n in notes_in(api, thread)),
                     "told the referring counselor")
    assert group_topics_except(api, thread) == [], "nothing went to the partner"
    assert with_button(api.calls_of("sendMessage"), "rf:t:") is None
    with session_scope() as session:
        row = session.scalars(select(Referral)).one()
        assert (row.consent, row.to_counselor_id, row.card_thread_id) == ("no", partners, None)


async def week_for(api: BotApiStandIn, counselor: int) -> str:
    """What /week shows ``counselor`` in the group."""
    before = len(api.sent_texts(GROUP))
    api.push_group_command(GROUP, counselor, "/week")
    texts = await eventually(lambda: api.sent_texts(GROUP)[before:] or None, "listed")
    return "\n".join(texts)


def in_days(days: int, hour: int) -> datetime:
    day = (clock.local(clock.now()) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.BERLIN)


def anna_id() -> int:
    with session_scope() as session:
        return int(session.scalars(select(Counselor.id).where(
            Counselor.telegram_user_id == ANNA)).one())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_joint_appointment_is_booked_listed_for_both_and_cancelled(
    partners: int, api: BotApiStandIn, language: str
) -> None:
    user = 8320 + LANGUAGES.index(language)
    together, alone = in_days(2, 10), in_days(2, 14)
    jonas_slot = add_slot(None, partners, together)
    anna_slot = add_slot(None, anna_id(), together)
    add_slot(None, partners, alone)  # only Jonas is free then: not offered
    _, ask = await refer(api, user, language, "rf:o:jobcenter")
    api.push_tap(user, ask, data_of(ask, "rf:a:").rsplit(":", 1)[0] + ":c", CODE[language])
    card = await eventually(lambda: with_button(api.calls_of("sendMessage"), "rf:t:"),
                            "posted the partner's card")
    assert "t.me/c/" in str(card.params["text"]), "the person agreed to show the chat"

    api.push_group_tap(JONAS, card, data_of(card, "jt:o:"), first_name="Jonas")
    offer = await eventually(lambda: with_button(api.sent_messages(user), "jt:p:"),
                             "offered joint times")
    assert buttons_of(offer) == [f"{data_of(card, 'jt:o:').replace('jt:o:', 'jt:p:')}:"
                                 f"{jonas_slot}:{anna_slot}"]
    api.push_tap(user, offer, buttons_of(offer)[0], CODE[language])
    booked = await eventually(lambda: with_button(api.sent_messages(user), "jt:c:"),
                              "confirmed the booking")
    for word in ("Jonas", "Anna", "Jobcenter Anhalt-Bitterfeld", "Jugendmigrationsdienst"):
        assert word in str(booked.params["text"])
    document = await eventually(lambda: next((c for c in api.calls_of("sendDocument")
                                              if int(c.params["chat_id"]) == user), None),
                                "sent the calendar file")
    event = Calendar.from_ical(document.params["document"]["content"]).walk("VEVENT")[0]
    assert "Jobcenter" in str(event["summary"]) and "JMD" in str(event["summary"])
    assert "Jonas" in str(event["description"]) and "Anna" in str(event["description"])
    told = await eventually(lambda: [c for c in api.calls_of("sendMessage")
                                     if str(c.params.get("text", "")).startswith("👥 Gemeinsamer")],
                            "told both counselors")
    assert f"tg://user?id={ANNA}" in told[0].params["text"]
    assert f"tg://user?id={JONAS}" in told[0].params["text"]

    for who in (ANNA, JONAS):  # the overview of either names both
        listed = await week_for(api, who)
        assert "Jonas" in listed and "gemeinsam mit Anna" in listed, who

    api.push_tap(user, booked, data_of(booked, "jt:c:"), CODE[language])
    await eventually(lambda: any(text.startswith(t("joint_cancelled", language).split("{")[0])
                                 for text in api.sent_texts(user)), "told the person")
    cancelled = await eventually(lambda: [c for c in api.calls_of("sendMessage") if str(
        c.params.get("text", "")).startswith("❌ Gemeinsamer")], "told both counselors")
    text: Any = cancelled[0].params["text"]
    assert f"tg://user?id={ANNA}" in text and f"tg://user?id={JONAS}" in text
    with session_scope() as session:
        assert joint_times(session, partners, anna_id(), clock.now()), "both free again"


async def agreed_joint(api: BotApiStandIn, partners: int, user: int,
                       language: str) -> tuple[Call, Call]:
    """A referral the person agreed to, and a joint appointment booked from it: the card
    and the confirmation."""
    start = in_days(3, 9)
    jonas_slot, anna_slot = add_slot(None, partners, start), add_slot(None, anna_id(), start)
    _, ask = await refer(api, user, language, "rf:o:jobcenter")
    api.push_tap(user, ask, data_of(ask, "rf:a:").rsplit(":", 1)[0] + ":y", CODE[language])
    card = await eventually(lambda: with_button(api.calls_of("sendMessage"), "rf:t:"),
                            "posted the partner's card")
    api.push_group_tap(JONAS, card, data_of(card, "jt:o:"), first_name="Jonas")
    offer = await eventually(lambda: with_button(api.sent_messages(user), "jt:p:"),
                             "offered joint times")
    assert buttons_of(offer)[0].endswith(f"{jonas_slot}:{anna_slot}")
    api.push_tap(user, offer, buttons_of(offer)[0], CODE[language])
    booked = await eventually(lambda: with_button(api.sent_messages(user), "jt:c:"),
                              "confirmed the booking")
    return card, booked


async def test_cancelled_through_appointments_both_are_told(
    partners: int, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    """/appointments (Rasa's action) cancels the booking; the front tells both."""
    user = 8330
    await agreed_joint(api, partners, user, "de")
    with session_scope() as session:
        [booking] = service.upcoming(session, pseudonym(user), clock.now())
        service.cancel(session, pseudonym(user), booking.ref, clock.now())
    rasa.scripted["Termin absagen"] = [
        {"custom": {"staff": {"event": "cancelled", "booking_ref": booking.ref}}}]
    api.push_command(user, "/bot", "de")  # back from Anna to the assistant
    await wait_for_message(api, user, t("handoff_back", "de"))
    api.push_text(user, "Termin absagen", "de")
    told = await eventually(lambda: [c for c in api.calls_of("sendMessage") if str(
        c.params.get("text", "")).startswith("❌ Gemeinsamer")], "told both counselors")
    assert f"tg://user?id={ANNA}" in told[0].params["text"]
    assert f"tg://user?id={JONAS}" in told[0].params["text"]


async def test_delete_erases_referrals_and_their_topics(
    partners: int, api: BotApiStandIn
) -> None:
    user = 8340
    card, _ = await agreed_joint(api, partners, user, "ar")
    api.push_command(user, "/delete", "ar")
    question = await wait_for_message(api, user, t("delete_confirm", "ar"))
    api.push_tap(user, question, DELETE_YES, "ar")
    await wait_for_message(api, user, t("deleted", "ar"))
    told = [c for c in api.sent_messages(GROUP) if str(c.params["text"]).startswith(
        "❌ Gemeinsamer") and c.params.get("message_thread_id") is None]
    assert len(told) == 1 and f"tg://user?id={JONAS}" in told[0].params["text"]
    assert int(card.params["message_thread_id"]) in api.deleted_topics
    assert rows_with(get_engine(), pseudonym(user)) == {}


async def test_strangers_and_forged_targets_are_refused(
    partners: int, api: BotApiStandIn
) -> None:
    user = 8350
    card = await ask_for_a_person(api, user, "de")
    thread = thread_of(card)
    api.push_group_text(GROUP, INTERN, "/verweisen", thread)
    await eventually(lambda: staff("handoff.not_counselor") in notes_in(api, thread),
                     "refused a non-counselor")
    api.push_group_text(GROUP, ANNA, "/verweisen", thread, first_name="Anna")
    choice = await eventually(lambda: with_button(api.in_topic(thread), "rf:o:"),
                              "offered the targets")
    for forged in ("rf:o:jmd", "rf:c:999999"):  # her own organisation; nobody
        api.push({"callback_query": {
            "id": forged, "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"},
            "chat_instance": "ci-group", "data": forged, "message": choice.result}})
    await eventually(lambda: api.answers().count(staff("partners.invalid")) == 2,
                     "refused both")
    api.push_group_tap(INTERN, choice, "rf:o:mbe")
    await eventually(lambda: staff("handoff.not_counselor") in api.answers(), "refused")
    with session_scope() as session:
        assert session.scalars(select(Referral)).all() == [], "no referral began"


async def test_figures_count_referrals_and_joint_appointments_without_personal_data(
    partners: int, api: BotApiStandIn
) -> None:
    user = 8360
    await agreed_joint(api, partners, user, "prs")
    api.push_group_command(GROUP, INTERN, "/zahlen")
    await eventually(lambda: staff("booking.counselors_only") in api.sent_texts(GROUP),
                     "refused a non-counselor")
    assert not api.calls_of("sendDocument") or all(
        int(c.params["chat_id"]) != GROUP for c in api.calls_of("sendDocument"))

    api.push_group_command(GROUP, JONAS, "/zahlen")
    document = await eventually(lambda: next((c for c in api.calls_of("sendDocument")
                                              if int(c.params["chat_id"]) == GROUP), None),
                                "sent the CSV")
    year = clock.local(clock.now()).year
    assert document.params["document"]["filename"] == f"partnerzahlen-{year}.csv"
    table = document.params["document"]["content"].decode("utf-8").splitlines()
    assert table[0].startswith("Monat;Organisation;Verweisungen gestellt")
    totals: dict[str, list[int]] = {}  # the referral and the appointment may fall in two months
    for line in table[1:]:
        _month, name, *numbers = line.split(";")
        totals[name] = [a + int(b) for a, b in zip(totals.get(name, [0] * 5), numbers,
                                                   strict=True)]
    joint = int(in_days(3, 9).year == year)  # agreed_joint's appointment, in this year?
    # referred, received, agreed, declined, joint
    assert totals["Jobcenter Anhalt-Bitterfeld"] == [0, 1, 1, 0, joint]
    assert totals["Jugendmigrationsdienst (JMD)"] == [1, 0, 0, 0, joint]
    summary = next(text for text in api.sent_texts(GROUP) if text.startswith("📊"))
    for private in (NOTE, "Anna", "Jonas", pseudonym(user)[-6:].upper()):
        assert private not in summary and private not in "\n".join(table)

    api.push_group_command(GROUP, JONAS, "/zahlen 1999")
    await eventually(lambda: staff("partners.figures_usage") in api.sent_texts(GROUP),
                     "explained the command")
