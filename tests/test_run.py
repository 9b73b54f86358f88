"""`make run` without a token: the launcher starts everything and opens the terminal chat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jmd.settings import PROJECT_ROOT
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


@contextmanager
def launched(args: list[str], env: dict[str, str], ready: str) -> Iterator[list[int]]:
    """Start the launcher, yield the pids of its children once ``ready`` is printed."""
    launcher = subprocess.Popen(
        [sys.executable, "-m", "jmd.run", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=PROJECT_ROOT,
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
        yield pids
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
        time.sleep(0.5)
        assert not any(_alive(p) for p in pids), "Ctrl-C left processes behind"
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_ctrl_c_stops_every_process(model_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, **stack_environment(tmp_path)}
    with launched(["--model", str(model_path), "--no-chat"], env, "Rasa is ready") as pids:
        assert len(pids) == 2 and all(_alive(p) for p in pids)


def test_with_a_token_all_three_processes_run(model_path: Path, tmp_path: Path) -> None:
    """Rasa, the action server and the Telegram front; a message is answered; Ctrl-C stops all."""
    from tests.helpers.bot_api import BotApiStandIn

    api = BotApiStandIn().start()
    env = {
        **os.environ,
        **stack_environment(tmp_path),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    try:
        with launched(["--model", str(model_path)], env, "telegram started") as pids:
            assert len(pids) == 3
            api.wait_for(lambda: api.calls_of("getUpdates"))
            api.push_text(777001, "سلام چطور استی")
            texts = api.wait_for(lambda: api.sent_texts(777001), timeout=90)
            assert "خوش آمدید" in texts[0]
    finally:
        api.stop()
