"""Rasa's check of action server responses: the same verdicts, the schema checked once."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from jmd.nlu import action_validation

SCHEMA = RemoteAction.action_response_format_spec()
VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "ar"}],
     "responses": [{"text": "hallo", "buttons": [{"title": "a", "payload": "/b"}]}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"no": "event name"}]},
    {"responses": "x", "events": []},
    {"events": [{"event": "slot"}]},
]


@pytest.fixture
def remote() -> RemoteAction:
    action_validation.install()
    action_validation.install()  # twice is once
    return RemoteAction("action_anything", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass(remote: RemoteAction, result: dict[str, Any]) -> None:
    assert remote._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_as_with_rasa_s_own_check(
    remote: RemoteAction, result: dict[str, Any]
) -> None:
    with pytest.raises(jsonschema.ValidationError) as rasa_s:
        jsonschema.validate(result, SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as ours:
        remote._validate_action_result(result)
    assert ours.value.message.startswith(rasa_s.value.message + ". Failed to validate Action")


def test_the_schema_is_not_checked_for_every_response(
    remote: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[object] = []
    monkeypatch.setattr(validator_for(SCHEMA), "check_schema",
                        classmethod(lambda cls, schema, *args, **kwargs: checks.append(schema)))
    for result in VALID * 5:
        remote._validate_action_result(result)
    assert checks == []
