"""`make run` without a token: the launcher starts everything and opens the terminal chat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.domain import response_text
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
def launched(args: list[str], env: dict[str, str], ready: str) -> Iterator[list[int]]:
    """Start the launcher, yield the pids of its children once ``ready`` is printed."""
    launcher = subprocess.Popen(
        [sys.executable, "-m", "jmd.run", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=PROJECT_ROOT,
        # As from a terminal: a test run started in the background (`make test &`) ignores
        # SIGINT, and the launcher would inherit that and never see the Ctrl-C.
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    try:
        pids: list[int] = []
        assert launcher.stdout is not None
        deadline = time.monotonic() + 300
        for line in launcher.stdout:
            if "started (pid" in line:
                pids.append(int(line.split("pid ")[1].split(",")[0]))
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
        assert not any(_alive(p) for p in pids), "Ctrl-C left processes behind"
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_ctrl_c_stops_every_process(model_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, **stack_environment(tmp_path)}
    with launched(["--model", str(model_path), "--no-chat"], env, "Rasa is ready") as pids:
        assert len(pids) == 2 and all(_alive(p) for p in pids)


# (language, Telegram user, Telegram's language_code, greeting, the button tapped, follow-up)
TELEGRAM_CONVERSATIONS = [
    ("de", 777001, "de", "hallo wie gehts", "Deutsch", "vielen dank"),
    ("prs", 777002, None, "سلام چطور استی", "دری", "تشکر زیاد"),
    ("ar", 777003, "ar", "مرحبا شلونك", "العربية", "شكرا كتير"),
]


def test_with_a_token_three_people_talk_in_three_languages(
    model_path: Path, tmp_path: Path
) -> None:
    """`make run` with a token: Rasa, action server and Telegram front; Ctrl-C stops all."""
    from bot.formatting import to_html
    from tests.helpers.bot_api import BotApiStandIn, Call

    api = BotApiStandIn().start()
    env = {
        **os.environ,
        **stack_environment(tmp_path),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }

    def answer(user: int, response: str, language: str) -> Call:
        expected = to_html(response_text(response, language), language)
        return api.wait_for(
            lambda: next((c for c in api.sent_messages(user) if c.params["text"] == expected),
                         None),
            timeout=90,
        )

    try:
        with launched(["--model", str(model_path)], env, "telegram started") as pids:
            assert len(pids) == 3
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
    finally:
        api.stop()


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
