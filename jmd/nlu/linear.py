"""A second opinion for DIET: a linear model votes on the intent and the FAQ topic.

On this project's data (short, informal messages in three languages; a few hundred examples
per label) a linear model on word and character n-grams is as accurate as DIET and makes
different mistakes, so the two together are right more often than either alone (`make
eval` measures it). This component runs after DIETClassifier and the ResponseSelector:

- it learns the same labels as the evaluation does: the intent, or ``faq/<topic>``;
- per message it mixes DIET's intent ranking (with the ResponseSelector's topic ranking
  inside ``faq``) and its own probabilities: ``(1 - weight) · DIET + weight · linear``;
- it rewrites ``intent``, ``intent_ranking`` and the ``faq`` response selection with the
  mixed figures, so the fallback classifier and the crisis safety net after it, and the
  FAQ answer, work on the joint decision.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from jmd.content.topics import FAQ_PREFIX
from jmd.content.understanding import intent_confidences, topic_ranking
from jmd.normalize import normalize

logger = logging.getLogger(__name__)

SELECTOR = "response_selector"
MODEL_FILE = "linear.joblib"
RESPONSES_FILE = "responses.json"


def _label(message: Message) -> str | None:
    return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)


def ngram_features() -> Any:
    """TF-IDF of whole words and of character n-grams (also `make eval-quick`'s features)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(analyzer="word", sublinear_tf=True),
        # inside words: typos, and Dari/Arabic prefixes and suffixes
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )


def _new_model(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(ngram_features(), LogisticRegression(C=c, max_iter=3000))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearVote(GraphComponent, IntentClassifier):
    """Mixes DIET's and a linear model's probabilities for intent and FAQ topic."""

    @classmethod
    def required_components(cls) -> list[type]:
        # It needs DIET's and the ResponseSelector's output, but only when predicting: in
        # the training graph it trains on the raw examples, in parallel with them.
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # share of the linear model in the vote (0: DIET alone, 1: linear alone)
            "weight": 0.5,
            # inverse regularisation strength of the logistic regression
            "C": 20.0,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
        responses: dict[str, Any] | None = None,
    ) -> None:
        self.component_config = config
        self._storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearVote:
        return cls(config, model_storage, resource)

    # -- training -------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and _label(m)]
        labels = [str(_label(m)) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearVote needs at least two labels; it will not vote")
            return self._resource
        self.model = _new_model(float(self.component_config["C"]))
        self.model.fit([normalize(m.get(TEXT)) for m in examples], labels)
        prefix = f"utter_{FAQ_PREFIX}/"
        self.responses = {
            key: value for key, value in (training_data.responses or {}).items()
            if key.startswith(prefix)
        }
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)
            (directory / RESPONSES_FILE).write_text(
                json.dumps(self.responses, ensure_ascii=False), "utf-8"
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearVote:
        try:
            with model_storage.read_from(resource) as directory:
                # our own model archive, written by train() above
                model = joblib.load(directory / MODEL_FILE)
                responses = json.loads((directory / RESPONSES_FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("LinearVote has no trained model; DIET decides alone")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, responses)

    # -- voting ---------------------------------------------------------------------

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        todo = [i for i, t in enumerate(texts) if t and not t.startswith("/")]
        if not todo:
            return messages
        probabilities = self.model.predict_proba([normalize(texts[i]) for i in todo])
        for row, i in zip(probabilities, todo, strict=False):
            linear = dict(zip(self.model.classes_, (float(p) for p in row), strict=False))
            self._vote(messages[i], linear)
        return messages

    def _vote(self, message: Message, linear: dict[str, float]) -> None:
        weight = float(self.component_config["weight"])
        length = int(self.component_config["ranking_length"])
        mixed: dict[str, float] = defaultdict(float)
        for label, p in diet_distribution(message).items():
            mixed[label] += (1 - weight) * p
        for label, p in linear.items():
            mixed[label] += weight * p

        intents: dict[str, float] = defaultdict(float)
        for label, p in mixed.items():
            intents[label.split("/", 1)[0]] += p
        ranking = sorted(intents.items(), key=lambda item: -item[1])[:length]
        message.set(INTENT, _intent(*ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, [_intent(n, c) for n, c in ranking], add_to_output=True)

        topics = {k: p for k, p in mixed.items() if k.startswith(f"{FAQ_PREFIX}/")}
        total = sum(topics.values())
        if total > 0:
            ranked = sorted(topics.items(), key=lambda item: -item[1])[:length]
            self._set_topics(message, [(k, p / total) for k, p in ranked])

    def _set_topics(self, message: Message, ranked: list[tuple[str, float]]) -> None:
        selectors = dict(message.get(SELECTOR) or {})
        selection = dict(selectors.get(FAQ_PREFIX) or {})
        best, confidence = ranked[0]
        response = dict(selection.get("response") or {})
        if response.get(INTENT_RESPONSE_KEY) != best:
            utter = f"utter_{best}"
            response.update({"responses": self.responses.get(utter) or [{TEXT: best}],
                             "utter_action": utter, INTENT_RESPONSE_KEY: best})
        response[PREDICTED_CONFIDENCE_KEY] = confidence
        selection["response"] = response
        selection["ranking"] = [
            {INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: p} for k, p in ranked
        ]
        selectors[FAQ_PREFIX] = selection
        message.set(SELECTOR, selectors, add_to_output=True)


def _intent(name: str, confidence: float) -> dict[str, Any]:
    return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(confidence)}


def diet_distribution(message: Message) -> dict[str, float]:
    """DIET's probabilities per label, ``faq`` split by the ResponseSelector's topics."""
    parse = {key: message.get(key) for key in (INTENT, INTENT_RANKING_KEY, SELECTOR)}
    topics = topic_ranking(parse)
    topic_total = sum(p for _, p in topics)
    result: dict[str, float] = {}
    for name, confidence in intent_confidences(parse).items():
        if name == FAQ_PREFIX and topic_total > 0:
            result.update({topic: confidence * p / topic_total for topic, p in topics})
        else:
            result[name] = confidence
    total = sum(result.values())
    return {k: v / total for k, v in result.items()} if total > 0 else {}
