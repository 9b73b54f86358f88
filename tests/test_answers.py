"""FAQ answers as chat messages: office data filled in, link, follow-ups, 👍/👎 within 64 bytes."""

from __future__ import annotations

import json

import pytest

from jmd.content.answers import render, topic_payload, topics_by_name

LANGUAGES = ("de", "prs", "ar")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_topic_renders_in_every_language(language: str) -> None:
    for topic in topics_by_name().values():
        answer = render(topic, language)
        assert answer.text.startswith(topic.answer[language].split("{")[0].strip()[:40])
        assert "{" not in answer.text  # every placeholder filled in
        if topic.link:
            assert answer.text.endswith(topic.link)
        payloads = [b.payload for b in answer.buttons]
        assert payloads[-2:] == [
            f'/faq_helpful{{"faq_topic":"{topic.name}"}}',
            f'/faq_not_helpful{{"faq_topic":"{topic.name}"}}',
        ]
        # Telegram callback data: at most 64 bytes, so no payload needs a lookup table
        assert all(len(p.encode()) <= 64 for p in payloads)


def test_follow_up_buttons_are_labelled_in_the_language() -> None:
    topic = topics_by_name()["jmd_locations"]
    titles = [b.title for b in render(topic, "prs").buttons]
    assert "📅 گرفتن وقت" in titles


def test_locations_answer_lists_the_offices() -> None:
    text = render(topics_by_name()["jmd_locations"], "de").text
    assert "📍 JMD Bitterfeld-Wolfen" in text and "📍 JMD Zerbst" in text


def test_topic_payload_is_rasa_intent_syntax() -> None:
    payload = topic_payload("study")
    assert payload.startswith("/faq{")
    assert json.loads(payload.removeprefix("/faq")) == {"faq_topic": "study"}
