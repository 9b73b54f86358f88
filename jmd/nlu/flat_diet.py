"""DIET over one label set: the intents, with the FAQ intent split into its topics.

Rasa's usual design trains DIET on intents and a second network, the ResponseSelector, on
the topics of a retrieval intent (``faq/<topic>``). Here one DIET learns both at once:
each FAQ question is labelled with its topic, every other example with its intent. The
ResponseSelector was 40 % of the training time; its topic ranking now comes from here
(README, "Training speed").

The parse result keeps Rasa's shape (:mod:`jmd.nlu.decision`): intent ``faq`` and the topic
in ``response_selector.faq``, so the fallback classifier, the policies, ``rasa shell``/
``rasa test`` and the actions see what a ResponseSelector would have written.
"""

from __future__ import annotations

import warnings
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from jmd.nlu.decision import label_of, write_decision
from jmd.nlu.quick_load import QuickLoadingDIET

# Rasa's recipe validator expects a ResponseSelector for retrieval intents; this
# classifier is one (FAQ topics are its labels), so the advice would only mislead editors.
warnings.filterwarnings(
    "ignore", message="You have defined training data with examples for training a response"
)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class FlatDIETClassifier(DIETClassifier):
    """DIET trained on ``faq/<topic>`` labels instead of ``faq``; reports Rasa's shape."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        config: dict[str, Any] = DIETClassifier.get_default_config()
        # the output is ranked again by write_decision, over all labels
        config.update({"entity_recognition": False, "ranking_length": 0,
                       "output_ranking_length": 10,
                       # no held-out evaluation while training (DIET's default as well),
                       # without Rasa's warning when there are fewer than 20 epochs
                       "evaluate_every_number_of_epochs": -1})
        return config

    @staticmethod
    def model_class() -> type[RasaModel]:
        # loaded without Rasa's training step: start-up in seconds (jmd.nlu.quick_load)
        return QuickLoadingDIET

    def preprocess_train_data(self, training_data: TrainingData) -> RasaModelData:
        return super().preprocess_train_data(_flattened(training_data))

    def persist(self) -> None:
        """Saves the weights without Adam's two moment estimates per weight.

        Those are only needed while training; without them the packed model is a third of
        the size and loads faster. (`rasa train --finetune` starts a fresh optimizer anyway.)
        """
        model = self.model
        if model is None or getattr(model, "optimizer", None) is None:
            super().persist()
            return
        optimizer = model.optimizer
        model._delete_tracking("optimizer")
        try:
            super().persist()
        finally:
            model.optimizer = optimizer

    def process(self, messages: list[Message]) -> list[Message]:
        messages = super().process(messages)
        length = int(self.component_config["output_ranking_length"])
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            distribution = {
                str(item["name"]): float(item[PREDICTED_CONFIDENCE_KEY])
                for item in ranking if item.get("name")
            }
            write_decision(message, distribution, length)
        return messages


def _flattened(training_data: TrainingData) -> TrainingData:
    """The NLU examples with their full label as intent (copies; the input stays as it is).

    The copies keep the text features the featurizers computed but not the label features:
    "faq/<topic>" labels must not share the features of the word "faq", so DIET encodes the
    labels one-hot.
    """
    examples = []
    for message in training_data.nlu_examples:
        data = dict(message.data)
        label = label_of(message)
        if label:
            data[INTENT] = label
        features: list[Features] = [f for f in message.features if f.attribute != INTENT]
        examples.append(Message(data=data, features=features))
    return TrainingData(training_examples=examples)
