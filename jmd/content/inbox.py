"""The console's inbox: unanswered and 👎-rated questions become training examples or are
dismissed (Rasa X's "NLU inbox" for this project).

Invariants: a question is handled once (``feedback.handled_at``, migration 0014) and then
leaves the inbox and ``make export-unanswered``; the example is written to its file first
(:func:`jmd.content.editing.add_example`), then the question is marked and audited in one
transaction; the audit names the target and the row id, never the question's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from jmd import clock
from jmd.accounts.repository import audit
from jmd.db.feedback import mark_handled, open_questions
from jmd.db.models import Feedback
from jmd.shared.topics import FAQ_PREFIX

DISMISSED = "dismissed"


@dataclass(frozen=True)
class Question:
    """One open question of the inbox (the text is masked: see jmd.db.feedback.mask)."""

    id: int
    text: str
    language: str | None
    topic: str | None  # the guessed topic, or the topic of the 👎 answer
    kind: str
    at: str  # local time, for reading

    def target(self, topics: list[str]) -> str:
        """The preselected target: the guessed topic if it still exists."""
        return f"{FAQ_PREFIX}/{self.topic}" if self.topic in topics else ""


def _view(row: Feedback) -> Question:
    return Question(id=row.id, text=row.text or "", language=row.language, topic=row.topic,
                    kind=row.kind,
                    at=row.created_at.astimezone(clock.BERLIN).strftime("%d.%m.%Y %H:%M"))


def questions(session: Session, limit: int = 200) -> list[Question]:
    """The open questions, newest first."""
    return [_view(row) for row in open_questions(session, limit)]


def question(session: Session, question_id: int) -> Question | None:
    """One open question, or None (unknown or already handled)."""
    row = session.get(Feedback, question_id)
    if row is None or row.handled_at is not None or not row.text:
        return None
    return _view(row)


def added(session: Session, question_id: int, target: str, language: str,
          username: str) -> bool:
    """Mark the question as added to ``target`` and audit it; False if already handled."""
    if not mark_handled(session, question_id, target):
        return False
    audit(session, username, "inbox.add", f"{target} ({language})", f"feedback {question_id}")
    return True


def dismiss(session: Session, question_id: int, username: str) -> bool:
    """Take the question out of the inbox without an example; False if already handled."""
    if not mark_handled(session, question_id, DISMISSED):
        return False
    audit(session, username, "inbox.dismiss", f"feedback {question_id}")
    return True
