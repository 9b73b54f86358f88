"""Text from outside (a young person's message, a Telegram name) made safe for one line.

Counselors read cards, topic names and notes line by line: a message with line breaks
could add a line that looks like the card's own ("✅ Übernommen von …"), and Unicode's
bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) can reorder what
follows them on screen, so a line may show something other than its characters.

:func:`one_line` is the one function for this; everything shown to counselors that came
from outside passes it (the card's recent texts in jmd.handoff.cards, every field of a
staff text in :func:`jmd.texts.staff`, topic titles, counselor names).
"""

from __future__ import annotations

import re
import unicodedata

LINE_BREAK = " ⏎ "  # shows where the person broke the line, on the same line

_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+\s*")
# Explicit embeddings, overrides and isolates, the implicit marks (LRM, RLM, ALM: Arabic
# and Dari read the same without them, and a run of them can move punctuation or the
# "»" before a text), and the deprecated format characters U+206A–U+206F and the
# interlinear annotation marks U+FFF9–U+FFFB. ZWNJ and ZWJ stay: Dari spelling and emoji
# need them.
_INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u206a-\u206f\ufff9-\ufffb]"
)
_SPACES = re.compile(r"[ \t]{2,}")


def one_line(text: str) -> str:
    """``text`` on one line: breaks shown as ⏎, bidi controls and control characters gone."""
    text = _LINE_BREAKS.sub(LINE_BREAK, text.strip())
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return _SPACES.sub(" ", text).strip()
