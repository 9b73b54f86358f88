"""Rasa's own SQL tracker store, written by Rasa itself in the Rasa environment.

The tests run in the project's environment, which has no Rasa; erasure and retention must
still be tested against the ``events`` table exactly as the Rasa server writes it. So the
rows are written by a short script run with the Rasa environment's Python.
"""

from __future__ import annotations

import json
import subprocess

from jmd.shared.settings import load_settings

Exchange = tuple[str, str, float | None]  # what the person wrote, the reply, a Unix time

_SCRIPT = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

url, conversations = sys.argv[1], json.loads(sys.argv[2])
store = SQLTrackerStore(Domain.empty(), host=url)
for key, exchanges in conversations.items():
    events = []
    for text, reply, stamp in exchanges:
        events += [UserUttered(text, timestamp=stamp),
                   ActionExecuted("utter_greet", timestamp=stamp),
                   BotUttered(reply, timestamp=stamp)]
    asyncio.run(store.save(DialogueStateTracker.from_events(key, events)))
store.engine.dispose()
"""


def save_conversations(url: str, conversations: dict[str, list[Exchange]]) -> None:
    """Each key's whole conversation (it replaces what the store has for the key)."""
    python = load_settings().rasa_bin.parent / "python"
    result = subprocess.run(
        [str(python), "-c", _SCRIPT, url, json.dumps(conversations, ensure_ascii=False)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
