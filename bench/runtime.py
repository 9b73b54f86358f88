"""`make bench`: how fast the running assistant answers, and how much memory it needs.

Starts what `make run` starts — the action server, the Rasa server with the trained model,
the Telegram front (`python -m bot`) — on a throwaway database (SQLite, or
``--database-url``), with the Bot API stand-in in Telegram's place, and measures:

1. **NLU parse latency**: ``POST /model/parse`` (Rasa's HTTP API, started with a token).
   Where the API cannot be reached, one whole turn of a new conversation over Rasa's
   ``jmd`` channel stands in (labelled so in the report).
2. **Reply latency, front vs bare Rasa**: the same conversations twice, turn by turn —
   over Rasa's REST channel directly (``POST /webhooks/jmd/webhook``), and as a person in
   Telegram would: an update in the stand-in's ``getUpdates`` → the front → Rasa → the
   first ``sendMessage`` back at the stand-in. The front sends at most one message a
   second to one chat, so the turns go round several chats (never two within a second
   to one chat) and each turn waits for all of its messages.
3. **30 people at once**: each has a conversation of several turns through the stand-in,
   starting within 15 s and reading and typing 5–15 s after each answer (``--pause``);
   messages per second, p50/p95 of the reply time, errors (no answer within 30 s, fewer
   messages than the turn has, or the front's "technical problem"/"error" text). Then 30
   people who all start at the same moment and write again as soon as they are answered:
   the most messages per second the assistant answers on this machine.
4. **Peak memory** of each process and its children (``VmHWM`` in ``/proc/<pid>/status``;
   the action server is Sanic's manager process plus its worker).

``--rasa-servers 2`` measures the scale-out set-up instead (README "Production and
scale-out"): a throwaway PostgreSQL (unless ``--database-url``) and ``redis-server``, two
Rasa servers, the front with both in ``RASA_URL``; bare REST goes to the first server.

Figures are printed and written to ``reports/bench.md`` (``bench-2-rasa.md`` …); nothing is
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.standin import TimedBotApi
from jmd.db.migrate import upgrade
from jmd.process_env import child_env
from jmd.run import Processes, start_backend, start_rasa
from jmd.shared.settings import PROJECT_ROOT, Settings, get_settings, load_settings
from jmd.shared.tokens import bearer
from jmd.texts import t
from tests.helpers.ports import free_port
from tests.helpers.postgres import throwaway_postgres
from tests.helpers.redis import throwaway_redis
from tests.helpers.stack import patched_environ, stack_environment

# Conversations per language: a greeting, questions (FAQ topics), out of scope, thanks.
# Each answer is text only (no handoff, no file), so both ways deliver the same messages.
SCRIPTS: dict[str, list[str]] = {
    "de": ["hallo wie gehts", "ich suche eine ausbildung in dessau",
           "was kostet der deutschkurs", "wie wird das wetter morgen", "vielen dank"],
    "prs": ["سلام چطور استی", "میخایم آوسبیلدونگ پیدا کنم", "کورس زبان پیسه داره؟",
            "هوا فردا چطور است", "تشکر زیاد"],
    "ar": ["مرحبا شلونك", "ابحث عن مكان تدريب مهني", "كم سعر كورس الاندماج",
           "شو الطقس بكرة", "شكرا كتير"],
}
# Telegram's language setting of the simulated people (Dari speakers often have "fa").
TELEGRAM_CODES = {"de": "de", "prs": "fa", "ar": "ar"}
PARSE_TEXTS = [text for script in SCRIPTS.values() for text in script]
REPLY_TIMEOUT = 30.0
# reading an answer (up to 700 characters) and typing the next message on a phone
PAUSE_SECONDS = (5.0, 15.0)
SATURATION_TURNS = 3
FIRST_USER_ID = 700_000_000


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


@dataclass
class Figures:
    """Everything the report shows."""

    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    database: str = "SQLite"
    rasa_servers: int = 1
    parse_via: str = ""
    parse: list[float] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)
    front: list[float] = field(default_factory=list)
    concurrent: list[float] = field(default_factory=list)
    concurrent_turns: int = 0
    concurrent_seconds: float = 0.0
    saturated: list[float] = field(default_factory=list)
    saturated_turns: int = 0
    saturated_seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    pause: tuple[float, float] = PAUSE_SECONDS
    peak_mb: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


# -- the running assistant ---------------------------------------------------------------


@contextmanager
def running_assistant(
    model: Path, api: TimedBotApi, database_url: str | None, api_token: str, rasa_servers: int
) -> Iterator[tuple[Settings, Processes]]:
    """Action server, Rasa (HTTP API on, with a token) and the front, on a throwaway var/;
    with several Rasa servers on PostgreSQL and a throwaway Redis."""
    with ExitStack() as stack:
        extra = {}
        if rasa_servers > 1:
            redis = shutil.which("redis-server")
            if redis is None:
                raise SystemExit("--rasa-servers needs redis-server (apt-get install redis-server)")
            extra["REDIS_URL"] = stack.enter_context(throwaway_redis(redis))
            database_url = database_url or stack.enter_context(throwaway_postgres())
        yield from _running(model, api, database_url, api_token, rasa_servers, extra)


def _running(model: Path, api: TimedBotApi, database_url: str | None, api_token: str,
             rasa_servers: int, extra: dict[str, str]) -> Iterator[tuple[Settings, Processes]]:
    var_dir = Path(tempfile.mkdtemp(prefix="jmd-bench-"))
    extra = {
        **extra,
        "SEED_DEMO_DATA": "0",
        "LOG_LEVEL": "WARNING",  # the benchmark measures the assistant, not its logging
        "RASA_ENABLE_API": "1",
        "RASA_API_TOKEN": api_token,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    if database_url:
        extra["DATABASE_URL"] = database_url
    env = stack_environment(var_dir, **extra)
    with patched_environ(env):
        get_settings.cache_clear()
        settings = load_settings()
        upgrade(settings.database_url)
        processes = Processes()
        try:
            start_backend(settings, processes, model)
            servers = [settings.rasa_url]
            for number in range(2, rasa_servers + 1):
                port = free_port()
                servers.append(f"http://127.0.0.1:{port}")
                start_rasa(replace(settings, rasa_port=port, rasa_url=servers[-1]),
                           processes, model, f"rasa-{number}")
            front = child_env(settings, "telegram")
            front["RASA_URL"] = ",".join(servers)
            processes.start("telegram", [sys.executable, "-m", "bot"], front)
            api.wait_for(lambda: api.calls_of("getUpdates"), timeout=120)
            yield settings, processes
        finally:
            processes.stop()
            get_settings.cache_clear()


def metadata(language: str) -> dict[str, str]:
    """What the front sends along with a person's text (bot/relay.py)."""
    return {"telegram_language_code": TELEGRAM_CODES[language], "chat_type": "private"}


