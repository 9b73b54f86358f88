"""The booking form's actions are generated from the table and registered by rasa-sdk."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import yaml

from jmd.booking.questions import DAY, MODE, QUESTIONS
from jmd.shared.settings import PROJECT_ROOT

pytest.importorskip("rasa_sdk")  # the action server's environment

from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

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


def test_every_action_survives_the_trip_to_the_worker_process() -> None:
    """The action server (Sanic) pickles the registered actions for its worker process."""
    executor = ActionExecutor()
    executor.register_package("actions")
    for name, run in executor.actions.items():
        action = getattr(run, "__self__", None)
        assert action is not None, name
        assert pickle.loads(pickle.dumps(type(action))) is type(action), name


def tracker(text: str, entities: list[dict[str, Any]] | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": "inform"}, "entities": entities or []}
    return Tracker("u1", {"language": "ar"}, message, [], False, None,
                   {"name": "booking_form"}, None)


@pytest.mark.parametrize(("question", "response"), [
    (MODE, "utter_booking_not_understood"), (DAY, "utter_booking_day_not_understood"),
])
async def test_an_answer_that_means_nothing_is_asked_again(question: Any, response: str) -> None:
    dispatcher = CollectingDispatcher()
    validate = getattr(ValidateBookingForm(), question.validator)
    assert await validate("كلام فاضي", dispatcher, tracker("كلام فاضي"), {}) == {
        question.slot: None}
    assert [m["response"] for m in dispatcher.messages] == [response]


async def test_a_forged_button_value_is_refused() -> None:
    dispatcher = CollectingDispatcher()
    forged = tracker('/inform{"booking_mode":"pigeon"}',
                     [{"entity": MODE.slot, "value": "pigeon"}])
    assert await ValidateBookingForm().validate_booking_mode(  # type: ignore[attr-defined]
        "pigeon", dispatcher, forged, {}) == {MODE.slot: None}


async def test_a_cleared_answer_is_left_to_the_form() -> None:
    dispatcher = CollectingDispatcher()
    assert await getattr(ValidateBookingForm(), DAY.validator)(None, dispatcher, tracker(""),
                                                               {}) == {}
    assert dispatcher.messages == []
