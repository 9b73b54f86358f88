"""The console's free-times page: a counselor adds, repeats and removes slots the bot offers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from jmd import clock
from jmd.accounts.repository import recent_audit
from jmd.booking import free, service
from jmd.booking.service import Preferences
from jmd.db import session_scope
from jmd.db.models import Slot
from tests.helpers.booking import add_counselor
from tests.helpers.console import add_account, console_app, csrf, log_in

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday
SLOT_ROW = re.compile(r'<tr class="slot( booked)?" data-ref="(\w+)"')


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with clock.frozen(NOW), console_app(database_url) as client:
        anna = add_counselor(None, "Anna")
        add_account("anna", "counselor", anna)
        add_account("eva", "editor")
        add_account("nolink", "counselor")
        yield client


def _add(client: TestClient, **fields: str) -> int:
    data = {"date": "2026-11-26", "start": "10:00", "end": "10:45", "mode": "phone",
            "repeat_weeks": "0", "csrf_token": csrf(client, "/slots"), **fields}
    response = client.post("/slots", data=data, follow_redirects=False)
    return int(response.status_code)


def _rows(client: TestClient) -> list[tuple[str, bool]]:
    return [(ref, bool(booked)) for booked, ref in SLOT_ROW.findall(client.get("/slots").text)]


def _slots() -> list[tuple[str, bool]]:
    with session_scope() as session:
        return [(str(row.ref), bool(row.withdrawn))
                for row in session.scalars(select(Slot).order_by(Slot.starts_at))]


def test_a_weekly_slot_is_stored_offered_by_the_bot_listed_and_audited(
        client: TestClient) -> None:
    log_in(client, "anna")
    assert _add(client, repeat_weeks="2") == 303
    page = client.get("/slots?added=3").text
    assert "3 Zeit(en) eingetragen" in page
    stored = _slots()
    assert len(stored) == 3 and not any(withdrawn for _, withdrawn in stored)
    with session_scope() as session:
        offered = free.free_slots(session, Preferences(office_id="zerbst", mode="phone"),
                                  clock.now())
    assert [slot.ref for slot in offered] == [ref for ref, _ in stored]
    assert {slot.counselor for slot in offered} == {"Anna"}
    assert [clock.local(slot.starts_at).strftime("%d.%m. %H:%M") for slot in offered] == [
        "26.11. 10:00", "03.12. 10:00", "10.12. 10:00"]
    assert _rows(client) == [(ref, False) for ref, _ in stored]
    with session_scope() as session:
        entries = recent_audit(session)
    assert (entries[0].username, entries[0].action) == ("anna", "slot.add")
    assert entries[0].target == ",".join(ref for ref, _ in stored)


def test_a_free_slot_is_removed_a_booked_one_stays_with_the_reason(
        client: TestClient) -> None:
    log_in(client, "anna")
    _add(client, repeat_weeks="1")
    (booked, _), (loose, _) = _slots()
    with session_scope() as session:
        service.book(session, "u1", booked, "de", clock.now())
    assert _rows(client) == [(booked, True), (loose, False)]
    token = csrf(client, "/slots")
    refused = client.post(f"/slots/{booked}/remove", data={"csrf_token": token})
    assert refused.status_code == 409 and "nicht benachrichtigt" in refused.text
    removed = client.post(f"/slots/{loose}/remove", data={"csrf_token": token},
                          follow_redirects=False)
    assert removed.status_code == 303
    assert _slots() == [(booked, False), (loose, True)]
    assert _rows(client) == [(booked, True)]
    with session_scope() as session:
        assert not free.is_free(session, loose, clock.now())
        latest = recent_audit(session)[0]
        assert (latest.action, latest.target) == ("slot.withdraw", loose)


@pytest.mark.parametrize(("fields", "says"), [
    ({"end": "09:30"}, "Das Ende liegt nicht nach dem Beginn"),
    ({"date": "2026-11-24"}, "Vergangenheit"),
    ({"date": "morgen"}, "kein Datum"),
    ({"mode": "fax"}, "Bitte die Art wählen"),
    ({"repeat_weeks": "30"}, "0 bis 12 Wochen"),
])
def test_refused_times_write_nothing_and_keep_the_form(
        client: TestClient, fields: dict[str, str], says: str) -> None:
    log_in(client, "anna")
    response = client.post("/slots", data={
        "date": "2026-11-26", "start": "10:00", "end": "10:45", "mode": "phone",
        "repeat_weeks": "0", "csrf_token": csrf(client, "/slots"), **fields})
    assert response.status_code == 422
    assert says in response.text
    assert 'value="' + fields.get("date", "2026-11-26") + '"' in response.text
    assert _slots() == []


def test_an_overlap_with_an_own_slot_is_refused(client: TestClient) -> None:
    log_in(client, "anna")
    assert _add(client, start="10:00", end="11:00") == 303
    response = client.post("/slots", data={
        "date": "2026-11-19", "start": "10:30", "end": "11:30", "mode": "video",
        "repeat_weeks": "1", "csrf_token": csrf(client, "/slots")})
    assert response.status_code == 422 and "überschneidet sich" in response.text
    assert len(_slots()) == 1


def test_an_account_without_a_counselor_is_told_and_changes_nothing(
        client: TestClient) -> None:
    log_in(client, "nolink")
    page = client.get("/slots")
    assert page.status_code == 200 and "mit keiner Beraterin" in page.text
    assert 'id="slot-form"' not in page.text
    assert _add(client) == 403
    assert _slots() == []


def test_editors_and_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    log_in(client, "eva")
    for path in ("/slots", "/calendar", "/interpreters", "/figures", "/figures.csv"):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    log_in(client, "anna")
    assert client.post("/slots", data={"date": "2026-11-26", "start": "10:00",
                                       "end": "10:45", "mode": "phone"}).status_code == 403
    assert _slots() == []
