"""Rasa trains from the editors' topic files directly (config.yml → importers).

Each file in ``<data>/faq/`` becomes NLU examples of the retrieval intent ``faq/<topic>``
(every language, tagged with it) and a response ``utter_faq/<topic>`` that Rasa needs for
a retrieval intent. Only the examples reach the model. Nothing is generated on disk, so
nothing generated can be edited by mistake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from jmd.shared.topics import Topic, load_topics


def faq_directories(training_data_paths: list[str] | str | None) -> list[Path]:
    """The ``faq`` folders inside the given training data folders."""
    if isinstance(training_data_paths, str):
        training_data_paths = [training_data_paths]
    found = []
    for path in map(Path, training_data_paths or []):
        candidate = path if path.name == "faq" else path / "faq"
        if candidate.is_dir():
            found.append(candidate)
    return found


def faq_messages(topics: list[Topic]) -> list[Message]:
    """One training message per example, labelled ``faq/<topic>``, tagged with its language."""
    return [
        Message.build(text=example, intent=topic.intent, example_metadata={"language": lang})
        for topic in topics
        for lang, examples in sorted(topic.examples.items())
        for example in examples
    ]


def faq_responses(topics: list[Topic]) -> dict[str, list[dict[str, Any]]]:
    """``utter_faq/<topic>`` per topic, whose text is the key ``faq/<topic>`` itself.

    Rasa needs a response per retrieval intent to train and validate. The assistant renders
    the answers itself (action_answer_faq: answer, office data, link, buttons from the topic
    file at run time), so nothing an editor writes goes into the model: editing a title,
    answer, link or button never needs `rasa train`.
    """
    return {f"utter_{topic.intent}": [{"text": topic.intent}] for topic in topics}


class FaqImporter(RasaFileImporter):
    """Rasa's file importer plus the FAQ topic files.

    The responses go with the NLU data only: Rasa's ResponsesSyncImporter copies them into
    the domain (giving them to the domain as well would make Rasa warn about duplicates).
    """

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: list[str] | str | None = None,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._topics = [
            topic
            for directory in faq_directories(training_data_paths)
            for topic in load_topics(directory)
        ]

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        """Rasa's NLU files plus one example per FAQ example and language."""
        faq = TrainingData(
            training_examples=faq_messages(self._topics),
            responses=faq_responses(self._topics),
        )
        return super().get_nlu_data(language).merge(faq)
