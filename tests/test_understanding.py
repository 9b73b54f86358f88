"""Reading Rasa's parse data: the FAQ topic, and suggestions for unclear messages."""

from __future__ import annotations

from typing import Any

from jmd.content.understanding import FAQ_MIN_CONFIDENCE, best_topic, guesses


def parse(intents: dict[str, float], topics: dict[str, float]) -> dict[str, Any]:
    ranking = [{"name": n, "confidence": c} for n, c in intents.items()]
    return {
        "intent": ranking[0],
        "intent_ranking": ranking,
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {"intent_response_key": next(iter(topics)),
                             "confidence": next(iter(topics.values()))},
                "ranking": [{"intent_response_key": k, "confidence": c}
                            for k, c in topics.items()],
            },
        },
    }


def test_best_topic_multiplies_intent_and_topic_confidence() -> None:
    data = parse({"faq": 0.9, "greet": 0.1}, {"faq/study": 0.8, "faq/recognition": 0.2})
    guess = best_topic(data)
    assert guess is not None and guess.topic == "study"
    assert abs(guess.score - 0.72) < 1e-9
    assert guess.score >= FAQ_MIN_CONFIDENCE


def test_unsure_topic_scores_below_the_threshold() -> None:
    # the best topic at 0.35, torn with another one: share 0.4
    guess = best_topic(parse({"faq": 0.35}, {"faq/study": 0.4, "faq/recognition": 0.35}))
    assert guess is not None and guess.score < FAQ_MIN_CONFIDENCE


def test_no_selector_output() -> None:
    assert best_topic({"intent": {"name": "greet", "confidence": 1.0}}) is None


def test_guesses_mix_topics_and_actions_best_first() -> None:
    data = parse(
        {"nlu_fallback": 0.45, "faq": 0.4, "book_appointment": 0.3, "greet": 0.2},
        {"faq/recognition": 0.5, "faq/study": 0.3, "faq/qualification": 0.01},
    )
    targets = [g.target for g in guesses(data)]
    # 0.3 for booking beats 0.4 × 0.5 for the best topic
    assert targets == ["book_appointment", "faq/recognition", "faq/study"]
    assert [g.topic for g in guesses(data)] == [None, "recognition", "study"]


def test_greetings_and_noise_are_not_suggested() -> None:
    data = parse({"nlu_fallback": 0.45, "greet": 0.5}, {"faq/study": 0.1})
    assert [g.target for g in guesses(data)] == []  # 0.2 × 0.1 is below the noise floor


def test_every_guess_can_become_a_button_in_every_language() -> None:
    """An appointment intent as best guess once left "Did you mean …?" without buttons."""
    from jmd.content.answers import button_for
    from jmd.shared.languages import registry

    data = parse(
        {"list_appointments": 0.3, "reschedule_appointment": 0.25, "cancel_appointment": 0.2,
         "greet": 0.15, "faq": 0.1},
        {"faq/study": 0.5, "faq/recognition": 0.5},
    )
    found = guesses(data)
    assert [g.target for g in found][:3] == [
        "list_appointments", "reschedule_appointment", "cancel_appointment"]
    for language in registry().codes:
        assert all(button_for(g.target, language) for g in found)
