"""Every response exists in every language; buttons are well-formed."""

from __future__ import annotations

import re

import pytest
import yaml

from jmd.shared.languages import registry
from jmd.shared.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]
OTHER_LANGUAGES = [code for code in registry().codes if code != registry().default]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_response_has_default_and_every_language(name: str) -> None:
    variations = RESPONSES[name]
    defaults = [v for v in variations if not v.get("condition")]
    assert len(defaults) == 1, "exactly one default (German) variation"
    languages = [c["value"] for v in variations for c in v.get("condition") or []]
    assert sorted(languages) == sorted(OTHER_LANGUAGES)
    assert all(v.get("text", "").strip() for v in variations)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_variations_offer_the_same_buttons(name: str) -> None:
    payloads = [tuple(b["payload"] for b in v.get("buttons", [])) for v in RESPONSES[name]]
    assert len(set(payloads)) == 1


def test_language_slot_values_match_the_registry() -> None:
    assert DOMAIN["slots"]["language"]["values"] == registry().codes


def test_button_payloads_name_known_intents() -> None:
    intents = set(DOMAIN["intents"])
    for name, variations in RESPONSES.items():
        for variation in variations:
            for button in variation.get("buttons", []):
                match = re.match(r"^/(\w+)", button["payload"])
                assert match and match.group(1) in intents, (name, button)
                assert len(button["payload"].encode()) <= 64


def test_emergency_numbers_in_every_crisis_variation() -> None:
    for variation in RESPONSES["utter_crisis"]:
        for number in ("112", "110", "116 111", "0800 111 0 111", "0800 111 0 222", "116 016"):
            assert number in variation["text"]
