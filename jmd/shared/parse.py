"""Reading Rasa's parse data (``tracker.latest_message``): intent and FAQ topic rankings.

Shared by the NLU components that write the parse and the actions that read it, so both
agree on one format: the intent ranking plus ``response_selector.faq`` for the topics.
"""

from __future__ import annotations

from typing import Any

from jmd.shared.topics import FAQ_PREFIX


def intent_confidences(parse: dict[str, Any]) -> dict[str, float]:
    """Confidence per intent name, from the ranking (or the intent alone)."""
    ranking = parse.get("intent_ranking") or []
    if not ranking and parse.get("intent"):
        ranking = [parse["intent"]]
    return {
        item["name"]: float(item.get("confidence") or 0.0) for item in ranking if item.get("name")
    }


def topic_ranking(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """The FAQ topics (``faq/<topic>``) with their shares, best first."""
    selector = (parse.get("response_selector") or {}).get(FAQ_PREFIX) or {}
    ranking = selector.get("ranking") or []
    if not ranking and selector.get("response"):
        ranking = [selector["response"]]
    return [
        (str(item["intent_response_key"]), float(item.get("confidence") or 0.0))
        for item in ranking
        if item.get("intent_response_key")
    ]