async def rest_turn(client: httpx.AsyncClient, settings: Settings, sender: str, text: str,
                    language: str) -> tuple[float, int]:
    """One turn over bare Rasa REST: seconds, and how many text messages came back."""
    started = time.monotonic()
    response = await client.post(
        f"{settings.rasa_url}/webhooks/jmd/webhook",
        json={"sender": sender, "message": text, "metadata": metadata(language)},
        headers=bearer(settings.rasa_channel_token),
    )
    elapsed = time.monotonic() - started
    response.raise_for_status()
    return elapsed, sum(1 for item in response.json() if item.get("text"))


async def front_turn(api: TimedBotApi, user_id: int, text: str, language: str,
                     expected: int) -> tuple[float | None, str | None]:
    """One turn through the stand-in and the front: seconds to the first message (None if
    none came), and what went wrong if anything did."""
    started = time.monotonic()
    api.push_text(user_id, text, TELEGRAM_CODES[language])
    sent = await api.wait_sent(user_id, started, max(expected, 1), REPLY_TIMEOUT)
    if not sent:
        return None, "no answer within 30 s"
    trouble = {t("technical_problem", lang) for lang in SCRIPTS} | {
        t("error", lang) for lang in SCRIPTS}
    if any(message.text in trouble for message in sent):
        return sent[0].at - started, "technical problem / error reply"
    if len(sent) < expected:
        return sent[0].at - started, "fewer messages than Rasa sent"
    return sent[0].at - started, None


# -- the measurements --------------------------------------------------------------------


async def measure_parse(settings: Settings, token: str, figures: Figures) -> None:
    """NLU parse latency over Rasa's HTTP API; a channel turn where the API is off."""
    async with httpx.AsyncClient(timeout=60) as client:
        url = f"{settings.rasa_url}/model/parse"
        probe = await client.post(url, params={"token": token}, json={"text": "hallo"})
        if probe.status_code == 200:
            figures.parse_via = "`POST /model/parse` (Rasa's HTTP API, with its token)"
            for text in PARSE_TEXTS * 2:
                started = time.monotonic()
                response = await client.post(url, params={"token": token}, json={"text": text})
                figures.parse.append(time.monotonic() - started)
                response.raise_for_status()
            return
        figures.parse_via = (f"Rasa's HTTP API answered {probe.status_code}: one turn of a new "
                             "conversation over the `jmd` channel instead (parse + dialogue)")
        for index, text in enumerate(PARSE_TEXTS * 2):
            language = next(lang for lang, script in SCRIPTS.items() if text in script)
            elapsed, _ = await rest_turn(client, settings, f"bench-parse-{index}", text, language)
            figures.parse.append(elapsed)


