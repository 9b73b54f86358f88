"""What counselors read: the card in a person's topic, the topic's title, the take button.

The counselor group's language is German; every text comes from the catalogue
(``content/texts/handoff.yml``, ``staff.handoff.*``). People appear only by pseudonym
(:func:`jmd.identity.display_name`), never by a Telegram name. What a person wrote is shown
one text per line, made single-line by :func:`jmd.shared.one_line.one_line`, so it cannot
fake a line of the card; staff fields and titles pass it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from babel import Locale
from babel.dates import format_datetime

from jmd import clock
from jmd.content.offices import Office
from jmd.handoff.counselors import UpcomingBooking
from jmd.handoff.state import ASSIGNED, CLOSED, HandoffView
from jmd.identity import display_name
from jmd.shared.languages import registry
from jmd.shared.one_line import one_line
from jmd.texts import staff

# Callback data of the card's button; short, and never starting with "/" (Rasa payloads).
TAKE_PREFIX = "ho:take:"
TAKE_PATTERN = r"^ho:take:\d+$"

MAX_RECENT_CHARS = 400  # per text, so a card always fits one Telegram message
TOPIC_TITLE_LIMIT = 128  # Telegram's limit for a forum topic's name


def take_data(handoff_id: int) -> str:
    """The callback data of the "Übernehmen" button of handoff ``handoff_id``."""
    return f"{TAKE_PREFIX}{handoff_id}"


def parse_take(data: str | None) -> int | None:
    """The handoff id in a take button's data (None: not a take button)."""
    if not data or not re.match(TAKE_PATTERN, data):
        return None
    return int(data.removeprefix(TAKE_PREFIX))


def language_name(code: str | None) -> str:
    """The language's German name for counselors (Babel), e.g. prs → "Dari"."""
    lang = registry().get(code)
    if lang is None:
        return staff("handoff.unknown")
    names = Locale.parse("de").languages
    return str(names.get(lang.code) or names.get(lang.babel_locale) or lang.name)


def office_name(office_id: str | None, offices: Iterable[Office]) -> str | None:
    """The office's name from the office data (its id if unknown there); None for no office."""
    if not office_id:
        return None
    return next((o.name for o in offices if o.id == str(office_id)), str(office_id))


def topic_title(key: str, language: str | None, office: str | None = None) -> str:
    """Title of the person's forum topic: pseudonym, language, office if known."""
    parts = [display_name(key), language_name(language)]
    if office:
        parts.append(office)
    return one_line(" · ".join(parts))[:TOPIC_TITLE_LIMIT]


def taken_line(counselor: str) -> str:
    """The card's last line once ``counselor`` has taken it."""
    return staff("handoff.card.taken", name=counselor)


def closed_line() -> str:
    """The card's last line once the handoff is closed."""
    return staff("handoff.card.closed")


def _status_line(handoff: HandoffView) -> str:
    """Who has the handoff: nobody yet, a counselor, or nobody any more."""
    if handoff.status == ASSIGNED:
        return taken_line(handoff.counselor_name or "")
    if handoff.status == CLOSED:
        return closed_line()
    return staff("handoff.card.open")


def _shortened(text: str) -> str:
    """``text`` cut to MAX_RECENT_CHARS, marked with "…"."""
    return text if len(text) <= MAX_RECENT_CHARS else text[:MAX_RECENT_CHARS] + " …"


def render_card(
    handoff: HandoffView,
    recent: Iterable[str] = (),
    booking: UpcomingBooking | None = None,
    office: str | None = None,
    *,
    speaking: Iterable[str] = (),
    recreated: bool = False,
) -> str:
    """The card in the person's topic (plain text, German); its last line says who has it."""
    lines = [staff("handoff.card.recreated")] if recreated else []
    if handoff.urgent:
        lines.append(staff("handoff.card.urgent"))
    lines.append(staff("handoff.card.title", person=display_name(handoff.person_key)))
    language = language_name(handoff.language)
    lines.append(staff("handoff.card.language", language=language))
    names = list(speaking)
    if names:
        lines.append(staff("handoff.card.speakers", language=language, names=", ".join(names)))
    lines.append(staff("handoff.card.office", office=office or staff("handoff.unknown")))
    if booking is not None:
        when = format_datetime(
            clock.local(booking.starts_at), "EEE dd.MM.yyyy, HH:mm", locale="de_DE"
        )
        lines.append(staff("handoff.card.appointment", when=when))
    else:
        lines.append(staff("handoff.card.no_appointment"))
    texts = [_shortened(one_line(text)) for text in recent]
    if texts:
        lines += ["", staff("handoff.card.recent")]
        lines.extend(f"» {text}" for text in texts)
    # The status line comes last, after a blank line: editing the card replaces just it.
    lines += ["", _status_line(handoff)]
    return "\n".join(lines)


def with_status(card: str, status_line: str) -> str:
    """``card`` with its last line (who has it) replaced by ``status_line``."""
    body = card.rsplit("\n\n", 1)[0]
    return f"{body}\n\n{status_line}"
