"""The crisis safety net as a Rasa component (jmd.nlu.crisis): runs in the Rasa environment."""

from __future__ import annotations

import yaml
from rasa.shared.nlu.training_data.message import Message

from jmd.nlu.crisis import CrisisSafetyNet
from jmd.shared.safety import default_matcher
from jmd.shared.settings import PROJECT_ROOT

# -- the NLU component ----------------------------------------------------------------------


def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={"text": text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", dict(entries[0]), add_to_output=True)
    message.set("intent_ranking", entries, add_to_output=True)
    return message


def safety_net() -> CrisisSafetyNet:
    return CrisisSafetyNet(CrisisSafetyNet.get_default_config(), default_matcher())


def test_component_sets_crisis_and_keeps_the_ranking() -> None:
    message = parsed("ابوي يضربني", [("faq", 0.7), ("greet", 0.2), ("crisis", 0.1)])
    safety_net().process([message])
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["crisis", "faq", "greet"]
    assert message.get("crisis") == {"source": "safety_net", "category": "violence"}
    assert "crisis" in message.as_dict(only_output_properties=True)


def test_component_leaves_other_messages_and_button_payloads_alone() -> None:
    for written in ("wann ist mein termin", "/faq_helpful"):
        message = parsed(written, [("faq", 0.9), ("crisis", 0.05)])
        safety_net().process([message])
        assert message.get("intent")["name"] == "faq"
        assert message.get("crisis") is None


def test_component_prefers_a_crisis_the_fallback_hid() -> None:
    message = parsed("es ist alles so schwer", [("nlu_fallback", 0.45), ("crisis", 0.4),
                                                ("faq", 0.35)])
    safety_net().process([message])
    assert message.get("intent")["name"] == "crisis"
    assert message.get("crisis") == {"source": "classifier", "category": None}
    message = parsed("es ist alles so schwer", [("nlu_fallback", 0.45), ("faq", 0.4)])
    safety_net().process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_an_unsure_crisis_close_behind_the_best_label_is_answered_as_a_crisis() -> None:
    """The fallback fired and crisis is 0.011 behind out_of_scope (a held-out Arabic crisis
    message, 'tonight I'll be done with everything', in one trained model): crisis first."""
    close = [("nlu_fallback", 0.3), ("out_of_scope", 0.258), ("crisis", 0.247), ("goodbye", 0.1)]
    message = parsed("الليلة رح خلص من كل شي", close)
    safety_net().process([message])
    assert message.get("crisis") == {"source": "classifier", "category": None}
    far = [("nlu_fallback", 0.3), ("out_of_scope", 0.29), ("crisis", 0.2)]
    message = parsed("الليلة عندي مباراة", far)
    safety_net().process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
    sure = parsed("الليلة عندي مباراة", [("out_of_scope", 0.5), ("crisis", 0.48)])
    safety_net().process([sure])
    assert sure.get("intent")["name"] == "out_of_scope", "only when the classifiers are unsure"


def test_the_pipeline_ends_with_the_safety_net() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    assert config["pipeline"][-1]["name"] == "jmd.nlu.crisis.CrisisSafetyNet"
