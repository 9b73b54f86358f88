"""Repository functions for :class:`Feedback`: unanswered questions and rated answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from jmd.db.engine import affected
from jmd.db.models import Feedback, utcnow

UNANSWERED = "unanswered"  # the assistant did not understand the question
HELPFUL = "helpful"  # 👍 on an answer (no text stored)
NOT_HELPFUL = "not_helpful"  # 👎 on an answer, with the question that led to it
KINDS = (UNANSWERED, HELPFUL, NOT_HELPFUL)
MAX_TEXT = 1000

_EMAIL = re.compile(r"\S+@\S+\.\w+")
_NUMBER = re.compile(r"\+?\d[\d /.-]{3,}\d")  # phone numbers, IDs, file numbers


def mask(text: str) -> str:
    """Keep the question, drop what identifies someone: e-mail addresses and long numbers."""
    return _NUMBER.sub("[Nummer]", _EMAIL.sub("[E-Mail]", text))[:MAX_TEXT]


def record(
    session: Session,
    kind: str,
    *,
    language: str | None,
    topic: str | None = None,
    text: str | None = None,
    person_key: str | None = None,
) -> Feedback:
    if kind not in KINDS:
        raise ValueError(f"unknown feedback kind {kind!r}")
    row = Feedback()
    row.kind = kind
    row.language = language
    row.topic = topic
    row.text = mask(text) if text and kind != HELPFUL else None
    row.person_key = person_key
    session.add(row)
    session.flush()
    return row


def for_editors(session: Session, since: datetime | None = None) -> Iterator[Feedback]:
    """Unanswered questions and 👎 answers not yet handled in the console's inbox, oldest
    first."""
    query = select(Feedback).where(Feedback.kind.in_([UNANSWERED, NOT_HELPFUL]),
                                   Feedback.handled_at.is_(None))
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    yield from session.execute(query.order_by(Feedback.created_at, Feedback.id)).scalars()


def open_questions(session: Session, limit: int = 200) -> list[Feedback]:
    """The inbox: unanswered and 👎 questions with their text, not yet handled, newest first."""
    query = (select(Feedback)
             .where(Feedback.kind.in_([UNANSWERED, NOT_HELPFUL]), Feedback.handled_at.is_(None),
                    Feedback.text.is_not(None))
             .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit))
    return list(session.execute(query).scalars())


def mark_handled(session: Session, feedback_id: int, handled_as: str) -> bool:
    """Take an open question out of the inbox; False if it is gone or already handled."""
    result = session.execute(
        update(Feedback)
        .where(Feedback.id == feedback_id, Feedback.handled_at.is_(None),
               Feedback.kind.in_([UNANSWERED, NOT_HELPFUL]))
        .values(handled_at=utcnow(), handled_as=handled_as[:80]))
    return affected(result) == 1


def delete_for_person(session: Session, person_key: str) -> int:
    result = session.execute(delete(Feedback).where(Feedback.person_key == person_key))
    return affected(result)


def delete_older_than(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(Feedback).where(Feedback.created_at < cutoff))
    return affected(result)
