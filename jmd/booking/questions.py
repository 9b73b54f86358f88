"""The booking form's questions as one table: everything that differs per question.

Invariants: ``QUESTIONS`` is in the order the form asks (``booking_form.required_slots`` in
domain.yml, checked by tests/test_booking_questions.py); ``slot`` is the form's slot and the
entity a button sets; every answer is a canonical value (age band, office id, mode, language
code, ISO date) or ``ANY`` (never for a question with ``allows_any=False``: the age band is a
fact); ``options`` offers only values that still lead to a free slot, in button order (the
age band: every band — it decides the organisation, content/routing.yml). Only an answer
with ``remember`` outlives the booking (the band, on persons; never an exact age). Nothing
here knows Rasa: the actions, the dialogue logic and the tests all read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from jmd.booking import free, service
from jmd.booking.present import day_label, mode_label
from jmd.booking.service import Preferences
from jmd.booking.vocabulary import match_language, match_mode, match_office, parse_day
from jmd.content import routing
from jmd.content.offices import load_offices
from jmd.db.persons import get_age_band, set_age_band
from jmd.shared.languages import registry

Options = Callable[[Session, Preferences, datetime, str], list[str]]


@dataclass(frozen=True)
class Question:
    """One question of the booking form."""

    slot: str  # the form's slot in domain.yml, also the entity of its buttons
    field: str  # the matching field of service.Preferences
    match: Callable[[str, date], str | None]  # typed text → value, None if none is named
    valid: Callable[[str, date], bool]  # whether a value (tapped, typed or forged) exists
    options: Options  # (session, preferences, now, chat language) → free values
    label: Callable[[str, str], str]  # (value, chat language) → button title
    ask: str  # the response that asks it (domain.yml)
    not_understood: str = "utter_booking_not_understood"
    in_request: bool = True  # may be named in the booking request itself ("… in Dessau")
    # False: a chat in the default language needs no choice (every counselor speaks it)
    ask_in_default_language: bool = True
    preference: Callable[[str], Any] = str  # value → the Preferences field's type
    # False: a fact about the person, not a wish — no "any" button, "egal" is no answer
    allows_any: bool = True
    # (session, person key) → the answer the person gave before (asked once), or None
    recall: Callable[[Session, str], str | None] | None = None
    # (session, person key, answer): keep the answer for next time
    remember: Callable[[Session, str, str], None] | None = None

    @property
    def ask_action(self) -> str:
        """The action Rasa runs to ask it (``action_ask_<slot>``)."""
        return f"action_ask_{self.slot}"

    @property
    def validator(self) -> str:
        """The method of ``validate_booking_form`` that checks it (``validate_<slot>``)."""
        return f"validate_{self.slot}"


def _office_ids(session: Session, prefs: Preferences, now: datetime, _language: str) -> list[str]:
    available = set(free.options(session, prefs, now, "office_id"))
    return [o.id for o in load_offices() if o.id in available]


def _office_name(value: str, _language: str) -> str:
    return next((o.name for o in load_offices() if o.id == value), value)


def _modes(session: Session, prefs: Preferences, now: datetime, _language: str) -> list[str]:
    available = set(free.options(session, prefs, now, "mode"))
    return [m for m in service.MODES if m in available]


def _languages(session: Session, prefs: Preferences, now: datetime, language: str) -> list[str]:
    available = set(free.options(session, prefs, now, "language"))
    ordered = [language] + [c for c in registry().codes if c != language]  # the chat's first
    return [c for c in ordered if c in available]


def _days(session: Session, prefs: Preferences, now: datetime, _language: str) -> list[str]:
    return [d.isoformat() for d in free.free_days(session, prefs, now)]


def _typed_day(text: str, today: date) -> str | None:
    day = parse_day(text, today)
    return day.isoformat() if day else None


def _future_day(value: str, today: date) -> bool:
    try:
        return date.fromisoformat(value) >= today
    except ValueError:
        return False


AGE = Question(
    slot="booking_age_band", field="organisation_kind",
    match=lambda text, _today: routing.band_in_text(text),  # "ich bin 30" → 27+
    valid=lambda value, _today: value in routing.band_ids(),
    options=lambda _session, _prefs, _now, _language: routing.band_ids(),
    label=routing.band_label, ask="utter_booking_ask_age_band",
    not_understood="utter_booking_age_not_understood",
    in_request=False,  # a number in the request ("Termin am 30.") is a day, not an age
    allows_any=False,
    preference=routing.booking_kind,  # the band decides the organisation (content/routing.yml)
    recall=get_age_band, remember=set_age_band,
)
OFFICE = Question(
    slot="booking_office", field="office_id",
    match=lambda text, _today: match_office(text),
    valid=lambda value, _today: value in {o.id for o in load_offices()},
    options=_office_ids, label=_office_name, ask="utter_booking_ask_office",
)
MODE = Question(
    slot="booking_mode", field="mode",
    match=lambda text, _today: match_mode(text),
    valid=lambda value, _today: value in service.MODES,
    options=_modes, label=mode_label, ask="utter_booking_ask_mode",
)
LANGUAGE = Question(
    slot="booking_counselor_language", field="language",
    match=lambda text, _today: match_language(text),
    valid=lambda value, _today: value in registry().codes,
    options=_languages, label=lambda value, _language: registry().languages[value].name,
    ask="utter_booking_ask_language",
    in_request=False,  # "auf Arabisch" in a request is the chat's language, not this answer
    ask_in_default_language=False,
)
DAY = Question(
    slot="booking_day", field="from_day",
    match=_typed_day, valid=_future_day, options=_days,
    label=lambda value, language: day_label(date.fromisoformat(value), language),
    ask="utter_booking_ask_day", not_understood="utter_booking_day_not_understood",
    preference=date.fromisoformat,
)

QUESTIONS: tuple[Question, ...] = (AGE, OFFICE, MODE, LANGUAGE, DAY)
SLOTS: tuple[str, ...] = tuple(q.slot for q in QUESTIONS)
