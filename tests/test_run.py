"""`make run` without a token: the launcher starts everything and opens the terminal chat."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from jmd.process_env import SECRET_SETTINGS
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.domain import response_text
from tests.helpers.ports import environment_of, listening_hosts
from tests.helpers.stack import stack_environment

pytestmark = pytest.mark.model


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_terminal_chat_in_three_languages(model_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, **stack_environment(tmp_path)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    conversation = "hallo\n2\nتشکر زیاد\n3\nمع السلامة\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "jmd.run", "--model", str(model_path)],
        input=conversation, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
        timeout=600,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "TELEGRAM_BOT_TOKEN" in out and "@BotFather" in out
    assert response_text("utter_welcome", "de") in out
    assert response_text("utter_greet", "de") in out
    # "2" taps the second language button (Dari), "3" later the third (Arabic)
    assert response_text("utter_language_changed", "prs") in out
    assert response_text("utter_you_are_welcome", "prs") in out
    assert response_text("utter_language_changed", "ar") in out
    assert response_text("utter_goodbye", "ar") in out
    assert "all processes stopped" in out


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def launched(args: list[str], env: dict[str, str], ready: str) -> Iterator[dict[str, int]]:
    """Start the launcher, yield its children's pids by name once ``ready`` is printed."""
    launcher = subprocess.Popen(
        [sys.executable, "-m", "jmd.run", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=PROJECT_ROOT,
        # As from a terminal: a test run started in the background (`make test &`) ignores
        # SIGINT, and the launcher would inherit that and never see the Ctrl-C.
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    try:
        pids: dict[str, int] = {}
        assert launcher.stdout is not None
        deadline = time.monotonic() + 300
        for line in launcher.stdout:
            if "started (pid" in line:  # "[jmd] rasa started (pid 123, log: …"
                name = line.split("] ", 1)[1].split(" started", 1)[0]
                pids[name] = int(line.split("pid ")[1].split(",")[0])
            if ready in line or time.monotonic() > deadline:
                break
        # Keep reading: a full pipe would block the launcher's own output on shutdown.
        rest: list[str] = []
        drain = threading.Thread(target=lambda: rest.extend(launcher.stdout or ()), daemon=True)
        drain.start()
        yield pids
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0, "".join(rest)[-3000:]
        time.sleep(0.5)
        assert not any(_alive(p) for p in pids.values()), "Ctrl-C left processes behind"
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_ctrl_c_stops_every_process(model_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, **stack_environment(tmp_path)}
    with launched(["--model", str(model_path), "--no-chat"], env, "Rasa is ready") as pids:
        assert len(pids) == 2 and all(_alive(p) for p in pids.values())


# (language, Telegram user, Telegram's language_code, greeting, the button tapped, follow-up)
TELEGRAM_CONVERSATIONS = [
    ("de", 777001, "de", "hallo wie gehts", "Deutsch", "vielen dank"),
    ("prs", 777002, None, "سلام چطور استی", "دری", "تشکر زیاد"),
    ("ar", 777003, "ar", "مرحبا شلونك", "العربية", "شكرا كتير"),
]


def test_with_a_token_three_people_talk_in_three_languages(
    model_path: Path, tmp_path: Path
) -> None:
    """`make run` with a token: Rasa, action server and Telegram front; Ctrl-C stops all.

    Configured as an operator would: no tokens, no pseudonym key; the processes are locked
    down (see :func:`_assert_locked_down`).
    """
    from bot.formatting import to_html
    from tests.helpers.bot_api import BotApiStandIn, Call

    api = BotApiStandIn().start()
    var_dir = tmp_path / "var"
    env = {
        **os.environ,
        **stack_environment(var_dir),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    # as an operator starts it: no tokens, no pseudonym key, long polling, no API setting
    for name in {*SECRET_SETTINGS, "RASA_ENABLE_API", "TELEGRAM_WEBHOOK_URL"}:
        if name != "TELEGRAM_BOT_TOKEN":
            env.pop(name, None)

    def answer(user: int, response: str, language: str) -> Call:
        expected = to_html(response_text(response, language), language)
        return api.wait_for(
            lambda: next((c for c in api.sent_messages(user) if c.params["text"] == expected),
                         None),
            timeout=90,
        )

    try:
        with launched(["--model", str(model_path)], env, "telegram started") as pids:
            assert len(pids) == 4  # with the web console
            api.wait_for(lambda: api.calls_of("getUpdates"))
            # Three people at once, each in their own language.
            for _, user, code, greeting, _, _ in TELEGRAM_CONVERSATIONS:
                api.push_text(user, greeting, code)
            for language, user, code, _, button, _ in TELEGRAM_CONVERSATIONS:
                greeted = answer(user, "utter_greet", language)
                data = next(b["callback_data"] for row in greeted.result["reply_markup"]
                            ["inline_keyboard"] for b in row if b["text"] == button)
                api.push_tap(user, greeted, data, code)
            for language, user, code, _, _, follow_up in TELEGRAM_CONVERSATIONS:
                answer(user, "utter_language_changed", language)
                api.push_text(user, follow_up, code)
            for language, user, _, _, _, _ in TELEGRAM_CONVERSATIONS:
                answer(user, "utter_you_are_welcome", language)
                assert len(api.sent_texts(user)) == 3, "one answer per message, no errors"
            _assert_locked_down(pids, env, var_dir)
    finally:
        api.stop()


def _assert_locked_down(pids: dict[str, int], env: dict[str, str], var_dir: Path) -> None:
    """Only loopback, each process only its secrets (tokens made up), var/ private, the
    HTTP API only with the token made up for Rasa and the console."""
    environs = {name: environment_of(pid) for name, pid in pids.items()}
    secrets = {name: {s for s in SECRET_SETTINGS if s in environ}
               for name, environ in environs.items()}
    assert secrets == {
        "telegram": {"TELEGRAM_BOT_TOKEN", "PSEUDONYM_SECRET", "RASA_CHANNEL_TOKEN"},
        "rasa": {"RASA_CHANNEL_TOKEN", "ACTION_SERVER_TOKEN", "RASA_API_TOKEN"},
        "action-server": {"ACTION_SERVER_TOKEN"},
        # loads a newly trained model into Rasa ("train and publish")
        "console": {"RASA_API_TOKEN"},
    }
    front, rasa, actions = environs["telegram"], environs["rasa"], environs["action-server"]
    assert front["RASA_CHANNEL_TOKEN"] == rasa["RASA_CHANNEL_TOKEN"]
    assert rasa["ACTION_SERVER_TOKEN"] == actions["ACTION_SERVER_TOKEN"]
    assert rasa["RASA_API_TOKEN"] == environs["console"]["RASA_API_TOKEN"]
    assert len({front["RASA_CHANNEL_TOKEN"], rasa["ACTION_SERVER_TOKEN"],
                rasa["RASA_API_TOKEN"]}) == 3
    assert front["PSEUDONYM_SECRET"] == (var_dir / "pseudonym.key").read_text()

    for port in (env["RASA_PORT"], env["ACTION_PORT"]):
        assert listening_hosts(int(port)) == {"127.0.0.1"}
    # the API answers only with the token of this start
    assert httpx.get(f"{env['RASA_URL']}/status").status_code == 401
    assert httpx.get(f"{env['RASA_URL']}/conversations/x/tracker").status_code == 401
    token = {"token": rasa["RASA_API_TOKEN"]}
    assert httpx.get(f"{env['RASA_URL']}/status", params=token).status_code == 200

    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    private = [var_dir / "jmd.db", var_dir / "pseudonym.key", *(var_dir / "logs").iterdir()]
    assert len(private) >= 5
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.name} readable by others"


def test_only_the_front_gets_the_telegram_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process gets only the secrets it uses: the bot token is the front's alone."""
    from jmd.process_env import child_env
    from jmd.shared.settings import load_settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "hook-secret")
    settings = load_settings()
    for process in ("rasa", "action-server"):
        assert "TELEGRAM_BOT_TOKEN" not in child_env(settings, process)
        assert "TELEGRAM_WEBHOOK_SECRET" not in child_env(settings, process)
    assert child_env(settings, "telegram")["TELEGRAM_BOT_TOKEN"] == "123:secret-token"
