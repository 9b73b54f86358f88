"""One distribution over labels ↔ Rasa's parse result (jmd.nlu.decision)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from jmd.nlu.decision import label_of, read_decision, write_decision
from jmd.shared.parse import intent_confidences, topic_ranking


def _written(distribution: dict[str, float], length: int = 10) -> Message:
    message = Message(data={"text": "x"})
    write_decision(message, distribution, length)
    return message


def test_faq_ranks_with_its_best_topic_and_the_best_topic_is_selected() -> None:
    message = _written({"faq/study": 0.5, "faq/ausbildung_info": 0.2, "greet": 0.3})
    assert message.get("intent") == {"name": "faq", "confidence": pytest.approx(0.5)}
    assert [r["name"] for r in message.get("intent_ranking")] == ["faq", "greet"]
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/study"
    assert response["utter_action"] == "utter_faq/study"
    assert response["confidence"] == pytest.approx(0.5 / 0.7)
    assert sum(r["confidence"] for r in selector["faq"]["ranking"]) == pytest.approx(1.0)
    # what the actions read (jmd.shared.parse; best_topic multiplies the two)
    parse = message.as_dict()
    topic, share = topic_ranking(parse)[0]
    assert topic == "faq/study"
    assert intent_confidences(parse)["faq"] * share == pytest.approx(0.5 * 0.5 / 0.7)


def test_the_best_single_label_decides_even_against_many_topics() -> None:
    """Four topics with 0.15 each are no sure FAQ question when greet has 0.4."""
    message = _written({"greet": 0.4, **{f"faq/t{i}": 0.15 for i in range(4)}})
    assert message.get("intent")["name"] == "greet"


def test_reading_gives_back_what_was_written() -> None:
    distribution = {"faq/study": 0.45, "faq/ausbildung_info": 0.15, "greet": 0.3, "thank": 0.1}
    assert read_decision(_written(distribution)) == pytest.approx(distribution)


def test_reading_rasas_own_shape_splits_faq_by_topic() -> None:
    message = Message(data={"text": "x"})
    message.set("intent", {"name": "faq", "confidence": 0.8})
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.8},
                                   {"name": "greet", "confidence": 0.2}])
    message.set("response_selector", {"faq": {"ranking": [
        {"intent_response_key": "faq/study", "confidence": 0.75},
        {"intent_response_key": "faq/ausbildung_info", "confidence": 0.25}]}})
    assert read_decision(message) == pytest.approx(
        {"faq/study": 0.6, "faq/ausbildung_info": 0.2, "greet": 0.2})


def test_without_topics_there_is_no_selection() -> None:
    message = _written({"greet": 0.9, "thank": 0.1})
    assert message.get("intent")["name"] == "greet"
    assert message.get("response_selector") is None


def test_the_ranking_is_cut_to_its_length() -> None:
    message = _written({f"i{n}": (n + 1) / 55 for n in range(10)}, length=3)
    assert [r["name"] for r in message.get("intent_ranking")] == ["i9", "i8", "i7"]


def test_an_empty_distribution_changes_nothing() -> None:
    message = _written({})
    assert message.get("intent") is None


def test_labels_of_training_examples() -> None:
    faq = Message(data={"text": "x", "intent": "faq", "intent_response_key": "faq/study"})
    assert label_of(faq) == "faq/study"
    assert label_of(Message(data={"text": "x", "intent": "greet"})) == "greet"
