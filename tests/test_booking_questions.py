"""The booking questions' table (jmd.booking.questions) and domain.yml say the same."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml

from jmd.booking import dialogue
from jmd.booking.questions import AGE, DAY, LANGUAGE, MODE, OFFICE, QUESTIONS, SLOTS, Question
from jmd.booking.service import ANY, Preferences
from jmd.booking.vocabulary import vocabulary
from jmd.content.offices import load_offices
from jmd.db import make_engine, session_scope
from jmd.shared.languages import registry
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.booking import add_counselor, add_slot

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text("utf-8"))
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_the_form_asks_the_table_in_order() -> None:
    assert DOMAIN["forms"]["booking_form"]["required_slots"] == list(SLOTS)
    assert len(set(SLOTS)) == len(SLOTS)


@pytest.mark.parametrize("question", QUESTIONS, ids=SLOTS)
def test_each_question_is_declared_in_the_domain(question: Question) -> None:
    slot = DOMAIN["slots"][question.slot]
    [mapping] = slot["mappings"]
    assert mapping["type"] == "from_text"  # typed answers reach the validator
    assert mapping["conditions"] == [{"active_loop": "booking_form",
                                      "requested_slot": question.slot}]
    entities = {next(iter(e)) if isinstance(e, dict) else e for e in DOMAIN["entities"]}
    assert question.slot in entities  # its buttons set it as an entity
    assert question.ask_action in DOMAIN["actions"]
    assert {question.ask, question.not_understood} <= set(DOMAIN["responses"])
    assert "validate_booking_form" in DOMAIN["actions"]


def test_every_booking_slot_of_the_domain_is_a_question_or_bookkeeping() -> None:
    bookkeeping = {"booking_page", "booking_pending_slot", "booking_go"}
    declared = {name for name in DOMAIN["slots"] if name.startswith("booking_")}
    assert declared == set(SLOTS) | bookkeeping


def test_preferences_fields_exist() -> None:
    fields = set(Preferences.__dataclass_fields__)
    assert {q.field for q in QUESTIONS} == fields


@pytest.mark.parametrize(("question", "good", "bad"), [
    (OFFICE, "zerbst", "pyongyang"), (MODE, "video", "carrier-pigeon"),
    (LANGUAGE, "prs", "xx"), (DAY, "2026-11-25", "2026-11-24"),
])
def test_values_are_checked(question: Question, good: str, bad: str) -> None:
    assert question.valid(good, TODAY) and not question.valid(bad, TODAY)
    assert dialogue.accepts(question, ANY, TODAY)


def test_the_language_question_is_not_read_from_the_request() -> None:
    """"Termin auf Arabisch" names the chat's language; the form asks the counselor's.
    A number in the request ("am 30.") is a day, never an age."""
    assert [q.slot for q in QUESTIONS if not q.in_request] == [AGE.slot, LANGUAGE.slot]
    assert [q.slot for q in QUESTIONS if not q.ask_in_default_language] == [LANGUAGE.slot]


def test_labels_and_payloads_of_every_option(database_url: str) -> None:
    engine = make_engine(database_url)
    for office in load_offices():
        add_slot(engine, add_counselor(engine, "Anna", office.id, ",".join(registry().codes)),
                 datetime(2026, 11, 26, 10), mode="in_person")
    with session_scope(engine) as session:
        for question in QUESTIONS:
            for language in registry().codes:
                buttons = dialogue.choices(session, question, {}, NOW, language)
                assert len(buttons) >= 3, (question.slot, language)  # a value, any, stop
                assert all(b.title and len(b.payload.encode()) <= 64 for b in buttons)
        offices = dialogue.choices(session, OFFICE, {}, NOW, "de")
        assert [b.title for b in offices[:-2]] == [o.name for o in load_offices()]
    engine.dispose()


def test_content_booking_holds_words_not_labels() -> None:
    """Labels are texts (content/texts/booking.yml): each exists once."""
    assert set(vocabulary()) == {"modes", "any", "days", "formats"}
    assert all(isinstance(words, list) for words in vocabulary()["modes"].values())
