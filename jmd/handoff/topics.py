"""Which forum topic of the counselor group belongs to which person.

One topic per person (``counselor_topics``), reused for every handoff and replaced when
counselors deleted it. Functions take the session first and return frozen views.

A topic Telegram would not delete when its person was erased or its retention ended
becomes a tombstone (``topic_tombstones``: group and thread, nothing about the person):
the person's row goes at once, the deletion is retried until it works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from jmd.clock import utc
from jmd.db.models import CounselorTopic, Handoff, TopicTombstone
from jmd.handoff.state import ACTIVE, now


@dataclass(frozen=True)
class TopicView:
    """A person's topic: the group ``chat_id``, the topic ``thread_id`` and its title."""

    key: str
    chat_id: int
    thread_id: int
    title: str


def _view(row: CounselorTopic) -> TopicView:
    """The view of an ORM row (inside its session)."""
    return TopicView(str(row.person_key), int(row.chat_id), int(row.message_thread_id),
                     str(row.title))


def any_topic(session: Session, key: str) -> TopicView | None:
    """The person's topic, in whichever group it is."""
    row = session.get(CounselorTopic, key)
    return _view(row) if row is not None else None


def topic_of(session: Session, key: str, chat_id: int) -> TopicView | None:
    """The person's topic in the counselor group ``chat_id`` (None: none there yet)."""
    topic = any_topic(session, key)
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
        topic.created_at = utc(at or now())  # a new topic: retention counts from here
    topic.chat_id = chat_id
    topic.message_thread_id = thread_id
    topic.title = title
    session.flush()


def person_of_thread(session: Session, chat_id: int, thread_id: int) -> str | None:
    """Whose topic ``thread_id`` is (None: not a person's topic)."""
    query = select(CounselorTopic.person_key).where(
        CounselorTopic.chat_id == chat_id, CounselorTopic.message_thread_id == thread_id
    )
    key = session.scalars(query).first()
    return str(key) if key is not None else None


def forget_topic(session: Session, key: str) -> None:
    """Forget the person's topic (after it was deleted in Telegram)."""
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


# -- tombstones: topics still to be deleted in Telegram ---------------------------------------


def tombstone_topic(session: Session, key: str) -> bool:
    """Forget the person's topic but keep where it is, to delete it later; False: no topic."""
    topic = session.get(CounselorTopic, key)
    if topic is None:
        return False
    where = (TopicTombstone.chat_id == topic.chat_id,
             TopicTombstone.message_thread_id == topic.message_thread_id)
    if session.scalars(select(TopicTombstone.id).where(*where)).first() is None:
        session.add(TopicTombstone(chat_id=topic.chat_id,
                                   message_thread_id=topic.message_thread_id,
                                   created_at=utc(now()), attempts=0))
    session.delete(topic)
    session.flush()
    return True


def tombstones(session: Session) -> list[tuple[int, int, int]]:
    """(id, chat, thread) of every topic still to be deleted, oldest first."""
    query = select(TopicTombstone.id, TopicTombstone.chat_id,
                   TopicTombstone.message_thread_id).order_by(TopicTombstone.id)
    return [(int(i), int(chat), int(thread)) for i, chat, thread in session.execute(query)]


def bury(session: Session, tombstone_id: int) -> None:
    """The topic is gone in Telegram: forget its tombstone."""
    session.execute(delete(TopicTombstone).where(TopicTombstone.id == tombstone_id))


def not_buried(session: Session, tombstone_id: int) -> None:
    """Telegram refused again: count the attempt (the next run tries again)."""
    session.execute(update(TopicTombstone).where(TopicTombstone.id == tombstone_id)
                    .values(attempts=TopicTombstone.attempts + 1))
