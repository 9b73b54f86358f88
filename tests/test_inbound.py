"""Crash-safe inbound (bot/inbound.py): the front as `python -m bot` runs it, killed.

Telegram is the Bot API stand-in (it forgets updates below the ``offset`` of getUpdates,
as Telegram does); Rasa is first a port that accepts connections and never answers (the
messages are still waiting when the front dies), then the fake Rasa.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from telegram import Update

from bot.app import build_application
from bot.inbound import InboundLedger, PersistingQueue
from bot.rasa_client import RasaClient
from jmd.db.engine import get_engine, make_engine
from jmd.db.inbound import store_update
from jmd.db.migrate import upgrade
from jmd.db.models import InboundUpdate
from jmd.identity import pseudonym
from jmd.shared.settings import PROJECT_ROOT, get_settings, load_settings
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import CRISIS_TEXT, FakeRasa, echo
from tests.helpers.ports import free_port
from tests.helpers.stack import patched_environ

CRISIS = "ich will nicht mehr leben"
PEOPLE = {  # Telegram user → what they write (one of them a crisis message)
    931001: "hallo", 931002: "wo ist das büro", 931003: CRISIS,
    931004: "ich brauche einen termin", 931005: "danke", 931006: "was ist eine ausbildung",
}


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture
def silent_rasa() -> Iterator[str]:
    """A Rasa that takes every request and never answers (it is still "working")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)  # the kernel accepts connections; nobody reads them
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'jmd.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def front_env(api: BotApiStandIn, tmp_path: Path, url: str, rasa_url: str,
              **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "JMD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "RASA_URL": rasa_url,
        "PSEUDONYM_SECRET": os.environ["PSEUDONYM_SECRET"],
        **extra,
    }


