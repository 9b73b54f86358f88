"""Handing a conversation over to a counselor: state in the database, texts for the card.

A handoff is ``open`` (waiting for a counselor), ``assigned`` (a counselor writes with the
person; Rasa is paused) or ``closed``. At most one per person is not closed (a partial
unique index). No message text is stored here: the person's forum topic in the counselor
group is the transcript. Telegram calls live in ``bot/handoff.py``; this module is plain
Python and SQL, used by the front and by the action (``recent_texts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from babel import Locale
from babel.dates import format_datetime, get_day_names
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from jmd import clock
from jmd.content.offices import Office
from jmd.db.models import Booking, Counselor, CounselorTopic, Handoff, Slot
from jmd.identity import display_name
from jmd.shared.languages import registry

OPEN, ASSIGNED, CLOSED = "open", "assigned", "closed"
ACTIVE = (OPEN, ASSIGNED)

# Callback data of the card's button; short, and never starting with "/" (Rasa payloads).
TAKE_PREFIX = "ho:take:"
TAKE_PATTERN = r"^ho:take:\d+$"

MAX_RECENT = 5  # texts of the person shown on the card
MAX_RECENT_CHARS = 400  # per text, so a card always fits one Telegram message
TOPIC_TITLE_LIMIT = 128  # Telegram's limit for a forum topic's name

# The counselor group's language is German: card and notes are not translated.
CARD_URGENT = "🚨 DRINGEND – Krisenmeldung"
CARD_TITLE = "🙋 {person} möchte mit einer Beraterin oder einem Berater schreiben."
CARD_RECREATED = "♻️ Thema neu angelegt (das alte wurde gelöscht)."
TAKE_BUTTON = "✋ Übernehmen"


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; naive values (SQLite returns those) are UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def now() -> datetime:
    """The controllable clock, in UTC (SQLite keeps wall time without the offset)."""
    return utc(clock.now())


# -- what the action sends, and what the card shows -----------------------------------


def recent_texts(events: Iterable[Mapping[str, Any]], limit: int = MAX_RECENT) -> list[str]:
    """The person's last ``limit`` typed messages, oldest first (no button payloads)."""
    texts = [
        str(event.get("text") or "").strip()
        for event in events
        if event.get("event") == "user"
    ]
    typed = [t for t in texts if t and not t.startswith("/")]
    return typed[-limit:] if limit > 0 else []


@dataclass(frozen=True)
class Request:
    """What ``action_handoff`` asks the front to do (custom message ``{"handoff": …}``)."""

    urgent: bool = False
    language: str | None = None
    recent: tuple[str, ...] = ()

    @classmethod
    def from_custom(cls, data: Mapping[str, Any]) -> Request:
        language = data.get("language")
        recent = data.get("recent") or []
        return cls(
            urgent=bool(data.get("urgent")),
            language=str(language) if language in registry().languages else None,
            recent=tuple(str(t) for t in recent if str(t).strip())[-MAX_RECENT:],
        )

    def as_custom(self) -> dict[str, Any]:
        return {"handoff": {"urgent": self.urgent, "language": self.language,
                            "recent": list(self.recent)}}


def language_name(code: str | None) -> str:
    """The language's German name for counselors (Babel), e.g. prs → "Dari"."""
    lang = registry().get(code)
    if lang is None:
        return "unbekannt"
    names = Locale.parse("de").languages
    return str(names.get(lang.code) or names.get(lang.babel_locale) or lang.name)


def office_name(office_id: Any, offices: Iterable[Office]) -> str | None:
    """The office's name from the office data (its id if unknown there); None for no office."""
    if not office_id:
        return None
    return next((o.name for o in offices if o.id == str(office_id)), str(office_id))


def topic_title(key: str, language: str | None, office: str | None = None) -> str:
    """Title of the person's forum topic: pseudonym, language, office if known."""
    parts = [display_name(key), language_name(language)]
    if office:
        parts.append(office)
    return " · ".join(parts)[:TOPIC_TITLE_LIMIT]


@dataclass(frozen=True)
class UpcomingBooking:
    starts_at: datetime
    office_id: str | None


def render_card(
    handoff: Handoff,
    recent: Iterable[str] = (),
    booking: UpcomingBooking | None = None,
    office: str | None = None,
    *,
    speaking: Iterable[str] = (),
    recreated: bool = False,
) -> str:
    """The card in the person's topic (plain text, German)."""
    lines = [CARD_RECREATED] if recreated else []
    if handoff.urgent:
        lines.append(CARD_URGENT)
    lines.append(CARD_TITLE.format(person=display_name(str(handoff.person_key))))
    language = language_name(str(handoff.language))
    lines.append(f"Sprache: {language}")
    names = list(speaking)
    if names:
        lines.append(f"Sprechen {language}: {', '.join(names)}")
    lines.append(f"Büro: {office or 'unbekannt'}")
    if booking is not None:
        when = format_datetime(
            clock.local(booking.starts_at), "EEE dd.MM.yyyy, HH:mm", locale="de_DE"
        )
        lines.append(f"Termin: {when} Uhr")
    else:
        lines.append("Termin: keiner gebucht")
    texts = [t if len(t) <= MAX_RECENT_CHARS else t[:MAX_RECENT_CHARS] + " …" for t in recent]
    if texts:
        lines.append("")
        lines.append("Zuletzt geschrieben:")
        lines.extend(f"» {t}" for t in texts)
    lines.append("")
    if handoff.status == ASSIGNED:
        lines.append(taken_line(str(handoff.counselor_name or "")))
    elif handoff.status == CLOSED:
        lines.append("☑️ Beendet.")
    else:
        lines.append("Wer übernimmt? Nach „Übernehmen“ gehen deine Nachrichten in diesem Thema "
                     "an die Person; /done beendet das Gespräch.")
    return "\n".join(lines)


