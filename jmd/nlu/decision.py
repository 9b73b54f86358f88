"""One probability per label (intent or ``faq/<topic>``) written as Rasa's parse result.

The project's classifiers (:mod:`jmd.nlu.flat_diet`, :mod:`jmd.nlu.linear`) learn one label
set: the intents, with ``faq`` split into its topics. Rasa, the fallback classifier, the
policies and the actions expect the standard shape instead: ``intent`` and
``intent_ranking`` over intents and the topic in ``response_selector.faq`` as a
ResponseSelector would write it. This module is the one place that converts between the
two.

The best single label decides: ``faq`` ranks with the probability of its best topic, not
the sum of all topics (on fold 1 of `make eval` that is 0.01 more macro-F1 for Dari: a
message torn between two topics is not a sure FAQ question). The full distribution travels
with the message (``LABELS``, not in the output) so that the next voter reads it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from jmd.shared.parse import intent_confidences, topic_ranking
from jmd.shared.topics import FAQ_PREFIX

SELECTOR = "response_selector"
LABELS = "jmd_label_distribution"


def label_of(message: Message) -> str | None:
    """A training example's label: ``faq/<topic>`` for FAQ questions, else its intent."""
    label: str | None = message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)
    return label


def read_decision(message: Message) -> dict[str, float]:
    """The probability per label of the classifiers so far; sums to 1 (empty if none).

    What :func:`write_decision` wrote, or else (Rasa's own classifiers) the intent ranking
    with ``faq`` split by the topic ranking.
    """
    written = message.get(LABELS)
    if isinstance(written, dict) and written:
        return _normalised({str(k): float(v) for k, v in written.items()})
    parse = {key: message.get(key) for key in (INTENT, INTENT_RANKING_KEY, SELECTOR)}
    topics = topic_ranking(parse)
    topic_total = sum(p for _, p in topics)
    result: dict[str, float] = {}
    for name, confidence in intent_confidences(parse).items():
        if name == FAQ_PREFIX and topic_total > 0:
            result.update({topic: confidence * p / topic_total for topic, p in topics})
        else:
            result[name] = confidence
    return _normalised(result)


def _normalised(distribution: dict[str, float]) -> dict[str, float]:
    total = sum(distribution.values())
    return {k: v / total for k, v in distribution.items()} if total > 0 else {}


def write_decision(message: Message, distribution: dict[str, float], ranking_length: int) -> None:
    """Sets intent, intent ranking and the FAQ selection from one distribution over labels.

    Invariants: the intent is the one of the most probable label; ``faq`` ranks with its
    best topic's probability; the topic ranking holds the topics' shares among themselves
    (they sum to 1 before truncation), as a ResponseSelector's would.
    """
    if not distribution:
        return
    message.set(LABELS, dict(distribution))
    intents: dict[str, float] = defaultdict(float)
    for label, p in distribution.items():
        name = label.split("/", 1)[0]
        intents[name] = max(intents[name], p)
    ranking = sorted(intents.items(), key=lambda item: -item[1])[:ranking_length]
    message.set(INTENT, _intent(*ranking[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [_intent(n, c) for n, c in ranking], add_to_output=True)

    topics = {k: p for k, p in distribution.items() if k.startswith(f"{FAQ_PREFIX}/")}
    total = sum(topics.values())
    if total <= 0:
        return
    ranked = sorted(topics.items(), key=lambda item: -item[1])[:ranking_length]
    best, confidence = ranked[0]
    selection = {
        "response": {
            # what Rasa's ResponseSelector reports: the response key and its template
            # (the FAQ importer's responses are the keys themselves; action_answer_faq
            # renders the real answer from the topic file at run time)
            "responses": [{TEXT: best}],
            "utter_action": f"utter_{best}",
            INTENT_RESPONSE_KEY: best,
            PREDICTED_CONFIDENCE_KEY: confidence / total,
        },
        "ranking": [
            {INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: p / total} for k, p in ranked
        ],
    }
    selectors = dict(message.get(SELECTOR) or {})
    selectors["all_retrieval_intents"] = [FAQ_PREFIX]
    selectors[FAQ_PREFIX] = selection
    message.set(SELECTOR, selectors, add_to_output=True)


def _intent(name: str, confidence: float) -> dict[str, Any]:
    return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(confidence)}
