"""Two Rasa servers behind one front, one conversation (README "Production and scale-out").

PostgreSQL holds the conversations and the tables, Redis the per-conversation locks; one
action server; two Rasa servers; the front in webhook mode with ``RASA_URL`` naming both.
A person's conversation must stay one conversation whichever server answers a turn, and
two messages of one person must never be handled at the same time by the two servers.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from bot.formatting import RLM
from bot.rasa_client import RasaClient, Reply
from jmd.clock import local, now
from jmd.db.engine import make_engine, session_scope
from jmd.db.migrate import upgrade
from jmd.db.models import Booking
from jmd.identity import pseudonym
from jmd.process_env import child_env
from jmd.run import Processes, start_backend, start_rasa
from jmd.shared.settings import Settings, get_settings, load_settings
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.conversation import new_sender
from tests.helpers.domain import matches
from tests.helpers.ports import free_port
from tests.helpers.redis import require_redis_server, throwaway_redis
from tests.helpers.stack import patched_environ, stack_environment

pytestmark = pytest.mark.model

WEBHOOK_SECRET = "scale-out-webhook-secret"


@dataclass
class Cluster:
    settings: Settings  # the first server's; the database and the action server are shared
    servers: list[str]  # the two Rasa servers' URLs
    rasa: list[subprocess.Popen[bytes]]
    processes: Processes


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with throwaway_redis(require_redis_server()) as url:
        yield url


@pytest.fixture(scope="module")
def cluster(model_path: Path, postgres_url: str, redis_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """PostgreSQL + Redis + one action server + two Rasa servers, with free slots."""
    engine = make_engine(postgres_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("DROP DATABASE IF EXISTS scale_out"))
        connection.execute(text("CREATE DATABASE scale_out"))
    engine.dispose()
    database_url = postgres_url.rsplit("/", 1)[0] + "/scale_out"
    env = stack_environment(tmp_path_factory.mktemp("scale-out"), DATABASE_URL=database_url,
                            REDIS_URL=redis_url)
    with patched_environ(env):
        settings = load_settings()
        upgrade(settings.database_url)
        processes = Processes()
        try:
            start_backend(settings, processes, model_path)  # action server + first Rasa
            port = free_port()
            second_url = f"http://127.0.0.1:{port}"
            process = start_rasa(replace(settings, rasa_port=port, rasa_url=second_url),
                                 processes, model_path, "rasa-2")
            add_slots(settings.database_url)
            yield Cluster(settings, [settings.rasa_url, second_url],
                          [processes.children[1][1], process], processes)
        finally:
            processes.stop()


def add_slots(database_url: str) -> None:
    """Free slots from tomorrow on (the action server uses the real clock)."""
    engine = make_engine(database_url)
    tomorrow = local(now()).date() + timedelta(days=1)
    for name, office, languages, mode in (("Frau Amal", "zerbst", "de,ar", "in_person"),
                                          ("Herr Wais", "bitterfeld-wolfen", "de,prs", "phone")):
        counselor = add_counselor(engine, name, office, languages)
        for day in range(3):
            for hour in (9, 11, 14):
                start = datetime.combine(tomorrow + timedelta(days=day), datetime.min.time())
                add_slot(engine, counselor, start.replace(hour=hour), mode=mode)
    engine.dispose()


async def say_to(server: str, sender: str, message: str) -> list[Reply]:
    client = RasaClient(server, attempts=1, token=load_settings().rasa_channel_token)
    try:
        return await client.send(sender, message, {"chat_type": "private"})
    finally:
        await client.close()


def only(replies: list[Reply], name: str, language: str = "de") -> Reply:
    found = [r for r in replies if r.text and matches(name, language, r.text)]
    assert found, (name, [r.text for r in replies])
    return found[-1]


def payloads(reply: Reply, start: str) -> list[str]:
    return [b.payload for b in reply.buttons if b.payload.startswith(start)]


def events(database_url: str, sender: str) -> list[tuple[str, str | None, dict[str, object]]]:
    """Rasa's stored events of ``sender`` in the order they were saved."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type_name, action_name, data FROM events "
                     "WHERE sender_id = :sender ORDER BY id"), {"sender": sender}).all()
    finally:
        engine.dispose()
    return [(str(row[0]), row[1], json.loads(row[2])) for row in rows]


