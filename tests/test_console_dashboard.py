"""The dashboard page (charts from seeded counts) and marking a no-show from the calendar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from jmd import clock, stats
from jmd.accounts.repository import recent_audit
from jmd.db import session_scope
from jmd.db.models import Booking, Slot
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.console import add_account, console_app, csrf, log_in

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=clock.BERLIN)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with console_app(f"sqlite:///{tmp_path / 'console.db'}") as client, clock.frozen(NOW):
        zerbst = add_counselor(None, "Frau Zerbst", office="zerbst")
        koethen = add_counselor(None, "Herr Köthen", office="koethen")
        add_account("eva", "editor")
        add_account("zoe", "counselor", zerbst)
        add_account("kai", "counselor", koethen)
        add_account("ada", "admin")
        yield client


def book(counselor_name: str, start: datetime, ref: str) -> None:
    with session_scope() as session:
        from jmd.db.models import Counselor

        counselor = session.scalars(select(Counselor).where(Counselor.name == counselor_name)
                                    ).one()
    slot_ref = add_slot(None, counselor.id, start)
    with session_scope() as session:
        slot = session.scalars(select(Slot).where(Slot.ref == slot_ref)).one()
        session.add(Booking(ref=ref, slot_id=slot.id, person_key=f"key-{ref}", language="ar",
                            status="active", created_at=clock.utc(NOW - timedelta(days=2))))


def no_show_at(ref: str) -> datetime | None:
    with session_scope() as session:
        return session.scalars(select(Booking.no_show_at).where(Booking.ref == ref)).one()


def test_the_dashboard_draws_the_counts(client: TestClient) -> None:
    with session_scope() as session:
        for _ in range(7):
            stats.count_question(session, "prs", stats.ANSWERED, NOW.date())
        stats.count_question(session, "ar", stats.UNANSWERED, NOW.date())
    book("Frau Zerbst", NOW - timedelta(hours=3), "past1")
    log_in(client, "zoe")
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert len(re.findall(r'<svg class="chart', html)) >= 4
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither
    # 7 Dari questions today, one stacked bar with its value; the share of answers
    assert re.search(r'<rect class="series-prs"[^>]*><title>28\.11\.: دری 7</title>', html)
    assert "Fragen pro Tag und Sprache (8)" in html
    assert "beantwortet: 7 (88 %)" in html and "nicht beantwortet: 1 (12 %)" in html
    assert 'id="bookings"' in html and "1 gebucht" in html


def test_an_editor_sees_questions_but_no_bookings(client: TestClient) -> None:
    book("Frau Zerbst", NOW - timedelta(hours=3), "past1")
    log_in(client, "eva")
    html = client.get("/dashboard").text
    assert 'id="questions"' in html and 'id="handoffs"' in html
    assert 'id="bookings"' not in html and "gebucht" not in html


def test_a_counselor_of_the_office_marks_a_no_show(client: TestClient) -> None:
    book("Frau Zerbst", NOW - timedelta(hours=3), "past1")
    log_in(client, "zoe")
    with clock.frozen(NOW):
        response = client.post("/bookings/past1/no-show",
                               data={"csrf_token": csrf(client, "/dashboard")},
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/calendar"
    assert no_show_at("past1") is not None
    with session_scope() as session:
        entry = recent_audit(session)[0]
    assert (entry.username, entry.action, entry.target) == ("zoe", "booking.no_show", "past1")
    with clock.frozen(NOW):
        html = client.get("/dashboard").text
    assert "1 nicht erschienen" in html


def test_only_that_offices_counselor_or_an_admin_may(client: TestClient) -> None:
    book("Frau Zerbst", NOW - timedelta(hours=3), "past1")
    book("Frau Zerbst", NOW - timedelta(hours=2), "past2")
    with clock.frozen(NOW):
        log_in(client, "kai")  # another office's counselor
        token = csrf(client, "/dashboard")
        assert client.post("/bookings/past1/no-show",
                           data={"csrf_token": token}).status_code == 403
        client.cookies.clear()
        log_in(client, "eva")  # an editor never touches bookings
        token = csrf(client, "/dashboard")
        assert client.post("/bookings/past1/no-show",
                           data={"csrf_token": token}).status_code == 403
        assert no_show_at("past1") is None
        client.cookies.clear()
        log_in(client, "ada")
        token = csrf(client, "/dashboard")
        response = client.post("/bookings/past2/no-show", data={"csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303
    assert no_show_at("past2") is not None


def test_no_show_needs_the_csrf_token_and_a_begun_appointment(client: TestClient) -> None:
    book("Frau Zerbst", NOW + timedelta(days=1), "later")
    book("Frau Zerbst", NOW - timedelta(hours=3), "past1")
    log_in(client, "zoe")
    with clock.frozen(NOW):
        assert client.post("/bookings/past1/no-show", data={}).status_code == 403
        token = csrf(client, "/dashboard")
        assert client.post("/bookings/later/no-show",
                           data={"csrf_token": token}).status_code == 409
        assert client.post("/bookings/nope/no-show",
                           data={"csrf_token": token}).status_code == 404
    assert no_show_at("past1") is None and no_show_at("later") is None
