"""The linear second opinion (jmd.nlu.linear): training, storage, and the vote with DIET."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from jmd.nlu.decision import LABELS
from jmd.nlu.linear import LinearVote

EXAMPLES = {
    "greet": ["hallo", "hi", "guten tag", "salam", "hallo zusammen", "hey du"],
    "thank": ["danke", "vielen dank", "danke schön", "dankeschön", "danke dir", "merci"],
    "faq/ausbildung_info": ["was ist eine ausbildung", "ausbildung erklären",
                            "wie lange dauert die ausbildung", "was ist duale ausbildung"],
    "faq/study": ["kann ich studieren", "studienkolleg was ist das", "uni in deutschland",
                  "studium ohne abitur"],
}


def _message(label: str, text: str) -> Message:
    data: dict[str, Any] = {"text": text, "intent": label.split("/")[0]}
    if "/" in label:
        data["intent_response_key"] = label
    return Message(data=data)


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def _trained(storage: LocalModelStorage, weight: float = 0.6) -> LinearVote:
    config = {**LinearVote.get_default_config(), "weight": weight}
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("linear_vote")
    vote = LinearVote.create(config, storage, resource, context)
    data = TrainingData(
        [_message(label, text) for label, texts in EXAMPLES.items() for text in texts]
    )
    vote.train(data)
    return LinearVote.load(config, storage, resource, context)


def _parsed(text: str, ranking: list[tuple[str, float]],
            topics: list[tuple[str, float]] | None = None) -> Message:
    """A message as DIET and the ResponseSelector leave it."""
    message = Message(data={"text": text})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    if topics:
        best = topics[0][0]
        message.set("response_selector", {"faq": {
            "response": {"responses": [{"text": best}], "confidence": topics[0][1],
                         "intent_response_key": best, "utter_action": f"utter_{best}"},
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in topics],
        }})
    return message


def test_the_model_survives_storage(storage: LocalModelStorage) -> None:
    vote = _trained(storage)
    assert set(vote.model.classes_) == set(EXAMPLES)


def test_the_vote_mixes_both_opinions_by_weight(storage: LocalModelStorage) -> None:
    vote = _trained(storage, weight=0.6)
    text = "vielen dank"
    linear = dict(zip(vote.model.classes_, vote.model.predict_proba([text])[0], strict=False))
    [message] = vote.process([_parsed(text, [("greet", 0.7), ("thank", 0.3)])])
    ranking = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
    assert ranking["thank"] == pytest.approx(0.4 * 0.3 + 0.6 * linear["thank"])
    assert ranking["greet"] == pytest.approx(0.4 * 0.7 + 0.6 * linear["greet"])
    assert message.get("intent")["name"] == max(ranking, key=ranking.get)
    assert sum(message.get(LABELS).values()) == pytest.approx(1.0)


def test_the_vote_can_change_the_faq_topic(storage: LocalModelStorage) -> None:
    vote = _trained(storage, weight=0.9)
    message = _parsed("kann ich an der uni studieren", [("faq", 0.95), ("greet", 0.05)],
                      [("faq/ausbildung_info", 0.55), ("faq/study", 0.45)])
    [message] = vote.process([message])
    assert message.get("intent")["name"] == "faq"
    response = message.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/study"
    assert response["utter_action"] == "utter_faq/study"
    assert response["responses"] == [{"text": "faq/study"}]
    topics = message.get("response_selector")["faq"]["ranking"]
    assert next(t["intent_response_key"] for t in topics) == "faq/study"
    assert sum(t["confidence"] for t in topics) == pytest.approx(1.0)


def test_weight_zero_leaves_diets_decision(storage: LocalModelStorage) -> None:
    vote = _trained(storage, weight=0.0)
    [message] = vote.process([_parsed("vielen dank", [("greet", 0.8), ("thank", 0.2)])])
    assert message.get("intent") == {"name": "greet", "confidence": pytest.approx(0.8)}


def test_button_payloads_are_not_voted_on(storage: LocalModelStorage) -> None:
    vote = _trained(storage)
    message = _parsed("/greet", [("greet", 1.0)])
    [message] = vote.process([message])
    assert message.get("intent") == {"name": "greet", "confidence": 1.0}


def test_an_untrained_vote_does_nothing(storage: LocalModelStorage) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    vote = LinearVote.load(LinearVote.get_default_config(), storage, Resource("none"), context)
    message = _parsed("hallo", [("greet", 0.9), ("thank", 0.1)])
    [message] = vote.process([message])
    assert message.get("intent")["confidence"] == 0.9


