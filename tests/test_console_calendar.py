"""The console's calendar of an office's bookings, the interpreters' register and the figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from jmd import clock
from jmd.accounts.repository import recent_audit
from jmd.booking import joint, service
from jmd.db import session_scope
from jmd.db.models import Counselor, Handoff, Interpreter, Referral
from jmd.identity import short
from jmd.interpreters import assignments
from jmd.interpreters.register import Registration, register
from tests.helpers.booking import add_counselor, add_slot, at
from tests.helpers.console import add_account, console_app, csrf, log_in

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday of 2026-W48
KEY = "u7f3a9c0123456789abcdef0123456789"
BOOKING = re.compile(r'<article class="booking( past)?" data-ref="(\w+)">(.*?)</article>', re.S)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with clock.frozen(NOW), console_app(f"sqlite:///{tmp_path / 'console.db'}") as client:
        anna = add_counselor(None, "Anna")
        kai = add_counselor(None, "Kai", office="koethen")
        add_account("anna", "counselor", anna)
        add_account("kai", "counselor", kai)
        add_account("eva", "editor")
        add_account("ada", "admin")
        yield client


def _bookings(client: TestClient, path: str) -> dict[str, tuple[bool, str]]:
    page = client.get(path)
    assert page.status_code == 200
    return {ref: (bool(past), body) for past, ref, body in BOOKING.findall(page.text)}


def _counselor(name: str) -> int:
    with session_scope() as session:
        return int(session.scalars(select(Counselor.id).where(Counselor.name == name)).one())


def _book(slot: str, key: str, language: str) -> str:
    with session_scope() as session:
        return service.book(session, key, slot, language, clock.now()).ref


def test_a_booking_shows_in_its_offices_calendar_only_with_the_pseudonym(
        client: TestClient) -> None:
    anna = _counselor("Anna")
    ref = _book(add_slot(None, anna, at(26, 10), mode="video"), KEY, "prs")
    with clock.frozen(NOW - timedelta(days=2)):  # booked on Monday, started this morning
        past = _book(add_slot(None, anna, at(25, 8)), "u5", "de")
    with session_scope() as session:  # a volunteer comes along to the Dari appointment
        register(session, Registration(900, ("prs", "de"), date(2026, 11, 1), "Ali Rahimi"),
                 "u-volunteer")
        booking = service.booking_by_ref(session, ref)
        assert booking is not None
        request = assignments.request_appointment(session, booking)
        assert request is not None
        assignments.consent(session, request.id, KEY, True)
        assert assignments.accept(session, request.id, 900).won
    log_in(client, "anna")
    shown = _bookings(client, "/calendar?week=2026-W48")
    assert set(shown) == {ref, past}
    is_past, body = shown[ref]
    assert not is_past and "10:00–10:45" in body and "Video" in body and "Dari" in body
    assert "Anna" in body and "Ali Rahimi" in body and f"Person {short(KEY)}" in body
    assert KEY not in client.get("/calendar?week=2026-W48").text
    assert "/no-show" not in body
    assert shown[past][0] and f'action="/bookings/{past}/no-show"' in shown[past][1]
    assert 'name="csrf_token"' in shown[past][1]
    assert _bookings(client, "/calendar?week=2026-W49") == {}
    page = client.get("/calendar?week=2026-W48").text
    assert 'href="/calendar?week=2026-W47"' in page and 'href="/calendar?week=2026-W49"' in page
    client.cookies.clear()
    log_in(client, "kai")
    assert _bookings(client, "/calendar?week=2026-W48") == {}, "another office"
    assert _bookings(client, "/calendar") == {}, "this week, by default"


def test_a_joint_appointment_names_the_partner_and_admins_filter_by_office(
        client: TestClient) -> None:
    jonas = add_counselor(None, "Jonas", organisation="jobcenter")
    host = add_slot(None, _counselor("Anna"), at(27, 9))
    partner = add_slot(None, jonas, at(27, 9))
    with session_scope() as session:
        ref = joint.book_joint(session, "u1", host, partner, "ar", clock.now()).booking.ref
    koethen = _book(add_slot(None, _counselor("Kai"), at(27, 11)), "u2", "de")
    log_in(client, "ada")
    everything = _bookings(client, "/calendar?week=2026-W48")
    assert set(everything) == {ref, koethen}
    assert "Gemeinsam mit: Jonas (Jobcenter" in everything[ref][1]
    assert set(_bookings(client, "/calendar?week=2026-W48&office=koethen")) == {koethen}
    assert set(_bookings(client, "/calendar?week=2026-W48&office=nowhere")) == {ref, koethen}


def test_the_interpreters_register_switches_volunteers_off_and_on_audited(
        client: TestClient) -> None:
    with session_scope() as session:
        ali, _ = register(session, Registration(900, ("prs",), date(2026, 11, 1), "Ali"), "u-a")
        busy, _ = register(session, Registration(901, ("ar",), date(2026, 10, 1), "Sara"), "u-b")
        session.add(Handoff(id=7, person_key="u-person", status="assigned", language="ar"))
        session.flush()
        chat = assignments.request_chat(session, "u-person", 7, "ar", "Anna")
        assert chat is not None
        assignments.consent(session, chat.id, "u-person", True)
        assert assignments.accept(session, chat.id, 901).won
    log_in(client, "anna")
    page = client.get("/interpreters").text
    assert "Ali" in page and "Dari" in page and "So, 01.11.2026" in page
    assert "/ehrenamt" in page, "how to add a volunteer"
    assert f'action="/interpreters/{ali.id}/active"' in page, "a switch per volunteer"
    token = csrf(client, "/interpreters")
    off = client.post(f"/interpreters/{ali.id}/active", data={"csrf_token": token,
                                                             "active": "0"})
    assert off.status_code == 200 and f"Nr. {ali.id} geändert" in off.text
    refused = client.post(f"/interpreters/{busy.id}/active", data={"csrf_token": token,
                                                                  "active": "0"})
    assert refused.status_code == 409 and f"/dolmetscher_aus {busy.id}" in refused.text
    for number in (99, 2**40):
        assert client.post(f"/interpreters/{number}/active",
                           data={"csrf_token": token, "active": "1"}).status_code == 404
    assert client.post(f"/interpreters/{busy.id}/active", data={"active": "0"}
                       ).status_code == 403
    with session_scope() as session:
        states = {row.id: row.active for row in session.query(Interpreter)}
        entries = [(e.username, e.action, e.target) for e in recent_audit(session)]
    assert states == {ali.id: False, busy.id: True}
    assert ("anna", "interpreter.deactivate", f"#{ali.id}") in entries
    client.post(f"/interpreters/{ali.id}/active", data={"csrf_token": token, "active": "1"})
    with session_scope() as session:
        assert session.get(Interpreter, ali.id).active  # type: ignore[union-attr]


def test_partner_figures_as_a_table_and_a_csv_with_safe_cells(client: TestClient) -> None:
    with session_scope() as session:
        session.add(Referral(person_key="u1", from_organisation_id="jmd",
                             to_organisation_id="jobcenter", language="de", status="answered",
                             consent="yes", created_at=NOW))
    log_in(client, "anna")
    page = client.get("/figures?year=2026")
    assert page.status_code == 200 and "2026-11" in page.text and "Jobcenter" in page.text
    download = client.get("/figures.csv?year=2026")
    assert download.headers["content-type"].startswith("text/csv")
    assert "partnerzahlen-2026.csv" in download.headers["content-disposition"]
    lines = download.text.splitlines()
    assert lines[0].startswith("Monat;Organisation;") and any(
        line.startswith("2026-11;Jobcenter") for line in lines[1:])
    assert "2025" in client.get("/figures?year=2025").text