def people(count: int, first_id: int) -> list[tuple[int, str]]:
    """``count`` people (Telegram user id, language), the languages taking turns."""
    languages = list(SCRIPTS)
    return [(first_id + n, languages[n % len(languages)]) for n in range(count)]


async def measure_front_vs_rest(api: TimedBotApi, settings: Settings, figures: Figures,
                                chats: int) -> dict[tuple[str, int], int]:
    """The same conversations over bare REST and through the front, turn by turn.

    Returns how many messages each (language, turn) has, for the concurrent run.
    """
    expected: dict[tuple[str, int], int] = {}
    turns = len(next(iter(SCRIPTS.values())))
    async with httpx.AsyncClient(timeout=60) as client:
        group = people(chats, FIRST_USER_ID)
        for turn in range(turns):
            for user_id, language in group:
                text = SCRIPTS[language][turn]
                elapsed, count = await rest_turn(client, settings, f"bench-rest-{user_id}",
                                                 text, language)
                figures.rest.append(elapsed)
                expected[(language, turn)] = count
                front, trouble = await front_turn(api, user_id, text, language, count)
                if trouble:
                    figures.errors[f"sequential: {trouble}"] = (
                        figures.errors.get(f"sequential: {trouble}", 0) + 1)
                if front is not None:
                    figures.front.append(front)
    return expected


async def measure_concurrent(api: TimedBotApi, figures: Figures, users: int,
                             expected: dict[tuple[str, int], int], *, saturate: bool) -> None:
    """``users`` people write at once, each a whole conversation, starting within one pause
    and taking time to read and type; with ``saturate`` all start at the same moment, write
    again as soon as they are answered, and only the first turns."""
    think = random.Random(15)
    first_id = FIRST_USER_ID + (20_000 if saturate else 10_000)
    latencies = figures.saturated if saturate else figures.concurrent
    turns = 0

    async def person(user_id: int, language: str) -> None:
        nonlocal turns
        script = SCRIPTS[language][:SATURATION_TURNS] if saturate else SCRIPTS[language]
        if not saturate:  # people who are in the middle of their conversations
            await asyncio.sleep(think.uniform(0, figures.pause[1]))
        for turn, text in enumerate(script):
            elapsed, trouble = await front_turn(api, user_id, text, language,
                                                expected.get((language, turn), 1))
            if trouble:
                figures.errors[trouble] = figures.errors.get(trouble, 0) + 1
            if elapsed is not None:
                latencies.append(elapsed)
            turns += 1
            if not saturate and turn + 1 < len(script):
                await asyncio.sleep(think.uniform(*figures.pause))

    started = time.monotonic()
    await asyncio.gather(*(person(user_id, language)
                           for user_id, language in people(users, first_id)))
    seconds = time.monotonic() - started
    if saturate:
        figures.saturated_turns, figures.saturated_seconds = turns, seconds
    else:
        figures.concurrent_turns, figures.concurrent_seconds = turns, seconds


# -- the report --------------------------------------------------------------------------


def row(name: str, values: list[float]) -> str:
    if not values:
        return f"| {name} | – | – | – | 0 |"
    return (f"| {name} | {ms(percentile(values, 0.5))} | {ms(percentile(values, 0.95))} | "
            f"{ms(statistics.mean(values))} | {len(values)} |")


