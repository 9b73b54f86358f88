"""The FAQ in the running assistant: every topic in every language, buttons, 👍/👎, fallback."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from jmd.content.answers import ACTION_BUTTONS, render, topics_by_name
from jmd.content.understanding import FAQ_MIN_CONFIDENCE, best_topic, guesses
from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Feedback
from jmd.shared.settings import Settings
from jmd.texts import t
from tests.helpers.conversation import language_slot, new_sender, parse, say
from tests.helpers.domain import response_text

pytestmark = pytest.mark.model

LANGUAGES = ("de", "prs", "ar")
CHOOSE = '/change_language{{"language": "{}"}}'


def feedback_of(settings: Settings, sender: str) -> list[Feedback]:
    with session_scope(make_engine(settings.database_url)) as session:
        rows = session.execute(
            select(Feedback).where(Feedback.person_key == sender).order_by(Feedback.id)
        ).scalars().all()
        session.expunge_all()
        return list(rows)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_topic_answers_in_the_language(rasa_stack: Settings, language: str) -> None:
    """A typical question per topic gets that topic's answer, in the person's language."""
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format(language))
    wrong = []
    for topic in topics_by_name().values():
        question = topic.examples[language][0]
        replies = await say(rasa_stack, sender, question)
        expected = render(topic, language)
        if not replies or replies[0].text != expected.text:
            wrong.append((topic.name, question, replies[0].text[:60] if replies else None))
            continue
        assert [b.payload for b in replies[0].buttons] == [b.payload for b in expected.buttons]
    assert wrong == []
    assert language_slot(rasa_stack, sender) == language


async def test_an_edited_answer_shows_at_once_without_training(rasa_stack: Settings) -> None:
    """An editor saves a new answer text: the running assistant gives it with the next reply."""
    path = rasa_stack.faq_dir / "study.yml"
    original = path.read_text("utf-8")
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("de"))
    first = await say(rasa_stack, sender, '/faq{"faq_topic":"study"}')
    edited = yaml.safe_load(original)
    edited["answer"]["de"] = "Neu geschrieben: Studieren geht mit Studienkolleg."
    edited["link"] = "https://www.anerkennung-in-deutschland.de/"
    try:
        path.write_text(yaml.safe_dump(edited, allow_unicode=True), "utf-8")
        replies = await say(rasa_stack, sender, topics_by_name()["study"].examples["de"][0])
    finally:
        path.write_text(original, "utf-8")
    assert not first[0].text.startswith("Neu geschrieben")
    assert replies[0].text.startswith("Neu geschrieben: Studieren geht mit Studienkolleg.")
    assert "https://www.anerkennung-in-deutschland.de/" in replies[0].text
    restored = await say(rasa_stack, sender, '/faq{"faq_topic":"study"}')
    assert restored[0].text == first[0].text


async def test_topic_button_opens_the_topic(rasa_stack: Settings) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("ar"))
    replies = await say(rasa_stack, sender, '/faq{"faq_topic":"study"}')
    assert replies[0].text == render(topics_by_name()["study"], "ar").text


async def test_thumbs_down_is_stored_with_the_question(rasa_stack: Settings) -> None:
    sender = new_sender()
    topic = topics_by_name()["work_permit"]
    question = topic.examples["prs"][1]
    await say(rasa_stack, sender, CHOOSE.format("prs"))
    replies = await say(rasa_stack, sender, question)
    down = replies[0].buttons[-1]
    assert down.title == "👎"
    replies = await say(rasa_stack, sender, down.payload)
    assert replies[0].text == response_text("utter_feedback_sorry", "prs")
    assert {b.payload for b in replies[0].buttons} == {"/book_appointment", "/human_handoff"}
    (row,) = feedback_of(rasa_stack, sender)
    assert (row.kind, row.topic, row.language, row.text) == (
        "not_helpful", "work_permit", "prs", question
    )


async def test_thumbs_up_is_counted_without_text(rasa_stack: Settings) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, topics_by_name()["study"].examples["de"][0])
    replies = await say(rasa_stack, sender, '/faq_helpful{"faq_topic":"study"}')
    assert replies[0].text == response_text("utter_feedback_thanks", "de")
    (row,) = feedback_of(rasa_stack, sender)
    assert (row.kind, row.topic, row.text) == ("helpful", "study", None)


# Vague one- or two-word messages. Which of them leave a given model unsure changes with
# every training, so each test picks, through Rasa's parse API, the first one the running
# model is unsure about, and checks what the assistant then does.
VAGUE = {
    "de": ["arbeit", "kann ich das", "welche papiere", "anmeldung", "frage wegen arbeit",
           "geht das", "und dann", "papiere", "was muss ich machen", "wie lange",
           "wegen dem brief", "das formular", "wo muss ich hin", "was kostet das",
           "brauche ich das"],
    "prs": ["کار", "شغل", "ثبت نام", "ورق", "چی کنم", "چقدر وقت", "کجا بروم", "کاغذ",
            "چطور", "بعدش چی"],
    "ar": ["شغل", "عمل", "تسجيل", "ورق", "شو لازم", "كم مدة", "وين", "بعدين شو", "كيف",
           "شو اعمل"],
}


def unsure(data: dict[str, Any]) -> bool:
    """Whether the assistant will fall back with suggestions for this parse result."""
    intent = (data.get("intent") or {}).get("name")
    best = best_topic(data)
    vague_faq = intent == "faq" and (best is None or best.score < FAQ_MIN_CONFIDENCE)
    return (intent == "nlu_fallback" or vague_faq) and bool(guesses(data))


def vague_messages(settings: Settings, language: str, topic_first: bool = False) -> list[str]:
    found = [
        text for text in VAGUE[language]
        if unsure(data := parse(settings, text))
        and (not topic_first or guesses(data)[0].topic is not None)
    ]
    assert found, f"no message in VAGUE[{language!r}] leaves the model unsure: add vaguer ones"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_two_stage_fallback(rasa_stack: Settings, language: str) -> None:
    sender = new_sender()
    message = vague_messages(rasa_stack, language)[0]
    await say(rasa_stack, sender, CHOOSE.format(language))
    replies = await say(rasa_stack, sender, message)
    # stage 1: "Did you mean …?" with readable topic names in the person's language
    assert replies[0].text == response_text("utter_did_you_mean", language)
    titles = [b.title for b in replies[0].buttons]
    assert 2 <= len(titles) <= 4
    assert titles[-1] == t("none_of_these", language)
    readable = {f"💡 {t.title[language]}" for t in topics_by_name().values()} | {
        t(action, language) for action in ACTION_BUTTONS
    }
    assert set(titles[:-1]) <= readable  # topic names or actions, in the person's language
    # the question is kept for the editors, with the best guess, without any ID
    (row,) = feedback_of(rasa_stack, sender)
    assert (row.kind, row.text, row.language) == ("unanswered", message, language)
    assert row.topic is None or row.topic in topics_by_name()
    # stage 2: none of these → book an appointment or talk to a person
    replies = await say(rasa_stack, sender, replies[0].buttons[-1].payload)
    assert replies[0].text == response_text("utter_default", language)
    assert {b.payload for b in replies[0].buttons} == {"/book_appointment", "/human_handoff"}


async def test_a_suggested_topic_answers_it(rasa_stack: Settings) -> None:
    sender = new_sender()
    replies = await say(rasa_stack, sender, vague_messages(rasa_stack, "de", topic_first=True)[0])
    first = replies[0].buttons[0]
    assert first.payload.startswith("/faq{")
    replies = await say(rasa_stack, sender, first.payload)
    (topic,) = [t for t in topics_by_name().values() if first.title == f"💡 {t.title['de']}"]
    assert replies[0].text == render(topic, "de").text


async def test_second_unclear_message_goes_straight_to_stage_two(rasa_stack: Settings) -> None:
    sender = new_sender()
    first, second = vague_messages(rasa_stack, "de")[:2]
    await say(rasa_stack, sender, first)
    replies = await say(rasa_stack, sender, second)
    assert replies[0].text == response_text("utter_default", "de")
    assert [row.kind for row in feedback_of(rasa_stack, sender)] == ["unanswered"] * 2


@pytest.mark.parametrize(
    ("language", "question", "topic"),
    [
        ("ar", "shu ya3ni ausbildung", "ausbildung_info"),
        ("prs", "ausbildung chist", "ausbildung_info"),
    ],
)
async def test_a_latin_script_question_gets_the_topic_in_dari_or_arabic(
    rasa_stack: Settings, language: str, question: str, topic: str
) -> None:
    """Finglish and Arabizi: the answer comes in the language the person wrote in."""
    sender = new_sender()
    replies = await say(rasa_stack, sender, question)
    assert replies and replies[0].text == render(topics_by_name()[topic], language).text
    assert language_slot(rasa_stack, sender) == language
