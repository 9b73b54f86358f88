"""The booking dialogue's decisions, apart from Rasa: what to ask, which buttons, what a
typed answer means.

Invariants: the per-question parts come from the table in jmd.booking.questions, never
from a branch here; answers are keyed by slot name and hold canonical values or ``ANY``;
every button's payload is built by jmd.shared.payloads. The actions only move values
between these functions and the tracker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from jmd.booking import free
from jmd.booking.present import booking_line, day_label, slot_button
from jmd.booking.questions import AGE, QUESTIONS, Question
from jmd.booking.service import ANY, BookingView, Preferences, SlotView
from jmd.booking.vocabulary import means_any
from jmd.clock import local
from jmd.content import routing
from jmd.content.organisations import Organisation
from jmd.shared.languages import registry
from jmd.shared.payloads import payload
from jmd.texts import t


@dataclass(frozen=True)
class Choice:
    """A button: what it says and the payload Rasa gets when it is tapped."""

    title: str
    payload: str


def choice(title: str, intent: str, /, **entities: str) -> Choice:
    """A button that sends ``intent`` with ``entities``."""
    return Choice(title, payload(intent, **entities))


def action_choice(intent: str, language: str) -> Choice:
    """A button for ``intent``, labelled by the text of the same name (labels.yml)."""
    return choice(t(intent, language), intent)


def preferences(answers: Mapping[str, Any]) -> Preferences:
    """The search the answers so far stand for (``ANY`` and empty answers: no preference)."""
    given = {q.field: q.preference(str(answers[q.slot])) for q in QUESTIONS
             if answers.get(q.slot) and answers[q.slot] != ANY}
    return Preferences(**given)


def accepts(question: Question, value: str, today: date) -> bool:
    """Whether ``value`` is an answer to ``question`` (a payload can be typed or forged)."""
    return (value == ANY and question.allows_any) or question.valid(value, today)


def interpret(question: Question, text: str, entity: str | None, today: date) -> str | None:
    """The canonical answer to ``question`` from a button's entity or typed text, or None."""
    if entity:
        return entity if accepts(question, entity, today) else None
    if not text or text.startswith("/"):
        return None
    if accepts(question, text, today):  # a value the assistant itself filled in
        return text
    found = question.match(text, today)
    if found is None and question.allows_any and means_any(text):
        return ANY
    return found


def prefill(text: str, today: date) -> dict[str, str]:
    """Answers already given in the request ("Termin in Dessau morgen am Telefon")."""
    if not text or text.startswith("/"):
        return {}
    found = {q.slot: q.match(text, today) for q in QUESTIONS if q.in_request}
    return {slot: value for slot, value in found.items() if value}


def autofill(
    session: Session, answers: Mapping[str, Any], now: datetime, chat_language: str
) -> dict[str, str]:
    """The new answers to questions that need not be asked (at most one possible answer)."""
    filled: dict[str, str] = {}
    current = dict(answers)
    for question in QUESTIONS:
        if current.get(question.slot):
            continue
        # a property of the question, not a text fallback: German needs no choice
        needless = not question.ask_in_default_language and chat_language == registry().default
        if needless or len(question.options(session, preferences(current), now,
                                            chat_language)) <= 1:
            current[question.slot] = filled[question.slot] = ANY
    return filled


def _inform(question: Question, value: str) -> str:
    return payload("inform", **{question.slot: value})


def choices(
    session: Session, question: Question, answers: Mapping[str, Any], now: datetime,
    language: str,
) -> list[Choice]:
    """The buttons for ``question``: only values that still lead to a free slot, then "any"."""
    prefs = preferences({k: v for k, v in answers.items() if k != question.slot})
    result = [Choice(question.label(value, language), _inform(question, value))
              for value in question.options(session, prefs, now, language)]
    if question.allows_any:
        result.append(Choice(t("booking.any", language), _inform(question, ANY)))
    result.append(choice(t("booking.stop", language), "stop_booking"))
    return result


def recalled(session: Session, person_key: str) -> dict[str, str]:
    """The answers the person gave in an earlier booking that are kept (the age band)."""
    found = {q.slot: q.recall(session, person_key) for q in QUESTIONS if q.recall}
    return {slot: str(value) for slot, value in found.items() if value}


def routed_elsewhere(
    session: Session, answers: Mapping[str, Any], now: datetime
) -> Organisation | None:
    """The organisation the person's age band sends them to, when none of its counselors
    has a free time here (then the person gets its description and contact instead)."""
    band = answers.get(AGE.slot)
    if not band or band == ANY:
        return None
    organisation = routing.route(routing.APPOINTMENT, str(band))
    if organisation is None:
        return None
    kind = Preferences(organisation_kind=organisation.kind)
    return None if free.free_slots(session, kind, now, limit=1) else organisation


def slot_choices(slots: list[SlotView], language: str, more: bool) -> list[Choice]:
    """One button per free slot, then "more", "another day", "stop"."""
    buttons = [choice(slot_button(s, language), "choose_slot", slot_ref=s.ref) for s in slots]
    if more:
        buttons.append(choice(t("booking.more", language), "more_slots"))
    buttons.append(choice(t("booking.other_day", language), "other_day"))
    buttons.append(choice(t("booking.stop", language), "stop_booking"))
    return buttons


def no_slot_choices(language: str) -> list[Choice]:
    """Nothing free: another day, start again, or a person."""
    return [choice(t("booking.other_day", language), "other_day"),
            action_choice("book_appointment", language),
            action_choice("human_handoff", language)]


def summary_choices(slot_ref: str, rescheduling: bool, language: str) -> list[Choice]:
    """Under the summary of a chosen slot: book (or move) it, another day, stop."""
    confirm = "booking.confirm_reschedule" if rescheduling else "booking.confirm"
    return [choice(t(confirm, language), "confirm_booking", slot_ref=slot_ref),
            choice(t("booking.other_day", language), "other_day"),
            choice(t("booking.stop", language), "stop_booking")]


def cancel_choices(booking_ref: str, language: str) -> list[Choice]:
    """"Really cancel?": yes or keep it."""
    return [choice(t("booking.yes_cancel", language), "confirm_cancel", booking_ref=booking_ref),
            choice(t("booking.keep", language), "keep_booking")]


def manage_choices(
    bookings: Iterable[BookingView], language: str, *, reschedule: bool = True,
    cancel: bool = True,
) -> list[Choice]:
    """Per booking: reschedule and cancel, labelled with its day."""
    buttons: list[Choice] = []
    for booking in bookings:
        day = day_label(local(booking.slot.starts_at).date(), language)
        if reschedule:
            buttons.append(choice(f"{t('booking.reschedule_this', language)} · {day}",
                                  "reschedule_appointment", booking_ref=booking.ref))
        if cancel:
            buttons.append(choice(f"{t('booking.cancel_this', language)} · {day}",
                                  "cancel_appointment", booking_ref=booking.ref))
    return buttons


def listing(bookings: Iterable[BookingView], language: str) -> str:
    """The person's appointments as the ``{list}`` of a response."""
    return "\n\n".join(booking_line(b, language) for b in bookings)


def first_is_later(slots: list[SlotView], prefs: Preferences) -> bool:
    """Whether the preferred day had nothing left (the first slot is on a later day)."""
    return bool(slots and prefs.from_day and local(slots[0].starts_at).date() != prefs.from_day)
