"""Turning Rasa replies into Telegram messages."""

from __future__ import annotations

import hashlib
import html
import logging
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rasa_client import Button
from jmd.shared.languages import registry

logger = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
# Right-to-left mark: makes Telegram lay out a line right-to-left even when it starts
# with a Latin word or a number ("116 111 ...").
RLM = "\u200f"


def to_html(text: str, language: str | None) -> str:
    """Escape text for HTML parse mode; anchor right-to-left languages line by line."""
    escaped = html.escape(text, quote=False)
    lang = registry().get(language)
    if lang and lang.direction == "rtl":
        escaped = "\n".join(RLM + line if line else line for line in escaped.split("\n"))
    return escaped


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so each part fits ``limit``."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in text.split("\n\n"):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(piece) > limit:
            cut = piece.rfind("\n", 0, limit)
            if cut <= 0:
                cut = piece.rfind(" ", 0, limit)
            if cut <= 0:
                cut = limit
                # never inside an HTML entity ("&amp;"): Telegram could not parse either half
                amp = piece.rfind("&", max(0, cut - 8), cut)
                if amp > 0 and ";" not in piece[amp:cut]:
                    cut = amp
            parts.append(piece[:cut].rstrip())
            piece = piece[cut:].lstrip()
        current = piece
    if current:
        parts.append(current)
    return parts


class PayloadStore:
    """Maps long button payloads to short opaque callback data.

    Telegram limits callback data to 64 bytes; most payloads fit and are sent as they
    are. Longer ones get a short token, remembered for a bounded number of buttons.
    """

    PREFIX = "#"

    def __init__(self, capacity: int = 5000) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_LIMIT and not payload.startswith(self.PREFIX):
            return payload
        token = self.PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._payloads[token] = payload
        self._payloads.move_to_end(token)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)
        return token

    def payload(self, data: str) -> str | None:
        """The payload behind callback ``data``; None if unknown or expired."""
        if data.startswith(self.PREFIX):
            return self._payloads.get(data)
        return data


# Buttons with titles this short (👍, 👎) share a row; longer ones need the full width.
SHORT_TITLE = 2


def keyboard(buttons: tuple[Button, ...], store: PayloadStore) -> InlineKeyboardMarkup | None:
    """One button per row, except that neighbouring short buttons (👍 👎) share one.

    A button without a title or a payload is left out: Telegram would refuse the whole
    message for it, and nobody could read or use it anyway.
    """
    usable = [b for b in buttons if b.title.strip() and b.payload]
    if len(usable) < len(buttons):
        logger.warning("left out %d button(s) without title or payload",
                       len(buttons) - len(usable))
    if not usable:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    previous_short = False
    for b in usable:
        button = InlineKeyboardButton(b.title[:64], callback_data=store.callback_data(b.payload))
        short = len(b.title) <= SHORT_TITLE
        if short and previous_short:
            rows[-1].append(button)
        else:
            rows.append([button])
        previous_short = short
    return InlineKeyboardMarkup(rows)
