"""Shared fixtures. The trained model and the running Rasa stack are built once per run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jmd.shared.settings import PROJECT_ROOT, Settings, load_settings
from tests.helpers.stack import running_stack, stack_environment

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Unit tests must never touch the developer's var/ directory.
os.environ.setdefault("PSEUDONYM_SECRET", "test-secret")
# Telegram's own limit (about one message a second per private chat) is not the stand-in's:
# the pacing itself is tested in test_throttle.py; elsewhere it would only make tests wait.
os.environ.setdefault("TELEGRAM_CHAT_INTERVAL", "0.02")


MODEL_FIXTURES = {"model_path", "rasa_stack"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the trained model is a `model` test, marked or not.

    `make test` runs the other tests while the model trains (scripts/test.sh), so a test
    that needs the model must never land in that first run.
    """
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained model: `make test` trains it (once) before pytest starts."""
    path = Path(os.environ.get("JMD_MODEL", PROJECT_ROOT / "models" / "jmd.tar.gz"))
    if not path.exists():
        subprocess.run(
            [load_settings().rasa_bin, "train", "--data", "nlu/data",
             "--out", str(path.parent), "--fixed-model-name", path.name.removesuffix(".tar.gz")],
            cwd=PROJECT_ROOT, check=True,
        )
    return path


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return stack_environment(tmp_path_factory.mktemp("stack-var"))


@pytest.fixture(scope="session")
def rasa_stack(model_path: Path, stack_env: dict[str, str]) -> Iterator[Settings]:
    """Action server and Rasa server, started like `make run` does, shared by all tests."""
    with running_stack(model_path, stack_env) as settings:
        yield settings


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster, started once for the run."""
    from tests.helpers.postgres import throwaway_postgres

    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> str:
    """The same tests on embedded SQLite and on PostgreSQL, freshly migrated."""
    from sqlalchemy import text

    from jmd.db.engine import make_engine
    from jmd.db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module (tests/helpers/browser.py).

    Module-scoped: Playwright's synchronous API runs its own event loop, which must not be
    open while the asynchronous tests of other modules run theirs.
    """
    from tests.helpers.browser import chromium

    with chromium() as started:
        yield started


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab with its own cookies (a person who has not logged in yet)."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
