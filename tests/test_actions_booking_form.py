"""The booking form's actions are generated from the table and registered by rasa-sdk."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from jmd.booking.questions import QUESTIONS
from jmd.shared.settings import PROJECT_ROOT

pytest.importorskip("rasa_sdk")  # the action server's environment

from rasa_sdk.executor import ActionExecutor

from actions.booking_form import ASK_ACTIONS, ValidateBookingForm

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text("utf-8"))


def test_one_validator_per_question() -> None:
    form = ValidateBookingForm()
    for question in QUESTIONS:
        assert callable(getattr(form, question.validator))
    assert form.name() == "validate_booking_form"


def test_one_ask_action_per_question() -> None:
    assert [cls().name() for cls in ASK_ACTIONS] == [q.ask_action for q in QUESTIONS]


def test_the_action_server_registers_every_declared_action() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    custom = {a for a in DOMAIN["actions"] if a.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions)
    assert "action_ask_" not in executor.actions  # the abstract ask action is no action
