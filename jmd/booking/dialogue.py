"""The booking dialogue's decisions, apart from Rasa: what to ask, which buttons, what a
typed answer means. actions/booking.py only moves values between these and the tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from jmd.booking import service
from jmd.booking.present import day_label, slot_button
from jmd.booking.service import ANY, Preferences, SlotView
from jmd.booking.vocabulary import (
    any_label,
    match_language,
    match_mode,
    match_office,
    means_any,
    mode_label,
    parse_day,
    text_for,
)
from jmd.clock import local
from jmd.content.offices import load_offices
from jmd.shared.languages import registry

OFFICE, MODE, LANGUAGE, DAY = (
    "booking_office", "booking_mode", "booking_counselor_language", "booking_day",
)
QUESTIONS = (OFFICE, MODE, LANGUAGE, DAY)
_FIELD = {OFFICE: "office_id", MODE: "mode", LANGUAGE: "language"}


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


def preferences(answers: dict[str, Any]) -> Preferences:
    day = answers.get(DAY)
    return Preferences(
        office_id=answers.get(OFFICE), mode=answers.get(MODE), language=answers.get(LANGUAGE),
        from_day=date.fromisoformat(day) if day and day != ANY else None,
    ).clean()


def interpret(question: str, text: str, entity: str | None, today: date) -> str | None:
    """The canonical answer (office id, mode, language code, ISO date or ``any``) to
    ``question``, from a button's entity or typed text; None if it means nothing here."""
    if entity:
        return entity if _valid(question, entity, today) else None
    if not text or text.startswith("/"):
        return None
    if _valid(question, text, today):  # a value the assistant itself filled in
        return text
    if question == DAY:
        day = parse_day(text, today)
        if day is not None:
            return day.isoformat()
        return ANY if means_any(text) else None
    found = {OFFICE: match_office, MODE: match_mode, LANGUAGE: match_language}[question](text)
    if found is None and means_any(text):
        return ANY
    return found


def _valid(question: str, value: str, today: date) -> bool:
    """Button values are checked too: a payload can be typed or forged."""
    if value == ANY:
        return True
    if question == OFFICE:
        return value in {o.id for o in load_offices()}
    if question == MODE:
        return value in service.MODES
    if question == LANGUAGE:
        return value in registry().codes
    try:
        return date.fromisoformat(value) >= today
    except ValueError:
        return False


def prefill(text: str, today: date) -> dict[str, str]:
    """Answers already given in the request ("Termin in Dessau morgen am Telefon")."""
    if not text or text.startswith("/"):
        return {}
    found = {
        OFFICE: match_office(text), MODE: match_mode(text), DAY: None,
    }
    day = parse_day(text, today)
    if day is not None:
        found[DAY] = day.isoformat()
    return {key: value for key, value in found.items() if value}


def autofill(
    session: Session, answers: dict[str, Any], now: datetime, chat_language: str
) -> dict[str, str]:
    """Answers for the questions that need not be asked: only one possibility among the
    free slots, or the counselor's language when the chat is in the default language
    (every counselor speaks German). Returns the new answers only."""
    filled: dict[str, str] = {}
    current = dict(answers)
    for question in (OFFICE, MODE, LANGUAGE):
        if current.get(question):
            continue
        if question == LANGUAGE and chat_language == registry().default:
            current[question] = filled[question] = ANY
            continue
        if len(service.options(session, preferences(current), now, _FIELD[question])) <= 1:
            current[question] = filled[question] = ANY
    if not current.get(DAY) and len(service.free_days(session, preferences(current), now)) <= 1:
        filled[DAY] = ANY
    return filled


def _payload(question: str, value: str) -> str:
    return f'/inform{{"{question}":"{value}"}}'


def choices(
    session: Session, question: str, answers: dict[str, Any], now: datetime, language: str
) -> list[Choice]:
    """The buttons for ``question``: only values that still lead to a free slot, then "any"."""
    prefs = preferences({k: v for k, v in answers.items() if k != question})
    result: list[Choice] = []
    if question == OFFICE:
        available = set(service.options(session, prefs, now, "office_id"))
        result = [Choice(o.name, _payload(OFFICE, o.id)) for o in load_offices()
                  if o.id in available]
    elif question == MODE:
        available = set(service.options(session, prefs, now, "mode"))
        result = [Choice(mode_label(m, language), _payload(MODE, m)) for m in service.MODES
                  if m in available]
    elif question == LANGUAGE:
        available = set(service.options(session, prefs, now, "language"))
        ordered = [language] + [c for c in registry().codes if c != language]
        result = [Choice(registry().languages[c].name, _payload(LANGUAGE, c)) for c in ordered
                  if c in available]
    elif question == DAY:
        result = [Choice(day_label(d, language), _payload(DAY, d.isoformat()))
                  for d in service.free_days(session, prefs, now)]
    result.append(Choice(any_label(language), _payload(question, ANY)))
    result.append(Choice(text_for("buttons", "stop", language), "/stop_booking"))
    return result


def slot_choices(slots: list[SlotView], language: str, more: bool) -> list[Choice]:
    buttons = [Choice(slot_button(s, language), f'/choose_slot{{"slot_ref":"{s.ref}"}}')
               for s in slots]
    if more:
        buttons.append(Choice(text_for("buttons", "more", language), "/more_slots"))
    buttons.append(Choice(text_for("buttons", "other_day", language), "/other_day"))
    buttons.append(Choice(text_for("buttons", "stop", language), "/stop_booking"))
    return buttons


def first_is_later(slots: list[SlotView], prefs: Preferences) -> bool:
    """Whether the preferred day had nothing left (the first slot is on a later day)."""
    return bool(slots and prefs.from_day and local(slots[0].starts_at).date() != prefs.from_day)
