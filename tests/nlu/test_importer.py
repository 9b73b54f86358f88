"""Rasa reads the FAQ topic files through the project's importer (config.yml)."""

from __future__ import annotations

from rasa.shared.importers.importer import TrainingDataImporter

from jmd.nlu.importer import faq_directories, faq_messages, faq_responses
from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.topics import FAQ_DIR, load_topics


def test_every_example_becomes_a_retrieval_intent_example_with_its_language() -> None:
    topics = load_topics(FAQ_DIR)
    messages = faq_messages(topics)
    assert len(messages) == sum(len(e) for t in topics for e in t.examples.values())
    first = messages[0]
    assert first.get("intent") == "faq"
    assert first.get("intent_response_key") == f"faq/{topics[0].name}"
    assert first.get("metadata")["example"]["language"] in {"de", "prs", "ar"}


def test_responses_hold_no_editable_text() -> None:
    """Titles and answers stay out of the model: editing them needs no training."""
    responses = faq_responses(load_topics(FAQ_DIR))
    assert responses["utter_faq/study"] == [{"text": "faq/study"}]
    assert len(responses) == len(load_topics(FAQ_DIR))


def test_faq_directories() -> None:
    data = PROJECT_ROOT / "nlu" / "data"
    assert faq_directories([str(data)]) == [data / "faq"]
    assert faq_directories(str(data / "faq")) == [data / "faq"]
    assert faq_directories(None) == []


def test_rasa_sees_the_topics_through_config_yml() -> None:
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"),
        [str(PROJECT_ROOT / "nlu" / "data")],
    )
    nlu = importer.get_nlu_data()
    keys = {m.get("intent_response_key") for m in nlu.intent_examples} - {None}
    assert {f"faq/{t.name}" for t in load_topics(FAQ_DIR)} == keys
    assert nlu.retrieval_intents == {"faq"}
    domain = importer.get_domain()
    assert "utter_faq/work_permit" in domain.responses
    assert "faq" in domain.retrieval_intents
