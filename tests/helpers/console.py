"""The web console in tests: an app on a fresh database, accounts, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.testclient import TestClient

from console.app import build_app
from jmd.accounts.repository import create_account
from jmd.db import session_scope
from jmd.db.engine import get_engine
from jmd.db.migrate import upgrade
from jmd.shared.settings import get_settings, load_settings
from tests.helpers.stack import patched_environ

PASSWORD = "richtig-geheim-42"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no form with a CSRF token on the page"
    return match.group(1)


@contextmanager
def console_app(database_url: str, **env: str) -> Iterator[TestClient]:
    """A console on ``database_url`` (migrated), as an anonymous test client."""
    with patched_environ({"DATABASE_URL": database_url, **env}):
        get_settings.cache_clear()
        get_engine.cache_clear()
        upgrade(database_url)
        try:
            with TestClient(build_app(load_settings()), base_url="http://127.0.0.1") as client:
                yield client
        finally:
            get_settings.cache_clear()
            get_engine.cache_clear()


def add_account(username: str, role: str, counselor_id: int | None = None) -> None:
    """An account with :data:`PASSWORD` in the console's database."""
    with session_scope() as session:
        create_account(session, username, PASSWORD, role, counselor_id)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    """Log ``client`` in through the login form; the response's status code."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token}, follow_redirects=False)
    return response.status_code


def csrf(client: TestClient, path: str = "/") -> str:
    """The logged-in session's CSRF token, read from a page's forms."""
    return csrf_of(client.get(path).text)
