"""DIET over intents and FAQ topics in one label set (jmd.nlu.flat_diet)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from jmd.nlu.flat_diet import _flattened

EXAMPLES = {
    "greet": ["hallo", "hi", "guten tag", "hallo zusammen", "hey", "moin", "servus", "salam"],
    "thank": ["danke", "vielen dank", "danke schön", "dankeschön", "danke dir", "merci"],
    "faq/study": ["kann ich studieren", "studium in deutschland", "uni studieren",
                  "studienkolleg", "an der uni studieren", "studieren ohne abitur"],
    "faq/ausbildung_info": ["was ist eine ausbildung", "ausbildung erklären",
                            "duale ausbildung", "wie lange dauert eine ausbildung",
                            "ausbildung was ist das", "berufsausbildung"],
}


def _feature(attribute: str) -> Features:
    return Features(np.ones((1, 3)), "sentence", attribute, "test")


def test_flattening_labels_topics_and_keeps_the_input_as_it_was() -> None:
    faq = Message(data={"text": "uni", "intent": "faq", "intent_response_key": "faq/study"},
                  features=[_feature("text"), _feature("intent")])
    greet = Message(data={"text": "hallo", "intent": "greet"}, features=[_feature("text")])
    flat = _flattened(TrainingData([faq, greet]))
    assert sorted(m.get("intent") for m in flat.intent_examples) == ["faq/study", "greet"]
    copy = next(m for m in flat.intent_examples if m.get("intent") == "faq/study")
    # the label is encoded one-hot, not by the features of the word "faq"
    assert [f.attribute for f in copy.features] == ["text"]
    assert faq.get("intent") == "faq" and len(faq.features) == 2


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small model trained with the project's tokenizer, featurizers and FlatDIET."""
    from rasa.model_training import train_nlu

    directory = tmp_path_factory.mktemp("flat-diet")
    nlu = {"version": "3.1", "nlu": [
        {"intent": label, "examples": "".join(f"- {t}\n" for t in texts)}
        for label, texts in EXAMPLES.items()
    ]}
    (directory / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True), "utf-8")
    domain = {"version": "3.1", "intents": ["greet", "thank", "faq"], "responses": {
        f"utter_{label}": [{"text": label}] for label in EXAMPLES if "/" in label}}
    (directory / "domain.yml").write_text(yaml.safe_dump(domain), "utf-8")
    config = {"recipe": "default.v1", "language": "de", "pipeline": [
        {"name": "jmd.nlu.tokenizer.MultilingualTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2,
         "max_ngram": 4},
        {"name": "jmd.nlu.flat_diet.FlatDIETClassifier", "epochs": 40, "random_seed": 1,
         "number_of_transformer_layers": 0},
    ]}
    (directory / "config.yml").write_text(yaml.safe_dump(config), "utf-8")
    model = train_nlu(str(directory / "config.yml"), str(directory / "nlu.yml"),
                      str(directory / "models"), domain=str(directory / "domain.yml"))
    assert model and Path(model).exists()
    return str(model)


def _parse(model: str, text: str) -> dict:
    from rasa.core.agent import Agent

    return asyncio.run(Agent.load(model).parse_message(text))


def test_a_topic_question_is_intent_faq_with_the_topic_selected(tiny_model: str) -> None:
    parse = _parse(tiny_model, "kann ich an der uni studieren")
    assert parse["intent"]["name"] == "faq"
    assert all("/" not in r["name"] for r in parse["intent_ranking"])
    selection = parse["response_selector"]["faq"]
    assert selection["response"]["intent_response_key"] == "faq/study"
    assert selection["response"]["utter_action"] == "utter_faq/study"
    assert sum(r["confidence"] for r in selection["ranking"]) == pytest.approx(1.0)


def test_other_intents_stay_intents(tiny_model: str) -> None:
    parse = _parse(tiny_model, "vielen dank")
    assert parse["intent"]["name"] == "thank"
    ranking = {r["name"]: r["confidence"] for r in parse["intent_ranking"]}
    assert set(ranking) <= {"greet", "thank", "faq"}
    assert ranking["thank"] == max(ranking.values())


def test_the_quick_load_gives_the_weights_rasas_load_gives(
    tiny_model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restoring while predicting (no training step first) changes no prediction."""
    from rasa.nlu.classifiers.diet_classifier import DIET

    from jmd.nlu.flat_diet import FlatDIETClassifier

    texts = ["kann ich an der uni studieren", "vielen dank", "hallo", "was ist ausbildung"]
    quick = [_parse(tiny_model, t) for t in texts]
    monkeypatch.setattr(FlatDIETClassifier, "model_class", staticmethod(lambda: DIET))
    rasa = [_parse(tiny_model, t) for t in texts]
    for ours, theirs in zip(quick, rasa, strict=True):
        assert [r["name"] for r in ours["intent_ranking"]] == \
            [r["name"] for r in theirs["intent_ranking"]]
        assert [r["confidence"] for r in ours["intent_ranking"]] == pytest.approx(
            [r["confidence"] for r in theirs["intent_ranking"]], abs=1e-5)