def taken_line(counselor: str) -> str:
    return f"✅ Übernommen von {counselor}. Nachrichten hier gehen an die Person; /done beendet."


def take_data(handoff_id: int) -> str:
    return f"{TAKE_PREFIX}{handoff_id}"


def parse_take(data: str | None) -> int | None:
    if not data or not re.match(TAKE_PATTERN, data):
        return None
    return int(data.removeprefix(TAKE_PREFIX))


# -- office hours --------------------------------------------------------------------

Hours = dict[int, list[tuple[time, time]]]


def opening_hours(offices: Iterable[Office]) -> Hours:
    """When the counselor group is staffed: any office open (ranges merged per weekday)."""
    merged: Hours = {}
    for office in offices:
        for day, ranges in office.hours.items():
            merged.setdefault(day, []).extend(ranges)
    result: Hours = {}
    for day, ranges in sorted(merged.items()):
        joined: list[tuple[time, time]] = []
        for start, end in sorted(ranges):
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        if joined:
            result[day] = joined
    return result


def is_open(hours: Hours, moment: datetime) -> bool | None:
    """Whether ``moment`` falls in the hours (local time); None when no hours are known."""
    if not hours:
        return None
    local = clock.local(moment)
    at = local.time().replace(tzinfo=None)
    return any(start <= at < end for start, end in hours.get(local.weekday(), []))


def render_hours(hours: Hours, language: str) -> str:
    """One line per weekday, day names in ``language`` (Babel)."""
    days = get_day_names("abbreviated", locale=registry().languages[language].babel_locale)
    return "\n".join(
        f"{days[day]}: " + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in ranges)
        for day, ranges in sorted(hours.items())
    )


# -- database --------------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    """The outcome of a request: the person's active handoff and what changed."""

    handoff: Handoff
    created: bool
    escalated: bool = False  # an open handoff became urgent (crisis)

    @property
    def needs_card(self) -> bool:
        return self.created or self.escalated or self.handoff.card_message_id is None


def active_handoff(session: Session, key: str) -> Handoff | None:
    """The person's handoff that is open or assigned, if any."""
    query = select(Handoff).where(Handoff.person_key == key, Handoff.status.in_(ACTIVE))
    return session.execute(query).scalar_one_or_none()


