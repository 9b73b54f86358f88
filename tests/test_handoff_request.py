"""jmd.handoff.request: what action_handoff sends, and how the front reads it."""

from __future__ import annotations

import pytest

from actions.handoff import ActionHandoff
from jmd.handoff.request import Request, recent_texts


def test_recent_texts_are_the_last_typed_messages_without_payloads() -> None:
    events = [
        {"event": "user", "text": "/start"},
        {"event": "bot", "text": "Hallo!"},
        *({"event": "user", "text": f"frage {n}"} for n in range(1, 8)),
        {"event": "user", "text": '/change_language{"language": "ar"}'},
        {"event": "user", "text": "  "},
        {"event": "slot", "name": "language", "value": "ar"},
    ]
    assert recent_texts(events) == [f"frage {n}" for n in range(3, 8)]
    assert recent_texts(events, limit=2) == ["frage 6", "frage 7"]
    assert recent_texts([]) == []


def test_request_from_the_action_is_checked() -> None:
    request = Request.from_custom({"urgent": 1, "language": "xx", "recent": ["a", " ", "b"]})
    assert request == Request(urgent=True, language=None, recent=("a", "b"))
    assert Request.from_custom(request.as_custom()["handoff"]) == request
    assert Request.from_custom({}) == Request()


class FakeTracker:
    """What ActionHandoff reads of a tracker."""

    def __init__(self, intent: str, language: str, events: list[dict]) -> None:
        self.latest_message = {"intent": {"name": intent}}
        self.events = events
        self._language = language

    def get_slot(self, name: str) -> str:
        assert name == "language"
        return self._language


@pytest.mark.parametrize(("intent", "urgent"), [("human_handoff", False), ("crisis", True)])
async def test_the_action_sends_one_custom_message(intent: str, urgent: bool) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    events = [{"event": "user", "text": "سلام"}, {"event": "user", "text": "/human_handoff"}]
    result = await ActionHandoff().run(dispatcher, FakeTracker(intent, "prs", events), {})  # type: ignore[arg-type]
    assert result == []
    assert [m["custom"] for m in dispatcher.messages] == [
        {"handoff": {"urgent": urgent, "language": "prs", "recent": ["سلام"]}}
    ]


def test_the_terminal_chat_explains_that_it_has_no_counselors() -> None:
    from bot.rasa_client import Reply
    from bot.terminal import render
    from jmd.texts import t

    request = Request(urgent=True, language="prs", recent=("سلام",))
    output, buttons = render([Reply(text="crisis"), Reply(custom=request.as_custom())])
    assert output == f"🤖 crisis\n{t('handoff_terminal', 'prs')}" and buttons == ()
