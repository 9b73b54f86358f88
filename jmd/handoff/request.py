"""What ``action_handoff`` asks the Telegram front to do: one custom message.

``{"handoff": {"urgent", "language", "recent"}}``: the action server builds it, the front
checks it (:meth:`Request.from_custom`); nothing else crosses from Rasa to the front.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jmd.shared.languages import registry

MAX_RECENT = 5  # texts of the person shown on the card


def recent_texts(events: Iterable[Mapping[str, Any]], limit: int = MAX_RECENT) -> list[str]:
    """The person's last ``limit`` typed messages, oldest first (no button payloads)."""
    texts = [
        str(event.get("text") or "").strip()
        for event in events
        if event.get("event") == "user"
    ]
    typed = [text for text in texts if text and not text.startswith("/")]
    return typed[-limit:] if limit > 0 else []


@dataclass(frozen=True)
class Request:
    """What ``action_handoff`` asks the front to do (custom message ``{"handoff": …}``)."""

    urgent: bool = False
    language: str | None = None
    recent: tuple[str, ...] = ()

    @classmethod
    def from_custom(cls, data: Mapping[str, Any]) -> Request:
        """The request in ``data``, with unknown languages and blank texts dropped."""
        language = data.get("language")
        recent = data.get("recent") or []
        return cls(
            urgent=bool(data.get("urgent")),
            language=str(language) if language in registry().languages else None,
            recent=tuple(str(text) for text in recent if str(text).strip())[-MAX_RECENT:],
        )

    def as_custom(self) -> dict[str, Any]:
        """The custom message the action sends."""
        return {"handoff": {"urgent": self.urgent, "language": self.language,
                            "recent": list(self.recent)}}
