"""`python -m bot` in webhook mode, as an operator starts it (against the Bot API stand-in).

It starts only with a secret, listens on 127.0.0.1, registers the webhook with the secret,
answers 403 to an update without it (nothing is answered or stored) and answers a real one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sql

from jmd.db.engine import make_engine
from jmd.db.migrate import upgrade
from jmd.identity import pseudonym
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import FakeRasa, echo
from tests.helpers.ports import free_port, listening_hosts

SECRET = "webhook-secret_for-this-test"
CHANNEL_TOKEN = "channel-token-for-this-test"
PUBLIC_URL = "https://bot.example.org/telegram/hook"
FORGER, PERSON = 880001, 880002


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(token=CHANNEL_TOKEN).start()  # refuses a front without the channel token
    yield fake
    fake.stop()


def webhook_env(api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path, **extra: str
                ) -> dict[str, str]:
    env = {
        **os.environ,
        "JMD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jmd.db'}",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_PORT": str(free_port()),
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "RASA_URL": rasa.url,
        "RASA_CHANNEL_TOKEN": CHANNEL_TOKEN,
        "PSEUDONYM_SECRET": "test-secret",
        **extra,
    }
    env.pop("TELEGRAM_WEBHOOK_LISTEN", None)
    return env


def post(port: int, update: dict[str, Any], secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    url = f"http://127.0.0.1:{port}/telegram/hook"
    return httpx.post(url, json=update, headers=headers, timeout=10).status_code


def wait_until_listening(front: subprocess.Popen[str], port: int) -> None:
    """Until the webhook server answers (a wait for start-up, not a time limit)."""
    while front.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the front stopped: {front.stdout.read() if front.stdout else ''}")


def persons(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(sql("SELECT key FROM persons"))}
    finally:
        engine.dispose()


def test_webhook_mode_refuses_forged_updates_and_answers_telegrams(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> None:
    env = webhook_env(api, rasa, tmp_path)
    port = int(env["TELEGRAM_WEBHOOK_PORT"])
    upgrade(env["DATABASE_URL"])
    front = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_listening(front, port)
        # registered with Telegram together with the secret Telegram must send back
        registered = api.calls_of("setWebhook")[-1].params
        assert registered["url"] == PUBLIC_URL and registered["secret_token"] == SECRET
        assert listening_hosts(port) == {"127.0.0.1"}

        forged = api.text_update(FORGER, "/delete", "de")
        assert post(port, {"update_id": 1, **forged}, None) == 403
        assert post(port, {"update_id": 2, **forged}, "wrong-secret") == 403
        assert post(port, {"update_id": 3, **forged}, SECRET[:-1]) == 403

        genuine = api.text_update(PERSON, "hallo", "de")
        assert post(port, {"update_id": 4, **genuine}, SECRET) == 200
        api.wait_for(lambda: echo("hallo") in api.sent_texts(PERSON))
        # The genuine update came after the forged ones and is answered: they were dropped,
        # not queued. Nobody answered the forger, Rasa never heard of them, nothing stored.
        assert api.sent_messages(FORGER) == []
        assert rasa.heard(pseudonym(FORGER, "test-secret")) == []
        stored = persons(env["DATABASE_URL"])
        assert pseudonym(PERSON, "test-secret") in stored
        assert pseudonym(FORGER, "test-secret") not in stored
    finally:
        front.terminate()
        front.wait(30)


@pytest.mark.parametrize("secret", ["", "not a valid secret"])
def test_webhook_mode_does_not_start_without_a_valid_secret(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path, secret: str
) -> None:
    env = webhook_env(api, rasa, tmp_path, TELEGRAM_WEBHOOK_SECRET=secret)
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert api.calls_of("setWebhook") == []  # it never told Telegram where to send updates
