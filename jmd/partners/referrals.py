"""Warm referrals in the database: plain functions, session first, frozen views out.

Invariants:

* A referral is ``draft`` (the referring counselor writes the note) → ``asked`` (the
  person is asked) → ``answered`` (``consent`` "yes" or "no"). Each step is one
  conditional UPDATE, so a double tap or two processes cannot answer twice.
* Nothing about a referral reaches the partner unless ``consent == "yes"``; the earlier
  chat is linked only with the separate ``share_chat`` yes.
* Only the target may take it over: a registered, active counselor of the target
  organisation, or the named colleague; the first press wins (conditional UPDATE).
* Targets are data: organisations from content/organisations.yml (never the referring
  counselor's own) and registered counselors of another organisation. Forged ids are
  refused (None).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from jmd import clock
from jmd.clock import utc
from jmd.content.organisations import load_organisations
from jmd.db.engine import affected
from jmd.db.models import Counselor, Handoff, Person, Referral, TopicTombstone
from jmd.handoff.counselors import organisation_of
from jmd.handoff.state import ACTIVE, ASSIGNED, active_handoff, now, request_handoff

DRAFT, ASKED, ANSWERED = "draft", "asked", "answered"
YES, NO = "yes", "no"
MAX_NOTE = 500  # characters of the counselor's note that are kept and shown
ORGANISATION, COLLEAGUE = "o", "c"  # kinds of target (also in the buttons' data)


@dataclass(frozen=True)
class Referrer:
    """The counselor who refers: their row (None: allow-list only), name, organisation."""

    counselor_id: int | None
    name: str
    organisation_id: str | None


@dataclass(frozen=True)
class Target:
    """Whom a referral can go to: an organisation or a colleague of a partner."""

    kind: str  # ORGANISATION | COLLEAGUE
    id: str  # organisation id, or the counselor's id
    name: str  # the organisation's name, or the colleague's
    organisation_id: str
    organisation_name: str


@dataclass(frozen=True)
class ReferralView:
    """A referral as read in one transaction."""

    id: int
    person_key: str | None
    language: str | None
    status: str
    from_telegram_id: int | None
    from_counselor_id: int | None
    from_name: str | None
    from_organisation_id: str | None
    to_organisation_id: str
    to_counselor_id: int | None
    to_counselor_name: str | None
    note: str | None
    age_band: str | None
    consent: str | None
    share_chat: bool
    card_thread_id: int | None
    card_message_id: int | None
    taken_by_name: str | None


def _view(session: Session, row: Referral) -> ReferralView:
    colleague = session.get(Counselor, row.to_counselor_id) if row.to_counselor_id else None
    return ReferralView(
        id=int(row.id), person_key=row.person_key, language=row.language,
        status=str(row.status), from_telegram_id=row.from_telegram_id,
        from_counselor_id=row.from_counselor_id, from_name=row.from_name,
        from_organisation_id=row.from_organisation_id,
        to_organisation_id=str(row.to_organisation_id), to_counselor_id=row.to_counselor_id,
        to_counselor_name=str(colleague.name) if colleague else None, note=row.note,
        age_band=row.age_band, consent=row.consent, share_chat=bool(row.share_chat),
        card_thread_id=row.card_thread_id, card_message_id=row.card_message_id,
        taken_by_name=row.taken_by_name,
    )


def organisation_name(organisation_id: str | None) -> str:
    """The organisation's name from the editors' file (its id if unknown there)."""
    found = next((o for o in load_organisations() if o.id == organisation_id), None)
    return found.name if found else str(organisation_id or "?")


def _counselor(session: Session, telegram_id: int) -> Counselor | None:
    query = select(Counselor).where(Counselor.telegram_user_id == telegram_id,
                                    Counselor.active.is_(True))
    return session.scalars(query).first()


def referrer(session: Session, telegram_id: int, name: str) -> Referrer:
    """Who refers: their counselor row and organisation (None for allow-list accounts)."""
    row = _counselor(session, telegram_id)
    if row is None:
        return Referrer(None, name, None)
    return Referrer(int(row.id), name, organisation_of(session, row))


def targets(session: Session, own_organisation: str | None) -> list[Target]:
    """Organisations (not the referrer's own), then registered colleagues of partners."""
    found = [Target(ORGANISATION, o.id, o.name, o.id, o.name)
             for o in load_organisations() if o.id != own_organisation]
    query = select(Counselor).where(Counselor.active.is_(True),
                                    Counselor.telegram_user_id.is_not(None))
    for row in session.scalars(query.order_by(Counselor.name)):
        organisation = organisation_of(session, row)
        if organisation is not None and organisation != own_organisation:
            found.append(Target(COLLEAGUE, str(row.id), str(row.name), organisation,
                                organisation_name(organisation)))
    return found


def target(session: Session, own_organisation: str | None, kind: str,
           target_id: str) -> Target | None:
    """The target named by a button's data; None when forged or not allowed."""
    return next((found for found in targets(session, own_organisation)
                 if found.kind == kind and found.id == target_id), None)


def start(session: Session, key: str, by: int, who: Referrer, to: Target,
          language: str, at: datetime | None = None) -> ReferralView:
    """A new draft (the referrer's earlier unfinished draft for this person goes)."""
    session.execute(delete(Referral).where(Referral.person_key == key,
                                           Referral.from_telegram_id == by,
                                           Referral.status == DRAFT))
    person = session.get(Person, key)
    # the age band belongs to the routing work (persons.age_band): read if it exists
    band = getattr(person, "age_band", None) if person is not None else None
    row = Referral(
        person_key=key, language=language, status=DRAFT, from_telegram_id=by,
        from_counselor_id=who.counselor_id, from_name=who.name,
        from_organisation_id=who.organisation_id, to_organisation_id=to.organisation_id,
        to_counselor_id=int(to.id) if to.kind == COLLEAGUE else None,
        age_band=str(band) if band else None, share_chat=False,
        created_at=utc(at or now()),
    )
    session.add(row)
    session.flush()
    return _view(session, row)


def person_language(session: Session, key: str) -> str | None:
    """The person's language: their stored choice, else their latest handoff's."""
    person = session.get(Person, key)
    if person is not None and person.language:
        return str(person.language)
    query = select(Handoff.language).where(Handoff.person_key == key).order_by(
        Handoff.id.desc())
    language = session.scalars(query).first()
    return str(language) if language else None


def draft_of(session: Session, key: str, by: int) -> ReferralView | None:
    """The referrer's draft for the person, waiting for its note."""
    query = select(Referral).where(Referral.person_key == key, Referral.from_telegram_id == by,
                                   Referral.status == DRAFT).order_by(Referral.id.desc())
    row = session.scalars(query).first()
    return _view(session, row) if row is not None else None


def get(session: Session, referral_id: int) -> ReferralView | None:
    """The referral as it is now (None: gone, e.g. erased)."""
    row = session.get(Referral, referral_id, populate_existing=True)
    return _view(session, row) if row is not None else None


def set_note(session: Session, referral_id: int, note: str,
             at: datetime | None = None) -> ReferralView | None:
    """The draft's note is written: it becomes ``asked``; None if it was not a draft."""
    result = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.status == DRAFT)
        .values(note=note[:MAX_NOTE], status=ASKED, asked_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return get(session, referral_id) if affected(result) else None


def answer(session: Session, referral_id: int, key: str, consent: str, share_chat: bool,
           at: datetime | None = None) -> ReferralView | None:
    """The person's answer; None if not theirs, not asked, or answered already."""
    if consent not in (YES, NO):
        return None
    result = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.person_key == key,
                               Referral.status == ASKED)
        .values(status=ANSWERED, consent=consent, share_chat=share_chat and consent == YES,
                answered_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return get(session, referral_id) if affected(result) else None


def set_card(session: Session, referral_id: int, thread_id: int, message_id: int) -> None:
    """Remember the partner's topic and card."""
    session.execute(update(Referral).where(Referral.id == referral_id)
                    .values(card_thread_id=thread_id, card_message_id=message_id))


def is_target(session: Session, referral: ReferralView, telegram_id: int) -> bool:
    """Whether this account may act on the partner's card: the named colleague, or (no
    colleague named) any active registered counselor of the target organisation."""
    row = _counselor(session, telegram_id)
    if row is None:
        return False
    if referral.to_counselor_id is not None:
        return int(row.id) == referral.to_counselor_id
    return organisation_of(session, row) == referral.to_organisation_id


def take(session: Session, referral_id: int, telegram_id: int, name: str,
         at: datetime | None = None) -> bool:
    """Claim an agreed referral; True only for the first (one conditional UPDATE)."""
    result = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.consent == YES,
                               Referral.taken_by_telegram_id.is_(None))
        .values(taken_by_telegram_id=telegram_id, taken_by_name=name,
                taken_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(affected(result))


def hand_over(session: Session, key: str, language: str, telegram_id: int, name: str,
              at: datetime | None = None) -> None:
    """The person's chat goes to the partner counselor: their handoff (opened if none is
    active) is assigned to them; the earlier counselor's messages stay in the group."""
    moment = utc(at or now())
    handoff = active_handoff(session, key)
    if handoff is None:
        handoff = request_handoff(session, key, urgent=False, language=language).handoff
    session.execute(
        update(Handoff).where(Handoff.id == handoff.id, Handoff.status.in_(ACTIVE))
        .values(status=ASSIGNED, counselor_telegram_id=telegram_id, counselor_name=name,
                assigned_at=moment, last_activity_at=moment)
        .execution_options(synchronize_session=False)
    )


def card_threads(session: Session, key: str) -> list[int]:
    """The partner topics of the person's referrals (deleted with the person)."""
    query = select(Referral.card_thread_id).where(Referral.person_key == key,
                                                  Referral.card_thread_id.is_not(None))
    return [int(thread) for thread in session.scalars(query) if thread is not None]


def old_card_threads(session: Session, cutoff: datetime) -> list[int]:
    """Partner topics of referrals made before ``cutoff`` (retention deletes them)."""
    query = select(Referral.card_thread_id).where(Referral.created_at < utc(cutoff),
                                                  Referral.card_thread_id.is_not(None))
    return [int(thread) for thread in session.scalars(query) if thread is not None]


def forget_card_thread(session: Session, thread_id: int) -> None:
    """The partner topic is gone (deleted, or a tombstone keeps it)."""
    session.execute(update(Referral).where(Referral.card_thread_id == thread_id)
                    .values(card_thread_id=None, card_message_id=None))


def tombstone_card_thread(session: Session, chat_id: int, thread_id: int) -> None:
    """Telegram refused to delete the partner topic: forget it, keep a tombstone (no
    personal data) that the front's ``bury_tombstones`` retries."""
    where = (TopicTombstone.chat_id == chat_id, TopicTombstone.message_thread_id == thread_id)
    if session.scalars(select(TopicTombstone.id).where(*where)).first() is None:
        session.add(TopicTombstone(chat_id=chat_id, message_thread_id=thread_id,
                                   created_at=utc(now()), attempts=0))
    forget_card_thread(session, thread_id)


# -- the partner figures -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ReferralCount:
    """Referrals of one month (Europe/Berlin, "2026-11") between two organisations."""

    month: str
    from_organisation: str  # "" when the referrer belongs to no organisation
    to_organisation: str
    consent: str  # "yes" | "no" | "open" (not answered)
    count: int


def counts(session: Session, start: datetime | None = None,
           end: datetime | None = None) -> list[ReferralCount]:
    """Referrals per (month, from organisation, to organisation, consent); counts only.

    Drafts that never reached the person are not referrals and are left out.
    """
    query = select(Referral.created_at, Referral.from_organisation_id,
                   Referral.to_organisation_id, Referral.consent).where(
        Referral.status != DRAFT)
    if start is not None:
        query = query.where(Referral.created_at >= utc(start))
    if end is not None:
        query = query.where(Referral.created_at < utc(end))
    tally: Counter[tuple[str, str, str, str]] = Counter()
    for created, source, to, consent in session.execute(query):
        month = clock.local(utc(created)).strftime("%Y-%m")
        tally[(month, str(source or ""), str(to), str(consent or "open"))] += 1
    return sorted(ReferralCount(*group, count) for group, count in tally.items())
