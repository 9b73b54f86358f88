"""The dashboard's figures: questions, handoffs, bookings — counts only, last N days.

Questions are counted when the action server gives its first reply to a typed question
(:func:`count_question`): ``answered`` (a FAQ answer), ``did_you_mean`` ("Meinten Sie …?")
or ``unanswered`` (the assistant could not help). One row per (day, language, outcome)
holds a number: no text, no person, nothing to erase. Handoffs and bookings are counted
from their own tables (which retention empties after ``RETENTION_DAYS``).

Days are Berlin days (the offices' days), shown oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jmd import clock
from jmd.db.engine import affected
from jmd.db.models import Booking, Handoff, QuestionCount, Slot

ANSWERED, DID_YOU_MEAN, UNANSWERED = "answered", "did_you_mean", "unanswered"
OUTCOMES = (ANSWERED, DID_YOU_MEAN, UNANSWERED)
DAYS = 30


def today() -> date:
    """The Berlin day of now (jmd.clock)."""
    return clock.now().astimezone(clock.BERLIN).date()


def _day(moment: datetime) -> date:
    return clock.utc(moment).astimezone(clock.BERLIN).date()


def count_question(session: Session, language: str, outcome: str,
                   day: date | None = None) -> None:
    """One more question with ``outcome`` in ``language`` on ``day`` (today)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    day = day or today()
    key = (QuestionCount.day == day, QuestionCount.language == language,
           QuestionCount.outcome == outcome)
    bump = update(QuestionCount).where(*key).values(count=QuestionCount.count + 1)
    if affected(session.execute(bump)):
        return
    try:  # the day's first: insert, unless another process just did (then count on it)
        with session.begin_nested():
            session.add(QuestionCount(day=day, language=language, outcome=outcome, count=1))
    except IntegrityError:
        session.execute(bump)


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard draws, for the days ``days`` (oldest first)."""

    days: list[date]
    # language -> a count per day
    questions: dict[str, list[int]]
    # outcome -> total over the days
    outcomes: dict[str, int]
    handoffs: list[int]  # requested per day
    handoffs_taken: int
    # minutes from request to a counselor taking it, of those taken
    waits: list[float]
    bookings: list[int]  # made per day
    no_shows: list[int]  # appointments per day marked "nicht erschienen"

    @property
    def questions_total(self) -> int:
        return sum(self.outcomes.values())

    def share(self, outcome: str) -> float:
        total = self.questions_total
        return self.outcomes.get(outcome, 0) / total if total else 0.0

    @property
    def median_wait(self) -> float | None:
        if not self.waits:
            return None
        ordered = sorted(self.waits)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def dashboard(session: Session, languages: list[str], days: int = DAYS,
              until: date | None = None) -> Dashboard:
    """The figures of the ``days`` days up to ``until`` (today)."""
    last = until or today()
    span = [last - timedelta(days=days - 1 - i) for i in range(days)]
    index = {day: i for i, day in enumerate(span)}
    # a little wider in UTC, then each moment is put on its Berlin day
    since = datetime.combine(span[0] - timedelta(days=1), datetime.min.time(), clock.BERLIN)

    questions: dict[str, list[int]] = {lang: [0] * days for lang in languages}
    outcomes: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    rows = session.execute(select(QuestionCount).where(QuestionCount.day >= span[0],
                                                       QuestionCount.day <= last)).scalars()
    for row in rows:
        per_day = questions.setdefault(row.language, [0] * days)
        per_day[index[row.day]] += row.count
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + row.count

    handoffs = [0] * days
    waits: list[float] = []
    for created, assigned in session.execute(
            select(Handoff.created_at, Handoff.assigned_at).where(Handoff.created_at >= since)):
        i = index.get(_day(created))
        if i is None:
            continue
        handoffs[i] += 1
        if assigned is not None:
            waits.append(max(0.0, (assigned - created).total_seconds() / 60))

    bookings = [0] * days
    for (created,) in session.execute(select(Booking.created_at)
                                      .where(Booking.created_at >= since)):
        i = index.get(_day(created))
        if i is not None:
            bookings[i] += 1
    no_shows = [0] * days
    for (starts,) in session.execute(
            select(Slot.starts_at).join(Booking, Booking.slot_id == Slot.id)
            .where(Booking.no_show_at.is_not(None), Slot.starts_at >= since)):
        i = index.get(_day(starts))
        if i is not None:
            no_shows[i] += 1
    return Dashboard(span, questions, outcomes, handoffs, len(waits), waits, bookings,
                     no_shows)