async def test_a_booking_whose_turns_alternate_between_the_servers_completes(
    cluster: Cluster,
) -> None:
    sender, turn = new_sender(), 0

    async def say(message: str) -> list[Reply]:
        nonlocal turn
        turn += 1
        return await say_to(cluster.servers[turn % 2], sender, message)

    replies = await say("ich brauche einen termin bei der beratung")
    for _ in range(5):  # every question of the form, answered by the next server
        choices = [p for r in replies for p in payloads(r, "/inform") if '"any"' not in p]
        if not choices:
            break
        replies = await say(choices[0])
    offer = only(replies, "utter_booking_slots")
    summary = only(await say(payloads(offer, "/choose_slot")[0]), "utter_booking_summary")
    only(await say(payloads(summary, "/confirm_booking")[0]), "utter_booking_confirmed")

    assert turn >= 3  # both servers had turns of the form
    with session_scope(make_engine(cluster.settings.database_url)) as session:
        statuses = session.scalars(select(Booking.status)
                                   .where(Booking.person_key == sender)).all()
    assert list(statuses) == ["active"]
    users = [data["text"] for kind, _, data in events(cluster.settings.database_url, sender)
             if kind == "user"]
    assert len(users) == turn  # each turn stored once, none lost between the servers


async def test_messages_of_one_person_sent_to_both_servers_are_handled_one_at_a_time(
    cluster: Cluster,
) -> None:
    sender = new_sender()
    await say_to(cluster.servers[0], sender, "hallo")
    messages = ["wie finde ich eine ausbildung", "was kostet der deutschkurs", "danke",
                "bist du ein bot", "hallo wie gehts", "tschuess"]

    async def send(index: int, message: str) -> list[Reply]:
        await asyncio.sleep(0.03 * index)  # all in flight together, in a known order
        return await say_to(cluster.servers[index % 2], sender, message)

    answers = await asyncio.gather(*(send(i, m) for i, m in enumerate(messages)))
    assert all(any(reply.text for reply in replies) for replies in answers)

    stored = events(cluster.settings.database_url, sender)
    users = [data["text"] for kind, _, data in stored if kind == "user"]
    assert sorted(users) == sorted(["hallo", *messages])
    # one turn after another: each message's actions end with action_listen before the
    # next message is taken (two servers at once would interleave them)
    turn_ended = True
    for kind, action, _ in stored:
        if kind == "user":
            assert turn_ended, [(k, a) for k, a, _ in stored]
            turn_ended = False
        elif kind == "action" and action == "action_listen":
            turn_ended = True


def seen(text_: str) -> str:
    """A message as the person reads it (the front's HTML and direction marks undone)."""
    return html.unescape(text_).replace(RLM, "")


def test_the_front_in_webhook_mode_fails_over_and_the_form_carries_on(
    cluster: Cluster,
) -> None:
    """Runs last: it stops the first Rasa server in the middle of a booking."""
    api = BotApiStandIn().start()
    try:
        port = free_port()
        env = {
            **child_env(cluster.settings, "telegram"),
            "RASA_URL": ",".join(cluster.servers),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TELEGRAM_WEBHOOK_PORT": str(port),
        }
        cluster.processes.start("telegram", [sys.executable, "-m", "bot"], env)
        api.wait_for(lambda: api.calls_of("setWebhook"), timeout=120)
        # someone whose conversation lives on the first server
        user = next(u for u in range(5000, 6000)
                    if RasaClient(",".join(cluster.servers)).servers_for(
                        pseudonym(u, env["PSEUDONYM_SECRET"]))[0] == cluster.servers[0])
        updates = iter(range(1, 100))

        def write(message: str, expected: str) -> None:
            before = len(api.sent_texts(user))
            update = {"update_id": next(updates), **api.text_update(user, message, "ar")}
            wait_until_listening(port)
            response = httpx.post(f"http://127.0.0.1:{port}/", json=update, timeout=10,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            assert response.status_code == 200
            texts = api.wait_for(lambda: [seen(t) for t in api.sent_texts(user)[before:]
                                          if matches(expected, "ar", seen(t))], timeout=90)
            assert texts

        write("بدي موعد بالهاتف", "utter_booking_ask_age_band")  # asked once, first
        write("عمري 19", "utter_booking_ask_language")  # only Herr Wais: phone
        first = cluster.rasa[0]
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(30)
        write("لا يهم", "utter_booking_ask_day")  # the second server knows the form
        write("بكرة", "utter_booking_slots")
    finally:
        api.stop()
        get_settings.cache_clear()


def wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with httpx.Client(timeout=2) as client:
                client.get(f"http://127.0.0.1:{port}/")
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError("the front's webhook server is not listening")
