"""The console's doors: passwords, sessions, CSRF, roles and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from console.__main__ import main as console_main
from console.web import SESSION_COOKIE
from jmd import clock
from jmd.accounts.passwords import hash_password, verify
from jmd.accounts.repository import MAX_FAILED, recent_audit
from jmd.db import session_scope
from jmd.db.models import ConsoleSession
from tests.helpers.console import PASSWORD, add_account, console_app, csrf, log_in


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with console_app(f"sqlite:///{tmp_path / 'console.db'}") as client:
        add_account("eva", "editor")
        add_account("carl", "counselor")
        add_account("ada", "admin")
        yield client


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("ein Passwort 1"), hash_password("ein Passwort 1")
    assert first != second and first.startswith("scrypt$")
    assert verify("ein Passwort 1", first) and not verify("ein Passwort 2", first)
    assert not verify("x", "not a hash")


def test_a_wrong_password_is_refused(client: TestClient) -> None:
    assert log_in(client, "eva", "falsch-falsch-1") == 401
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_right_password_opens_a_session_whose_token_is_stored_hashed(
        client: TestClient) -> None:
    assert log_in(client, "eva") == 303
    token = client.cookies[SESSION_COOKIE]
    with session_scope() as session:
        stored = session.scalars(select(ConsoleSession.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]


def test_the_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "eva", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_a_post_without_the_sessions_csrf_token_is_refused(client: TestClient) -> None:
    log_in(client, "eva")
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post("/logout", data={"csrf_token": csrf(client, "/login")},
                           follow_redirects=False)
    assert response.status_code == 303


def test_logout_ends_the_session(client: TestClient) -> None:
    log_in(client, "ada")
    token = csrf(client, "/login")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_session_expires_after_the_idle_time(client: TestClient) -> None:
    log_in(client, "eva")
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"
    with clock.frozen(clock.now() + timedelta(minutes=61)):
        assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_repeated_wrong_passwords_lock_the_account(client: TestClient) -> None:
    for _ in range(MAX_FAILED):
        assert log_in(client, "carl", "falsch-falsch-1") == 401
    assert log_in(client, "carl") == 401  # locked, even with the right password
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        assert log_in(client, "carl") == 303


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "httponly" in response.headers["set-cookie"].lower()


def test_logins_are_audited(client: TestClient) -> None:
    log_in(client, "eva")
    with session_scope() as session:
        entries = recent_audit(session)
    assert [(e.username, e.action) for e in entries] == [("eva", "login")]


def test_the_first_admin_is_created_from_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with console_app(f"sqlite:///{tmp_path / 'cli.db'}") as client:
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO("ein-langes-pw-7\n"))
        assert console_main(["create-admin", "root", "--password-stdin"]) == 0
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO("kurz\n"))
        assert console_main(["create-admin", "other", "--password-stdin"]) == 1
        assert log_in(client, "root", "ein-langes-pw-7") == 303
        assert client.get("/", follow_redirects=False).headers["location"] == "/admin/accounts"