def get_handoff(session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def request_handoff(
    session: Session,
    key: str,
    *,
    urgent: bool,
    language: str,
    office_id: str | None = None,
    at: datetime | None = None,
) -> Requested:
    """Open a handoff for ``key``, or return the one already open or assigned."""
    existing = active_handoff(session, key)
    if existing is None:
        handoff = Handoff()
        handoff.person_key = key
        handoff.status = OPEN
        handoff.urgent = urgent
        handoff.language = language
        handoff.office_id = office_id
        handoff.created_at = utc(at or now())
        session.add(handoff)
        # Two requests at once: the unique index refuses the second (IntegrityError);
        # the caller retries in a new transaction and gets the first one's handoff.
        session.flush()
        return Requested(handoff, created=True)
    escalated = urgent and not existing.urgent and existing.status == OPEN
    if escalated:
        existing.urgent = True
    if office_id and not existing.office_id:
        existing.office_id = office_id
    session.flush()
    return Requested(existing, created=False, escalated=escalated)


def set_card(session: Session, handoff_id: int, message_id: int) -> None:
    session.execute(
        update(Handoff).where(Handoff.id == handoff_id).values(card_message_id=message_id)
    )


def take(
    session: Session, handoff_id: int, counselor_id: int, counselor_name: str,
    at: datetime | None = None,
) -> bool:
    """Assign an open handoff; True only for the first counselor (one atomic UPDATE)."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == OPEN)
        .values(status=ASSIGNED, counselor_telegram_id=counselor_id,
                counselor_name=counselor_name, assigned_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def close(session: Session, handoff_id: int, at: datetime | None = None) -> bool:
    """Close an open or assigned handoff; False if it was closed already."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status.in_(ACTIVE))
        .values(status=CLOSED, closed_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def mark_notified(session: Session, handoff_id: int, at: datetime | None = None) -> bool:
    """Remember that the person was told nobody is free; True the first time only."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.timeout_notified_at.is_(None))
        .values(timeout_notified_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def due_timeouts(session: Session, timeout: timedelta, at: datetime | None = None) -> list[Handoff]:
    """Open handoffs nobody took within ``timeout`` whose person was not told yet."""
    cutoff = utc(at or now()) - timeout
    query = select(Handoff).where(
        Handoff.status == OPEN,
        Handoff.timeout_notified_at.is_(None),
        Handoff.created_at <= cutoff,
    )
    return list(session.execute(query.order_by(Handoff.id)).scalars())


# -- topics ----------------------------------------------------------------------------


def topic_of(session: Session, key: str, chat_id: int) -> CounselorTopic | None:
    """The person's topic in the counselor group ``chat_id`` (None: none there yet)."""
    topic = session.get(CounselorTopic, key)
    return topic if topic is not None and topic.chat_id == chat_id else None


def save_topic(
    session: Session, key: str, chat_id: int, thread_id: int, title: str,
    at: datetime | None = None,
) -> None:
    """Remember (or replace, after a deleted topic was recreated) the person's topic."""
    topic = session.get(CounselorTopic, key)
    if topic is None:
        topic = CounselorTopic()
        topic.person_key = key
        session.add(topic)
    if topic.chat_id != chat_id or topic.message_thread_id != thread_id:
        topic.created_at = utc(at or now())
    topic.chat_id = chat_id
    topic.message_thread_id = thread_id
    topic.title = title
    session.flush()


def person_of_thread(session: Session, chat_id: int, thread_id: int) -> str | None:
    query = select(CounselorTopic.person_key).where(
        CounselorTopic.chat_id == chat_id, CounselorTopic.message_thread_id == thread_id
    )
    return session.execute(query).scalars().first()


def forget_topic(session: Session, key: str) -> None:
    session.execute(delete(CounselorTopic).where(CounselorTopic.person_key == key))


def old_topics(session: Session, cutoff: datetime) -> list[tuple[str, int, int]]:
    """(key, chat, thread) of topics nobody needs any more: no active handoff, and the
    last handoff closed (or, without one, the topic created) before ``cutoff``."""
    cutoff = utc(cutoff)
    last_closed = (
        select(Handoff.person_key, func.max(Handoff.closed_at).label("closed_at"))
        .group_by(Handoff.person_key)
        .subquery()
    )
    active = select(Handoff.person_key).where(Handoff.status.in_(ACTIVE))
    query = (
        select(CounselorTopic.person_key, CounselorTopic.chat_id,
               CounselorTopic.message_thread_id)
        .outerjoin(last_closed, last_closed.c.person_key == CounselorTopic.person_key)
        .where(CounselorTopic.person_key.not_in(active))
        .where(func.coalesce(last_closed.c.closed_at, CounselorTopic.created_at) < cutoff)
        .order_by(CounselorTopic.created_at)
    )
    return [(str(key), int(chat), int(thread)) for key, chat, thread in session.execute(query)]


def purge_closed(session: Session, cutoff: datetime) -> int:
    """Delete handoffs closed before ``cutoff`` (their topic is gone too)."""
    result = session.execute(
        delete(Handoff).where(Handoff.status == CLOSED, Handoff.closed_at < utc(cutoff))
    )
    return int(result.rowcount or 0)


# -- counselors and bookings ------------------------------------------------------------


@dataclass(frozen=True)
class CounselorCheck:
    """Whether a Telegram account may act as a counselor, and the name shown for it."""

    allowed: bool
    name: str | None = None  # None: not in the table (allow-list), use the Telegram name


def counselor_by_telegram_id(
    session: Session, telegram_id: int, allow_list: frozenset[int] = frozenset()
) -> CounselorCheck:
    """Listed and active in ``counselors``, or in the allow-list (COUNSELOR_TELEGRAM_IDS)."""
    query = select(Counselor).where(
        Counselor.telegram_user_id == telegram_id, Counselor.active.is_(True)
    )
    counselor = session.execute(query).scalars().first()
    if counselor is not None:
        return CounselorCheck(True, str(counselor.name))
    return CounselorCheck(telegram_id in allow_list)


def speakers(session: Session, language: str) -> list[str]:
    """Names of active counselors with a Telegram account who speak ``language``."""
    query = select(Counselor).where(
        Counselor.active.is_(True), Counselor.telegram_user_id.is_not(None)
    )
    return sorted(
        str(c.name) for c in session.execute(query).scalars() if language in c.language_codes
    )


def upcoming_booking(
    session: Session, key: str, at: datetime | None = None
) -> UpcomingBooking | None:
    """The person's next active booking (start and office), if any."""
    query = (
        select(Slot.starts_at, Counselor.office_id)
        .join(Booking, Booking.slot_id == Slot.id)
        .join(Counselor, Counselor.id == Slot.counselor_id)
        .where(Booking.person_key == key, Booking.status == "active",
               Slot.starts_at >= utc(at or now()))
        .order_by(Slot.starts_at)
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    return UpcomingBooking(utc(row[0]), str(row[1]) if row[1] else None)
