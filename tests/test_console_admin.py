"""The console's admin pages: accounts created, switched off and on, new passwords; the log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from console.app import build_app
from console.pages.admin import AUDIT_PAGE
from jmd.accounts.repository import audit, recent_audit
from jmd.db import session_scope
from jmd.db.models import ConsoleAccount
from jmd.shared.settings import load_settings
from tests.helpers.booking import add_counselor
from tests.helpers.console import PASSWORD, add_account, console_app, csrf, log_in

NEW_PASSWORD = "ganz-neu-und-lang-7"
AUDIT_ROW = re.compile(r'<tr class="audit-entry"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>')


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with console_app(f"sqlite:///{tmp_path / 'console.db'}") as client:
        add_account("ada", "admin")
        add_account("carl", "counselor")
        yield client


def _post(client: TestClient, path: str, **data: str) -> int:
    data["csrf_token"] = csrf(client, "/admin/accounts")
    return int(client.post(path, data=data, follow_redirects=False).status_code)


def _actions() -> list[tuple[str, str, str]]:
    with session_scope() as session:
        return [(e.username, e.action, e.target) for e in recent_audit(session)]


def client_app() -> Starlette:
    """A second browser's app on the same database (the first is the fixture's)."""
    return build_app(load_settings())


def test_an_admin_creates_a_counselor_account_linked_to_their_times(
        client: TestClient) -> None:
    anna = add_counselor(None, "Anna")
    log_in(client, "ada")
    page = client.get("/admin/accounts").text
    assert f'<option value="{anna}"' in page and "Anna (" in page
    assert _post(client, "/admin/accounts", username="anna", role="counselor",
                 counselor=str(anna), password=PASSWORD) == 303
    with session_scope() as session:
        row = session.scalars(select(ConsoleAccount).where(ConsoleAccount.username == "anna")
                              ).one()
        assert (row.role, row.counselor_id, row.active) == ("counselor", anna, True)
        assert PASSWORD not in row.password_hash
    assert ("ada", "account.create", "anna") in _actions()
    assert PASSWORD not in repr(_actions())
    with TestClient(client_app(), base_url="http://127.0.0.1") as other:
        assert log_in(other, "anna") == 303
        assert "Anna · " in other.get("/slots").text


@pytest.mark.parametrize(("fields", "says"), [
    ({"username": "carl"}, "gibt es schon"),
    ({"password": "kurz"}, "Passwort zu schwach"),
    ({"role": "king"}, "Rolle muss"),
    ({"counselor": "999"}, "gibt es nicht"),
])
def test_bad_accounts_are_refused_with_the_reason(
        client: TestClient, fields: dict[str, str], says: str) -> None:
    log_in(client, "ada")
    data = {"username": "neu", "role": "editor", "counselor": "", "password": PASSWORD,
            "csrf_token": csrf(client, "/admin/accounts"), **fields}
    response = client.post("/admin/accounts", data=data)
    assert response.status_code == 422 and says in response.text
    with session_scope() as session:
        assert session.scalars(select(ConsoleAccount.username).where(
            ConsoleAccount.username == "neu")).first() is None


def test_switching_off_ends_the_login_and_switching_on_restores_it(
        client: TestClient) -> None:
    with TestClient(client_app(), base_url="http://127.0.0.1") as carl:
        log_in(carl, "carl")
        assert carl.get("/slots").status_code == 200
        log_in(client, "ada")
        page = client.get("/admin/accounts").text
        assert '<input type="hidden" name="username" value="carl">' in page, "carl's switch"
        assert _post(client, "/admin/accounts/active", username="carl", active="0") == 303
        assert carl.get("/slots", follow_redirects=False).headers["location"] == "/login"
        assert log_in(carl, "carl") == 401
        assert _post(client, "/admin/accounts/active", username="carl", active="1") == 303
        assert log_in(carl, "carl") == 303
    assert _post(client, "/admin/accounts/active", username="ada", active="0") == 409
    changes = [entry for entry in _actions() if entry[1].startswith("account.")]
    assert changes == [("ada", "account.activate", "carl"),
                       ("ada", "account.deactivate", "carl")], "the refused one is not logged"


def test_a_new_password_replaces_the_old_one(client: TestClient) -> None:
    log_in(client, "ada")
    assert _post(client, "/admin/accounts/password", username="carl", password="schwach") == 422
    assert _post(client, "/admin/accounts/password", username="carl",
                 password=NEW_PASSWORD) == 303
    with TestClient(client_app(), base_url="http://127.0.0.1") as carl:
        assert log_in(carl, "carl") == 401
        assert log_in(carl, "carl", NEW_PASSWORD) == 303
    assert ("ada", "account.password", "carl") in _actions()
    assert NEW_PASSWORD not in repr(_actions())


def test_the_audit_log_newest_first_in_pages(client: TestClient) -> None:
    with session_scope() as session:
        for n in range(AUDIT_PAGE + 5):
            audit(session, "eva", "topic.save", f"faq/t{n}")
    log_in(client, "ada")
    first = client.get("/admin/audit").text
    rows = AUDIT_ROW.findall(first)
    assert len(rows) == AUDIT_PAGE and rows[0] == ("ada", "login")
    assert 'href="/admin/audit?page=2"' in first
    second = client.get("/admin/audit?page=2").text
    assert len(AUDIT_ROW.findall(second)) == 6 and "faq/t0<" in second
    assert "?page=3" not in second


def test_counselors_cannot_reach_the_admin_pages_nor_post_without_csrf(
        client: TestClient) -> None:
    log_in(client, "carl")
    for path in ("/admin/accounts", "/admin/audit"):
        assert client.get(path).status_code == 403, path
    token = csrf(client, "/slots")
    for path in ("/admin/accounts", "/admin/accounts/active", "/admin/accounts/password"):
        assert client.post(path, data={"csrf_token": token, "username": "carl",
                                       "active": "0", "password": NEW_PASSWORD,
                                       "role": "admin"}).status_code == 403, path
    client.cookies.clear()
    log_in(client, "ada")
    assert client.post("/admin/accounts/active", data={"username": "carl", "active": "0"}
                       ).status_code == 403
    with session_scope() as session:
        assert session.scalars(select(ConsoleAccount.active).where(
            ConsoleAccount.username == "carl")).one()
