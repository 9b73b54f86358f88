"""A second opinion for DIET: a linear model votes on the intent and the FAQ topic.

On this project's data (short, informal messages in three languages; a few hundred examples
per label) a linear model on word and character n-grams is as accurate as DIET and makes
different mistakes, so the two together are right more often than either alone (`make
eval` measures it). This component runs after the DIET classifier
(:mod:`jmd.nlu.flat_diet`):

- it learns the same labels as the evaluation does: the intent, or ``faq/<topic>``;
- per message it mixes DIET's probability per label (:func:`jmd.nlu.decision.read_decision`)
  and its own: ``(1 - weight) · DIET + weight · linear``;
- it rewrites ``intent``, ``intent_ranking`` and the ``faq`` response selection with the
  mixed figures (:func:`jmd.nlu.decision.write_decision`), so the fallback classifier and
  the crisis safety net after it, and the FAQ answer, work on the joint decision.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from jmd.nlu.decision import label_of, read_decision, write_decision
from jmd.shared.normalize import normalize

logger = logging.getLogger(__name__)

MODEL_FILE = "linear.joblib"


def ngram_features(max_char_features: int | None = None) -> Any:
    """TF-IDF of whole words and of character n-grams (also `make eval-quick`'s features).

    ``max_char_features`` keeps only the most frequent character n-grams (faster training,
    a smaller model).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(analyzer="word", sublinear_tf=True),
        # inside words: typos, and Dari/Arabic prefixes and suffixes
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                        max_features=max_char_features),
    )


def _new_model(c: float, max_char_features: int | None = None) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(ngram_features(max_char_features),
                         LogisticRegression(C=c, max_iter=3000))


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
            # keep only the most frequent character n-grams (None: all)
            "max_char_features": None,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self.component_config = config
        self._storage = model_storage
        self._resource = resource
        self.model = model

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
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and label_of(m)]
        labels = [str(label_of(m)) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearVote needs at least two labels; it will not vote")
            return self._resource
        self.model = _new_model(float(self.component_config["C"]),
                                self.component_config.get("max_char_features"))
        self.model.fit([normalize(m.get(TEXT)) for m in examples], labels)
        # single precision is plenty for a vote and halves the model's share of the archive
        classifier = self.model[-1]
        classifier.coef_ = classifier.coef_.astype("float32")
        classifier.intercept_ = classifier.intercept_.astype("float32")
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)

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
        except (ValueError, FileNotFoundError):
            logger.warning("LinearVote has no trained model; DIET decides alone")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)

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
        mixed: dict[str, float] = defaultdict(float)
        for label, p in read_decision(message).items():
            mixed[label] += (1 - weight) * p
        for label, p in linear.items():
            mixed[label] += weight * p
        write_decision(message, mixed, int(self.component_config["ranking_length"]))
