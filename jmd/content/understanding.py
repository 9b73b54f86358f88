"""What Rasa understood of a message, and what to suggest when it is unsure.

Works on the parse data Rasa attaches to a user message (``tracker.latest_message``):
intent ranking plus the ranking of FAQ topics (``response_selector.faq``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jmd.content.answers import ACTION_BUTTONS
from jmd.shared.parse import intent_confidences, topic_ranking
from jmd.shared.topics import FAQ_PREFIX

# A FAQ topic is answered when the classifier is at least this sure of it (intent
# confidence × topic share: the best topic's probability times its share among the topics);
# below, the assistant asks "Did you mean …?". With the fallback classifier at 0.3 about
# 5 % of held-out questions get "Did you mean …?" (README, "NLU evaluation").
FAQ_MIN_CONFIDENCE = 0.2
# Suggestions below this score are noise, not worth a button.
SUGGESTION_MIN_SCORE = 0.04
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Guess:
    """A topic (``faq/<name>``) or an intent, with how sure the classifier is."""

    target: str
    score: float

    @property
    def topic(self) -> str | None:
        prefix = FAQ_PREFIX + "/"
        return self.target.removeprefix(prefix) if self.target.startswith(prefix) else None


def best_topic(parse: dict[str, Any]) -> Guess | None:
    """The FAQ topic the message is most likely about, scored by intent × topic confidence."""
    faq = intent_confidences(parse).get(FAQ_PREFIX, 0.0)
    ranking = topic_ranking(parse)
    if not ranking:
        return None
    target, confidence = ranking[0]
    return Guess(target, faq * confidence)


def guesses(parse: dict[str, Any], limit: int = MAX_SUGGESTIONS) -> list[Guess]:
    """The most likely topics and actions for an unclear message, best first.

    Only targets that can become a button: a guess without one would be an empty offer.
    """
    intents = intent_confidences(parse)
    faq = intents.get(FAQ_PREFIX, 0.0)
    # The intent classifier splits its confidence over "faq" and the others; topics share
    # the faq part. Even when "faq" lost, the selector's favourite topic is a fair guess.
    candidates = [Guess(t, max(faq, 0.2) * c) for t, c in topic_ranking(parse)]
    candidates += [Guess(i, intents[i]) for i in ACTION_BUTTONS if i in intents]
    candidates.sort(key=lambda g: g.score, reverse=True)
    return [g for g in candidates if g.score >= SUGGESTION_MIN_SCORE][:limit]
