"""Repository functions for :class:`PendingMessage`: messages waiting for Rasa."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jmd.db.models import PendingMessage


def keep_pending(
    session: Session,
    key: str,
    chat_id: int,
    text: str,
    *,
    message_id: int | None = None,
    telegram_language_code: str | None = None,
) -> PendingMessage:
    """Store a message Rasa could not answer yet."""
    row = PendingMessage()
    row.person_key = key
    row.chat_id = chat_id
    row.text = text
    row.message_id = message_id
    row.telegram_language_code = telegram_language_code
    session.add(row)
    session.flush()
    return row


def has_pending(session: Session, key: str) -> bool:
    query = select(PendingMessage.id).where(PendingMessage.person_key == key).limit(1)
    return session.execute(query).first() is not None


def pending_of(session: Session, key: str) -> list[PendingMessage]:
    """The person's waiting messages, oldest first."""
    query = select(PendingMessage).where(PendingMessage.person_key == key)
    return list(session.execute(query.order_by(PendingMessage.id)).scalars())


def waiting_people(session: Session) -> list[tuple[str, int]]:
    """(key, chat id) of everyone with waiting messages, longest waiting first."""
    query = (
        select(PendingMessage.person_key, PendingMessage.chat_id)
        .group_by(PendingMessage.person_key, PendingMessage.chat_id)
        .order_by(func.min(PendingMessage.id))
    )
    return [(str(key), int(chat_id)) for key, chat_id in session.execute(query)]


def forget_pending(session: Session, row_id: int) -> None:
    """Delete one message once Rasa has answered it."""
    session.execute(delete(PendingMessage).where(PendingMessage.id == row_id))


def expire_pending(session: Session, key: str, older_than: datetime) -> list[str | None]:
    """Delete the person's messages older than ``older_than``; their Telegram language codes."""
    old = (PendingMessage.person_key == key) & (PendingMessage.created_at < older_than)
    codes = [code for (code,) in session.execute(select(PendingMessage.telegram_language_code)
                                                  .where(old))]
    session.execute(delete(PendingMessage).where(old))
    return codes
