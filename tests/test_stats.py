"""The dashboard's figures (jmd.stats) from seeded rows, on SQLite and PostgreSQL; the
question counter through the FAQ actions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.faq import ActionAnswerFaq, ActionFallback
from jmd import clock, stats
from jmd.db import session_scope
from jmd.db.engine import get_engine, make_engine
from jmd.db.models import Booking, Handoff, QuestionCount, Slot
from jmd.shared.settings import get_settings
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.stack import patched_environ

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=clock.BERLIN)
TODAY = date(2026, 11, 28)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def counts(engine: Engine) -> dict[tuple[date, str, str], int]:
    with session_scope(engine) as session:
        return {(r.day, r.language, r.outcome): r.count
                for r in session.scalars(select(QuestionCount))}


def test_questions_are_counted_per_day_language_and_outcome(engine: Engine) -> None:
    with session_scope(engine) as session:
        for _ in range(3):
            stats.count_question(session, "prs", stats.ANSWERED, TODAY)
        stats.count_question(session, "prs", stats.UNANSWERED, TODAY)
        stats.count_question(session, "ar", stats.ANSWERED, TODAY - timedelta(days=1))
    with session_scope(engine) as session:  # another transaction adds to the same row
        stats.count_question(session, "prs", stats.ANSWERED, TODAY)
    assert counts(engine) == {(TODAY, "prs", "answered"): 4, (TODAY, "prs", "unanswered"): 1,
                              (TODAY - timedelta(days=1), "ar", "answered"): 1}
    with session_scope(engine) as session, pytest.raises(ValueError):
        stats.count_question(session, "de", "whatever", TODAY)


def _handoff(engine: Engine, key: str, created: datetime, waited: float | None) -> None:
    with session_scope(engine) as session:
        session.add(Handoff(
            person_key=key, language="de", created_at=clock.utc(created),
            status="closed" if waited is not None else "open",
            assigned_at=clock.utc(created + timedelta(minutes=waited)) if waited is not None
            else None))


def _booking(engine: Engine, slot_ref: str, created: datetime, no_show: bool) -> None:
    with session_scope(engine) as session:
        slot = session.scalars(select(Slot).where(Slot.ref == slot_ref)).one()
        session.add(Booking(ref=f"b{slot.id}", slot_id=slot.id, person_key=f"p{slot.id}",
                            language="ar", status="active", created_at=clock.utc(created),
                            no_show_at=clock.utc(slot.starts_at) if no_show else None))


def test_the_dashboard_counts_the_last_30_days(engine: Engine) -> None:
    with session_scope(engine) as session:
        stats.count_question(session, "de", stats.ANSWERED, TODAY)
        stats.count_question(session, "de", stats.DID_YOU_MEAN, TODAY)
        stats.count_question(session, "ar", stats.ANSWERED, TODAY - timedelta(days=29))
        stats.count_question(session, "ar", stats.UNANSWERED, TODAY - timedelta(days=30))
    _handoff(engine, "h1", NOW - timedelta(hours=1), waited=4)
    _handoff(engine, "h2", NOW - timedelta(days=2), waited=20)
    _handoff(engine, "h3", NOW - timedelta(days=3), waited=None)  # nobody took it
    _handoff(engine, "h4", NOW - timedelta(days=40), waited=1)  # before the 30 days
    counselor = add_counselor(engine)
    past = add_slot(engine, counselor, NOW - timedelta(days=1))
    coming = add_slot(engine, counselor, NOW + timedelta(days=3))
    _booking(engine, past, NOW - timedelta(days=5), no_show=True)
    _booking(engine, coming, NOW, no_show=False)

    with session_scope(engine) as session, clock.frozen(NOW):
        figures = stats.dashboard(session, ["de", "prs", "ar"])
    assert len(figures.days) == 30 and figures.days[-1] == TODAY
    assert figures.questions["de"][-1] == 2 and sum(figures.questions["de"]) == 2
    assert figures.questions["ar"][0] == 1 and sum(figures.questions["ar"]) == 1
    assert sum(figures.questions["prs"]) == 0
    assert figures.outcomes == {"answered": 2, "did_you_mean": 1, "unanswered": 0}
    assert figures.share(stats.ANSWERED) == pytest.approx(2 / 3)
    assert sum(figures.handoffs) == 3 and figures.handoffs[-1] == 1
    assert figures.handoffs_taken == 2
    assert sorted(figures.waits) == pytest.approx([4, 20])
    assert figures.median_wait == pytest.approx(12)
    assert sum(figures.bookings) == 2 and figures.bookings[-1] == 1
    assert figures.bookings[-6] == 1
    assert figures.no_shows[-2] == 1 and sum(figures.no_shows) == 1


# -- the counter in the action server's FAQ actions (in process, without a model) ----------

def _parse(text: str, faq: float, topic: str, share: float) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": "faq", "confidence": faq},
        "intent_ranking": [{"name": "faq", "confidence": faq}],
        "entities": [],
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{topic}", "confidence": share}]}},
    }


def _tracker(message: dict[str, Any], language: str) -> Tracker:
    return Tracker("person-1", {"language": language}, message, [], False, None, {}, None)


@pytest.fixture
def action_database(tmp_path: Any) -> Iterator[Engine]:
    from jmd.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'actions.db'}"
    upgrade(url)
    with patched_environ({"DATABASE_URL": url}):
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            yield get_engine()
        finally:
            get_settings.cache_clear()
            get_engine.cache_clear()


async def test_the_faq_actions_count_each_typed_question_once(action_database: Engine) -> None:
    answer, fallback = ActionAnswerFaq(), ActionFallback()
    sure = _parse("wie kann ich studieren", 0.95, "study", 0.9)
    unsure = _parse("hmm studium vielleicht", 0.3, "study", 0.4)
    nothing = {"text": "xyz", "intent": {"name": "nlu_fallback", "confidence": 0.1},
               "intent_ranking": [], "entities": []}
    button = {**sure, "text": '/faq{"faq_topic":"study"}',
              "entities": [{"entity": "faq_topic", "value": "study"}]}
    with clock.frozen(NOW):
        for message, action, language in [
            (sure, answer, "prs"), (sure, answer, "prs"), (unsure, answer, "de"),
            (nothing, fallback, "ar"), (button, answer, "prs"),
        ]:
            dispatcher = CollectingDispatcher()
            await action.run(dispatcher, _tracker(message, language), {})
            assert dispatcher.messages, "the person always gets a reply"
    # the button (a payload, not a question) is not counted
    assert counts(action_database) == {(TODAY, "prs", "answered"): 2,
                                       (TODAY, "de", "did_you_mean"): 1,
                                       (TODAY, "ar", "unanswered"): 1}