def report(figures: Figures, model: Path, users: int) -> str:
    rest_p50 = percentile(figures.rest, 0.5) if figures.rest else 0.0
    front_p50 = percentile(figures.front, 0.5) if figures.front else 0.0
    ratio = front_p50 / rest_p50 if rest_p50 else float("nan")
    ratio_mean = (statistics.mean(figures.front) / statistics.mean(figures.rest)
                  if figures.front and figures.rest else float("nan"))
    p95 = percentile(figures.concurrent, 0.95) if figures.concurrent else float("nan")
    rate = (figures.concurrent_turns / figures.concurrent_seconds
            if figures.concurrent_seconds > 0 else 0.0)
    most = (figures.saturated_turns / figures.saturated_seconds
            if figures.saturated_seconds > 0 else 0.0)
    errors = sum(figures.errors.values())
    lines = [
        "# Runtime benchmark (`make bench`)",
        "",
        f"{figures.started:%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} cores · "
        f"load average before {' / '.join(f'{x:.2f}' for x in figures.load_before)}, "
        f"after {' / '.join(f'{x:.2f}' for x in figures.load_after)} · model `{model.name}` "
        f"({model.stat().st_size / 1e6:.0f} MB) · database {figures.database} · "
        + (f"{figures.rasa_servers} Rasa servers (Redis locks) · "
           if figures.rasa_servers > 1 else "")
        + f"{figures.seconds:.0f} s in all",
        "",
        "| what | p50 | p95 | mean | n |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("NLU parse", figures.parse),
        row("reply, bare Rasa REST", figures.rest),
        row("reply through the front (stand-in → front → Rasa → stand-in)", figures.front),
        row(f"reply, {users} people at once", figures.concurrent),
        row(f"reply, {users} people at once without pauses", figures.saturated),
        "",
        f"- NLU parse measured via {figures.parse_via}.",
        f"- **Front overhead: {ratio:.2f}×** bare Rasa at the median ({ms(front_p50)} vs "
        f"{ms(rest_p50)}; {ratio_mean:.2f}× on the means; target ≤ 1.3×). Same conversations "
        "turn by turn, one message at a time, going round the chats so that the front's pace "
        "of one message a second per chat never holds an answer back; the time is to the "
        "first `sendMessage` of the answer.",
        f"- **{users} people at once**: {figures.concurrent_turns} messages in "
        f"{figures.concurrent_seconds:.1f} s = {rate:.1f} messages/s, p95 reply {ms(p95)} "
        f"(target < 2 s), **{errors} errors**"
        + (" (" + ", ".join(f"{k}: {v}" for k, v in figures.errors.items()) + ")"
           if errors else "")
        + f" (each a conversation of {len(next(iter(SCRIPTS.values())))} turns, "
        f"{figures.pause[0]:g}–{figures.pause[1]:g} s to read and type after each "
        f"answer, the first message within {figures.pause[1]:g} s; errors counted over all "
        "runs).",
        f"- **Most the assistant answers here**: {most:.1f} messages/s "
        f"({figures.saturated_turns} messages from {users} people who all start at the same "
        "moment and write again as soon as they are answered).",
        "- Peak memory (VmHWM): " + ", ".join(
            f"{name} {sum(mbs):.0f} MB" + (
                f" ({' + '.join(f'{mb:.0f}' for mb in mbs)}: {len(mbs)} processes)"
                if len(mbs) > 1 else "")
            for name, mbs in figures.peak_mb.items()) + ".",
        "",
        "A benchmark, not a test: the figures depend on the machine and what else runs on it.",
        "",
    ]
    return "\n".join(lines)


async def run(model: Path, database_url: str | None, chats: int, users: int,
              pause: tuple[float, float], rasa_servers: int) -> Figures:
    figures = Figures(load_before=os.getloadavg(), pause=pause, rasa_servers=rasa_servers)
    if database_url or rasa_servers > 1:
        figures.database = (database_url or "postgresql").split(":", 1)[0].split("+", 1)[0]
    started = time.monotonic()
    token = secrets.token_urlsafe(24)
    api = TimedBotApi()
    api.start()
    try:
        with running_assistant(model, api, database_url, token, rasa_servers) as (
            settings, processes,
        ):
            print("[bench] started; NLU parse …", flush=True)
            await measure_parse(settings, token, figures)
            print("[bench] front vs bare Rasa …", flush=True)
            expected = await measure_front_vs_rest(api, settings, figures, chats)
            print(f"[bench] {users} people at once …", flush=True)
            await measure_concurrent(api, figures, users, expected, saturate=False)
            print(f"[bench] {users} people at once, without pauses …", flush=True)
            await measure_concurrent(api, figures, users, expected, saturate=True)
            names = {"telegram": "front", "rasa": "Rasa", "action-server": "action server",
                     **{f"rasa-{n}": f"Rasa {n}" for n in range(2, rasa_servers + 1)}}
            figures.peak_mb = {
                names.get(name, name): [peak_rss_mb(pid) for pid in process_tree(process.pid)]
                for name, process in processes.children}
    finally:
        api.stop()
    figures.load_after = os.getloadavg()
    figures.seconds = time.monotonic() - started
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "jmd.tar.gz")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports")
    parser.add_argument("--database-url", help="e.g. a throwaway PostgreSQL (default SQLite)")
    parser.add_argument("--chats", type=int, default=9, help="chats of the front-vs-REST run")
    parser.add_argument("--users", type=int, default=30, help="people writing at once")
    parser.add_argument("--rasa-servers", type=int, default=1,
                        help="2 or more: the scale-out set-up (PostgreSQL, Redis)")
    parser.add_argument("--pause", default="5-15",
                        help="seconds to read and type between two messages (MIN-MAX)")
    args = parser.parse_args()
    if not args.model.exists():
        print(f"{args.model} not found: `make train` first", file=sys.stderr)
        return 2
    low, _, high = args.pause.partition("-")
    pause = (float(low), float(high or low))
    figures = asyncio.run(run(args.model, args.database_url, args.chats, args.users, pause,
                              args.rasa_servers))
    text = report(figures, args.model, args.users)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "bench.md" if args.rasa_servers == 1 else f"bench-{args.rasa_servers}-rasa.md"
    (args.out / name).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
