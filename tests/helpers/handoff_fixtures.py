"""Fixtures of the handoff tests: the Bot API stand-in, a stand-in Rasa, a running front.

A pytest plugin: test modules load it with ``pytest_plugins``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.handoff import MEMBERS, handoff_env, register_counselors, write_offices
from tests.test_bot import running_front


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn(members=dict(MEMBERS)).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def env(api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path) -> dict[str, str]:
    return handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)


@pytest.fixture
async def front(env: dict[str, str]) -> AsyncIterator[Application]:
    async with running_front(env) as application:
        register_counselors()
        yield application


@pytest.fixture
async def front_with_hours(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> AsyncIterator[Application]:
    env = handoff_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url,
                      OFFICES_FILE=str(write_offices(tmp_path)))
    async with running_front(env) as application:
        register_counselors()
        yield application