@contextmanager
def front(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot`; killed on exit if the test has not ended it."""
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=PROJECT_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def wait_for[T](probe: Callable[[], T], what: str, process: subprocess.Popen[bytes],
                log: Path) -> T:
    """Poll ``probe`` until it returns something truthy (a wait, not a time limit)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        assert process.poll() is None, f"the front died:\n{log.read_text()[-3000:]}"
        time.sleep(0.05)
    raise AssertionError(f"the front never {what}:\n{log.read_text()[-3000:]}")


def offsets(api: BotApiStandIn) -> list[int]:
    return [int(c.params.get("offset") or 0) for c in api.calls_of("getUpdates")]


def stored(engine: Engine) -> dict[int, int]:
    """update_id → attempts of the stored (unfinished) updates."""
    with engine.connect() as connection:
        rows = connection.execute(select(InboundUpdate.update_id, InboundUpdate.attempts))
        return {int(update_id): int(attempts) for update_id, attempts in rows}


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C / SIGTERM: python-telegram-bot shuts down in order."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0


def test_killed_front_answers_every_confirmed_message_once_after_restart(
    api: BotApiStandIn, fake_rasa: FakeRasa, silent_rasa: str, database: tuple[str, Engine],
    tmp_path: Path,
) -> None:
    url, engine = database
    log = tmp_path / "front.log"
    updates = api.push_batch([api.text_update(user, said, "de") for user, said in PEOPLE.items()])
    last = max(u["update_id"] for u in updates)
    with front(front_env(api, tmp_path, url, silent_rasa), log) as process:
        # Telegram has them confirmed: the next getUpdates asked for what comes after.
        wait_for(lambda: any(o > last for o in offsets(api)), "confirmed the updates",
                 process, log)
        assert set(stored(engine)) == {u["update_id"] for u in updates}
        process.kill()  # every process dies: the messages were still waiting for Rasa
    assert all(not api.sent_messages(user) for user in PEOPLE), "nothing was answered yet"

    with front(front_env(api, tmp_path, url, fake_rasa.url), log) as process:
        for user in PEOPLE:
            wait_for(lambda u=user: api.sent_messages(u), "answered everyone",  # type: ignore[misc]
                     process, log)
        wait_for(lambda: not stored(engine), "finished the stored updates", process, log)
        stop(process)

    for user, said in PEOPLE.items():
        assert fake_rasa.heard(pseudonym(user)) == [said], "Rasa handled each message once"
        texts = api.sent_texts(user)
        if said == CRISIS:
            assert texts.count(CRISIS_TEXT) == 1
            assert texts[0] == CRISIS_TEXT, "the emergency numbers first"
        else:
            assert texts == [echo(said)], "answered exactly once"


def test_an_update_that_crashes_the_front_every_time_is_given_up(
    api: BotApiStandIn, fake_rasa: FakeRasa, silent_rasa: str, database: tuple[str, Engine],
    tmp_path: Path,
) -> None:
    """Each start replays it and counts the attempt; after INBOUND_MAX_ATTEMPTS it is dropped
    with a note (crisis reply first); a harmless update stored with it is answered."""
    url, engine = database
    log = tmp_path / "front.log"
    poison = api.push_text(931101, CRISIS, "ar")["update_id"]
    crashing = front_env(api, tmp_path, url, silent_rasa, INBOUND_MAX_ATTEMPTS="3")
    harmless = 0
    for attempt in (1, 2, 3):
        if attempt == 3:  # arrives while the poison one is handled the third time
            harmless = api.push_text(931102, "hallo", "de")["update_id"]
        with front(crashing, log) as process:
            wait_for(lambda a=attempt: stored(engine).get(poison) == a,  # type: ignore[misc]
                     f"started attempt {attempt}", process, log)
            newest = max(poison, harmless)
            wait_for(lambda n=newest: any(o > n for o in offsets(api)),  # type: ignore[misc]
                     "polled", process, log)
            process.kill()  # the "crash" while handling it
    assert stored(engine) == {poison: 3, harmless: 1}

    with front(front_env(api, tmp_path, url, fake_rasa.url, INBOUND_MAX_ATTEMPTS="3"),
               log) as process:
        wait_for(lambda: api.sent_messages(931102) and api.sent_messages(931101)
                 and not stored(engine), "gave up and answered", process, log)
        stop(process)
    # The emergency numbers in the language of the message, the note in the person's.
    assert api.sent_texts(931101) == [t("crisis", "de"), t("pending_expired", "ar")]
    assert fake_rasa.heard(pseudonym(931101)) == [], "given up: never handled again"
    assert api.sent_texts(931102) == [echo("hallo")]


async def test_an_update_sent_again_is_handled_once(database: tuple[str, Engine],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored already (the front died before confirming it) or replayed: dropped."""
    _, engine = database
    monkeypatch.setattr("jmd.db.engine.get_engine", lambda: engine)
    data: dict[str, Any] = {"update_id": 77, "message": {
        "message_id": 5, "date": 0, "chat": {"id": 931201, "type": "private"},
        "from": {"id": 931201, "is_bot": False, "first_name": "T"}, "text": "hallo"}}
    queue = PersistingQueue()
    await queue.put(Update.de_json(data, None))
    await queue.put(Update.de_json(data, None))
    replayed = Update.de_json({**data, "update_id": 78}, None)
    queue.replay(replayed)
    await queue.put(replayed)
    assert queue.qsize() == 2
    with engine.connect() as connection:
        payload = connection.execute(text("SELECT payload FROM inbound_updates")).scalar_one()
    assert stored(engine) == {77: 1}, "replayed ones are not stored again"
    again = Update.de_json(json.loads(payload), None)
    assert again.to_dict() == Update.de_json(data, None).to_dict(), "stored as received"


def test_store_update_is_idempotent(database: tuple[str, Engine]) -> None:
    from jmd.db.engine import session_scope
    _, engine = database
    with session_scope(engine) as session:
        assert store_update(session, 5, "k", "{}")
        assert not store_update(session, 5, "k", "{}")


async def test_the_row_goes_when_the_last_work_for_it_finished(
    database: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler and the inbox job both hold an update; the row stays until both are done."""
    _, engine = database
    monkeypatch.setattr("jmd.db.engine.get_engine", lambda: engine)
    update = Update.de_json({"update_id": 90, "message": {
        "message_id": 5, "date": 0, "chat": {"id": 931301, "type": "private"},
        "from": {"id": 931301, "is_bot": False, "first_name": "T"}, "text": "x"}}, None)
    await PersistingQueue().put(update)
    ledger = InboundLedger()
    ledger.hold(update)  # the handler runs
    ledger.hold(update)  # … and queued an inbox job
    await ledger.release([update])  # the handler returned
    assert stored(engine) == {90: 1}
    await ledger.release([update])  # the job finished
    assert stored(engine) == {} and ledger.unfinished() == 0


async def test_webhook_mode_stores_the_update_before_answering_200(
    api: BotApiStandIn, silent_rasa: str, database: tuple[str, Engine], tmp_path: Path,
) -> None:
    """python-telegram-bot's webhook handler awaits the queue's put before its 200."""
    url, engine = database
    env = {key: value for key, value in front_env(api, tmp_path, url, silent_rasa).items()
           if key not in os.environ or os.environ[key] != value}
    with patched_environ(env):
        get_settings.cache_clear()
        get_engine.cache_clear()
        settings = load_settings()
        application = build_application(
            settings, RasaClient(settings.rasa_url, timeout=5, attempts=1))  # silent: still waiting
        await application.initialize()
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        port = free_port()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret",
            webhook_url="https://bot.example/hook")
        try:
            update = {"update_id": 555, **api.text_update(931401, "hallo", "de")}
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"http://127.0.0.1:{port}/hook", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert answer.status_code == 200
            assert stored(engine) == {555: 1}, "stored when Telegram hears 200"
        finally:
            await application.updater.stop()
            await application.stop()  # the job ends: Rasa timed out, the message is kept
            await application.shutdown()
            await application.post_shutdown(application)  # type: ignore[misc]
            get_settings.cache_clear()
            get_engine.cache_clear()
    assert stored(engine) == {}, "finished: kept for Rasa in pending_messages instead"
    assert api.sent_texts(931401) == [t("technical_problem", "de")]
