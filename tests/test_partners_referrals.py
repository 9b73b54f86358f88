"""jmd.partners.referrals on SQLite and PostgreSQL: targets, consent, claim, counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from jmd.db import make_engine, session_scope
from jmd.db.models import Referral
from jmd.db.persons import touch_person
from jmd.handoff.state import ASSIGNED, active_handoff, request_handoff
from jmd.partners import referrals
from jmd.partners.cards import question, render_card
from jmd.partners.referrals import COLLEAGUE, ORGANISATION
from jmd.retention import purge
from tests.helpers.booking import add_counselor

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ANNA, JONAS, MIRA = 601, 602, 603


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    add_counselor(engine, "Anna", telegram_user_id=ANNA)  # JMD (her office's organisation)
    add_counselor(engine, "Jonas", organisation="jobcenter", telegram_user_id=JONAS)
    add_counselor(engine, "Mira", organisation="mbe", telegram_user_id=MIRA)
    with session_scope(engine) as session:
        touch_person(session, "p1", language="prs", chat_id=1)
    yield engine
    engine.dispose()


def drafted(engine: Engine, kind: str = ORGANISATION, target_id: str = "jobcenter",
            key: str = "p1", at: datetime = NOW) -> referrals.ReferralView:
    with session_scope(engine) as session:
        who = referrals.referrer(session, ANNA, "Anna")
        to = referrals.target(session, who.organisation_id, kind, target_id)
        assert to is not None
        return referrals.start(session, key, ANNA, who, to, "prs", at)


def test_targets_are_partners_never_the_own_organisation(engine: Engine) -> None:
    with session_scope(engine) as session:
        who = referrals.referrer(session, ANNA, "Anna")
        assert who.organisation_id == "jmd"
        found = referrals.targets(session, who.organisation_id)
        organisations = [t.id for t in found if t.kind == ORGANISATION]
        colleagues = [t.name for t in found if t.kind == COLLEAGUE]
        assert "jmd" not in organisations and {"jobcenter", "mbe", "agentur"} <= set(organisations)
        assert colleagues == ["Jonas", "Mira"], "registered counselors of partners only"
        assert referrals.target(session, "jmd", ORGANISATION, "jmd") is None
        assert referrals.target(session, "jmd", ORGANISATION, "nowhere") is None
        assert referrals.target(session, "jmd", COLLEAGUE, "999999") is None


def test_draft_note_consent_only_once_and_only_by_the_person(engine: Engine) -> None:
    draft = drafted(engine)
    with session_scope(engine) as session:
        assert referrals.draft_of(session, "p1", ANNA) == draft
        asked = referrals.set_note(session, draft.id, "Bürgergeld ⏎ Antrag")
        assert asked is not None and asked.status == referrals.ASKED
        assert referrals.set_note(session, draft.id, "again") is None
        assert referrals.draft_of(session, "p1", ANNA) is None
        assert referrals.answer(session, draft.id, "p2", "yes", True) is None, "not theirs"
        answered = referrals.answer(session, draft.id, "p1", "yes", True)
        assert answered is not None and answered.consent == "yes" and answered.share_chat
        assert referrals.answer(session, draft.id, "p1", "no", False) is None, "once"
    text = question(asked, "prs")
    assert "Bürgergeld" in text and "Jobcenter Anhalt-Bitterfeld" in text and "دری" in text
    card = render_card(answered, "https://t.me/c/1/2")
    assert "https://t.me/c/1/2" in card and "Anna" in card
    assert "t.me" not in render_card(asked, "https://t.me/c/1/2"), "no link without the yes"


def test_only_the_target_takes_over_first_press_wins(engine: Engine) -> None:
    to_org = drafted(engine)
    with session_scope(engine) as session:
        request_handoff(session, "p1", urgent=False, language="prs")
        referrals.set_note(session, to_org.id, "note")
        assert not referrals.take(session, to_org.id, JONAS, "Jonas"), "no consent yet"
        agreed = referrals.answer(session, to_org.id, "p1", "yes", False)
        assert agreed is not None
        assert referrals.is_target(session, agreed, JONAS)
        assert not referrals.is_target(session, agreed, MIRA)
        assert not referrals.is_target(session, agreed, ANNA)
        assert referrals.take(session, to_org.id, JONAS, "Jonas")
        assert not referrals.take(session, to_org.id, JONAS, "Jonas"), "first press wins"
        referrals.hand_over(session, "p1", "prs", JONAS, "Jonas")
        handoff = active_handoff(session, "p1")
        assert handoff is not None and handoff.status == ASSIGNED
        assert handoff.counselor_telegram_id == JONAS
        referrals.hand_over(session, "p9", "ar", JONAS, "Jonas")  # no handoff yet: opened
        assert active_handoff(session, "p9") is not None


def test_a_named_colleague_only(engine: Engine) -> None:
    with session_scope(engine) as session:
        mira = next(t for t in referrals.targets(session, "jmd") if t.name == "Mira")
    draft = drafted(engine, COLLEAGUE, mira.id)
    with session_scope(engine) as session:
        assert draft.to_organisation_id == "mbe" and draft.to_counselor_name == "Mira"
        assert referrals.is_target(session, draft, MIRA)
        assert not referrals.is_target(session, draft, JONAS)


def test_counts_per_month_and_retention_keeps_only_the_counts(engine: Engine) -> None:
    for at, consent in ((NOW, "yes"), (NOW, "no"), (NOW + timedelta(days=10), "yes"),
                        (NOW, None)):
        draft = drafted(engine, at=at, key=f"k{at.day}{consent}")
        with session_scope(engine) as session:
            referrals.set_note(session, draft.id, "Notiz", at)
            if consent:
                referrals.answer(session, draft.id, draft.person_key or "", consent, False, at)
    drafted(engine, key="still-a-draft")
    with session_scope(engine) as session:
        assert [(c.month, c.from_organisation, c.to_organisation, c.consent, c.count)
                for c in referrals.counts(session)] == [
            ("2026-11", "jmd", "jobcenter", "no", 1), ("2026-11", "jmd", "jobcenter", "open", 1),
            ("2026-11", "jmd", "jobcenter", "yes", 1), ("2026-12", "jmd", "jobcenter", "yes", 1)]
    with session_scope(engine) as session:
        purge(session, NOW + timedelta(days=400))
    with session_scope(engine) as session:
        rows = session.scalars(select(Referral)).all()
        assert rows and all(r.person_key is None and r.note is None and r.from_name is None
                            for r in rows)
        assert sum(c.count for c in referrals.counts(session)) == 4
