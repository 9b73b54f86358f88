"""Rasa payloads (jmd.shared.payloads): one builder, compact, byte-stable."""

from __future__ import annotations

import json

from jmd.content.answers import topic_payload, topics_by_name
from jmd.shared.payloads import payload


def test_an_intent_alone() -> None:
    assert payload("book_appointment") == "/book_appointment"


def test_entities_are_compact_json_in_the_given_order() -> None:
    assert payload("inform", booking_mode="phone") == '/inform{"booking_mode":"phone"}'
    assert payload("choose_slot", slot_ref="ab12", page="2") == \
        '/choose_slot{"slot_ref":"ab12","page":"2"}'


def test_non_ascii_stays_short() -> None:
    assert payload("x", name="دری") == '/x{"name":"دری"}'


def test_an_entity_may_be_called_intent() -> None:
    assert payload("inform", intent="a") == '/inform{"intent":"a"}'


def test_topic_payloads_are_unchanged() -> None:
    """The bytes the FAQ buttons had before the builder, for every topic."""
    for name in topics_by_name():
        for intent in ("faq", "faq_helpful", "faq_not_helpful"):
            before = f"/{intent}" + json.dumps({"faq_topic": name}, separators=(",", ":"))
            assert topic_payload(name, intent) == before
