"""The crisis safety net as the last step of the NLU pipeline.

When a message contains one of the crisis phrases (``content/crisis_phrases.yml``, see
:mod:`jmd.shared.safety`), the intent becomes ``crisis`` with confidence 1.0 whatever DIET or the
fallback classifier decided; the rest of the ranking stays for inspection. The rule
"crisis comes first" then answers with ``utter_crisis`` before anything else.

The parse data gets ``crisis``: ``{"source": "safety_net" | "classifier", "category": …}``
(category: suicide, self_harm, violence, threat, sexual_violence, forced_marriage, or None
when only the classifier recognised it). The urgent handoff can show it on the counselor
card (``tracker.latest_message["crisis"]``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from jmd.shared.safety import CrisisMatcher, default_matcher, live_matcher

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
CRISIS_PROPERTY = "crisis"
# how far `crisis` may be behind the best label when the fallback fired (also the value for
# models trained before the setting existed)
CRISIS_MARGIN = 0.05


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisSafetyNet(GraphComponent, IntentClassifier):
    """Sets the intent ``crisis`` when a crisis phrase is found (after all classifiers)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # another phrase file (tests); default: content/crisis_phrases.yml
            "phrases_file": None,
            # When the fallback classifier replaced a top `crisis` prediction by
            # nlu_fallback, answer as a crisis rather than "Did you mean …?".
            "crisis_beats_fallback": True,
            # ... also when `crisis` is that close behind the best label: the classifiers
            # are unsure anyway, and a missed crisis costs more than a false alarm
            "crisis_margin": CRISIS_MARGIN,
        }

    def __init__(self, config: dict[str, Any], matcher: CrisisMatcher | None = None) -> None:
        """``matcher``: a fixed one (tests); by default the phrase file as it is now."""
        self.component_config = config
        self._matcher = matcher

    @property
    def matcher(self) -> CrisisMatcher:
        # read per message (cheap: a stat), so an editor's save counts without a restart
        if self._matcher is not None:
            return self._matcher
        path = self.component_config.get("phrases_file")
        return live_matcher(Path(path)) if path else default_matcher()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisSafetyNet:
        instance = cls(config)
        instance.matcher  # noqa: B018 - an unreadable phrase file fails here, at start
        return instance

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        found = self.matcher.match(text) if text and not text.startswith("/") else None
        ranking: list[dict[str, Any]] = list(message.get(INTENT_RANKING_KEY) or [])
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if found is not None:
            # No text in the log: only which category fired.
            logger.debug("crisis phrase (%s) found", found.category)
            self._set_crisis(message, ranking, "safety_net", found.category)
        elif current == CRISIS_INTENT:
            message.set(CRISIS_PROPERTY, {"source": "classifier", "category": None},
                        add_to_output=True)
        elif (
            current == DEFAULT_NLU_FALLBACK_INTENT_NAME
            and self.component_config.get("crisis_beats_fallback", True)
            and _crisis_close_to_top(
                ranking, self.component_config.get("crisis_margin", CRISIS_MARGIN))
        ):
            self._set_crisis(message, ranking, "classifier", None)

    @staticmethod
    def _set_crisis(
        message: Message, ranking: list[dict[str, Any]], source: str, category: str | None
    ) -> None:
        crisis = {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        others = [r for r in ranking if r.get(INTENT_NAME_KEY) != CRISIS_INTENT]
        message.set(INTENT, crisis, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(crisis), *others], add_to_output=True)
        message.set(CRISIS_PROPERTY, {"source": source, "category": category},
                    add_to_output=True)


def _crisis_close_to_top(ranking: list[dict[str, Any]], margin: float) -> bool:
    """True if ``crisis`` is the best intent the classifiers found (the fallback's own entry
    left out) or at most ``margin`` below it."""
    classified = [entry for entry in ranking
                  if entry.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME]
    if not classified:
        return False
    best = float(classified[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return any(entry.get(INTENT_NAME_KEY) == CRISIS_INTENT
               and float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= best - margin
               for entry in classified)
