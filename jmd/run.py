"""`make run`: start the action server, the Rasa server and the Telegram front together.

Without TELEGRAM_BOT_TOKEN the terminal chat takes the Telegram front's place.
Ctrl-C (or SIGTERM) stops every process that was started. Each process listens on
127.0.0.1 (unless told otherwise), gets only the secrets it uses and the tokens made up for
this start, and writes under a private var/ (jmd/process_env.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from jmd.booking.seed import prepare
from jmd.db.fingerprint import WrongPseudonymKey, require_pseudonym_key
from jmd.db.migrate import upgrade
from jmd.process_env import (
    backend_problem,
    child_env,
    private_files,
    webhook_problem,
    with_tokens,
)
from jmd.shared.settings import PROJECT_ROOT, Settings, get_settings


def _log(message: str) -> None:
    print(f"[jmd] {message}", flush=True)


class Processes:
    """Child processes, each in its own process group so all can be stopped."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log_dir = Path(env["JMD_VAR_DIR"]) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = (log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args, env=env, cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append((name, process))
        _log(f"{name} started (pid {process.pid}, log: {log_file.name} in {log_dir})")
        return process

    def failed(self) -> str | None:
        for name, process in self.children:
            if process.poll() is not None:
                return name
        return None

    def stop(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                _log(f"stopping {name}")
        deadline = time.monotonic() + 15
        for _, process in self.children:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_until(check_url: str, processes: Processes, what: str, timeout: float) -> None:
    """Until ``check_url`` answers 200; fails early when one of ``processes`` stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _ready(check_url):
            return
        failed = processes.failed()
        if failed:
            raise RuntimeError(f"{failed} stopped during start-up; see var/logs/{failed}.log")
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


def rasa_command(settings: Settings, model: Path) -> list[str]:
    """The Rasa server's command line; a second server differs only in ``rasa_port``.

    Rasa's own command line through jmd.nlu.server, which adds the API token (if the API is
    on) inside the process: a token on a command line is visible to every local user.
    """
    api = ["--enable-api"] if settings.rasa_enable_api else []
    return [str(settings.rasa_bin.parent / "python"), "-m", "jmd.nlu.server", "run", *api,
            "--interface", settings.rasa_interface, "--port", str(settings.rasa_port),
            "--model", str(model), "--endpoints", "endpoints.yml",
            "--credentials", "credentials.yml"]


def start_backend(settings: Settings, processes: Processes, model: Path) -> None:
    """Action server and Rasa server, started and waited for.

    Both listen where ``settings`` say (127.0.0.1 by default) and serve only the holders of
    their tokens; Rasa's HTTP API is on only with a token (the launcher's ``with_tokens``
    turns it on for the console, with a token made up per start).
    """
    if not settings.rasa_bin.exists():
        raise RuntimeError(
            f"{settings.rasa_bin} not found: `make setup` creates the Rasa environment")
    problem = backend_problem(settings)
    if problem:
        raise RuntimeError(problem)
    # The action server runs on this interpreter (Python ≥ 3.12, rasa-sdk), the Rasa server
    # in its own Python 3.10 environment: this process never imports rasa.
    processes.start(
        "action-server", [sys.executable, "-m", "jmd.action_server"],
        child_env(settings, "action-server"),
    )
    start_rasa(settings, processes, model)
    health = settings.action_server_url.rsplit("/webhook", 1)[0] + "/health"
    wait_until(health, processes, "action server", 120)


def start_rasa(
    settings: Settings, processes: Processes, model: Path, name: str = "rasa"
) -> subprocess.Popen[bytes]:
    """A Rasa server on ``settings.rasa_port``, started and waited for at ``rasa_url``.

    A second server (scale-out) is the same with another port and URL in ``settings``.
    """
    process = processes.start(name, rasa_command(settings, model), child_env(settings, "rasa"))
    # the jmd channel's readiness check (200 once the model is loaded)
    wait_until(f"{settings.rasa_url}/webhooks/jmd/", processes, name, 300)
    return process


def start_console(settings: Settings, processes: Processes) -> None:
    """The web console (README "Web console"), started and waited for."""
    processes.start("console", [sys.executable, "-m", "console"], child_env(settings, "console"))
    host = "127.0.0.1" if settings.console_interface in ("0.0.0.0", "::") else (
        settings.console_interface)
    url = f"http://{host}:{settings.console_port}"
    wait_until(f"{url}/login", processes, "web console", 60)
    _log(f"web console at {url}/ (first account: make console-admin USER_NAME=…)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models"))
    parser.add_argument("--no-chat", action="store_true", help="without a token, just serve")
    parser.add_argument("--terminal", action="store_true", help="terminal chat even with a token")
    args = parser.parse_args()
    settings = with_tokens(get_settings())
    model = Path(args.model).resolve()
    # the file the console's "train and publish" replaces (a folder: Rasa's newest, ours)
    settings = dataclasses.replace(
        settings, model_file=model if model.suffix == ".gz" else model / "jmd.tar.gz")
    private_files(settings.var_dir)  # before anything under var/ is created
    telegram = bool(settings.telegram_bot_token) and not args.terminal
    problem = webhook_problem(settings) if telegram else None
    if problem:
        _log(problem)
        return 1
    upgrade()
    try:  # a lost var/pseudonym.key must not silently start over with a new one
        require_pseudonym_key()
    except WrongPseudonymKey as error:
        _log(str(error))
        return 1
    seeded = prepare(settings.seed_demo_data)
    if seeded:
        _log(f"first start: {seeded} demo appointment slots created"
             " (SEED_DEMO_DATA=0 turns this off)")
    processes = Processes()

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        _log("starting the action server and Rasa (the first start takes about a minute) …")
        start_backend(settings, processes, Path(args.model))
        _log(f"Rasa is ready at {settings.rasa_url}")
        start_console(settings, processes)
        if telegram:
            processes.start("telegram", [sys.executable, "-m", "bot"],
                            child_env(settings, "telegram"))
            _log("Telegram front running. Ctrl-C stops everything.")
            while not processes.failed():
                time.sleep(1)
            _log(f"{processes.failed()} stopped unexpectedly; see var/logs/")
            return 1
        print(
            "\nNo TELEGRAM_BOT_TOKEN set. To use Telegram, create a bot with @BotFather and start"
            "\nagain with TELEGRAM_BOT_TOKEN=<token> make run."
            " Meanwhile, chat here in the terminal:\n",
            flush=True,
        )
        if args.no_chat:
            while not processes.failed():
                time.sleep(1)
            return 1
        from bot.terminal import run_chat

        run_chat(settings.rasa_url, settings.rasa_channel_token)
        return 0
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        _log(str(error))
        return 1
    finally:
        processes.stop()
        _log("all processes stopped")


if __name__ == "__main__":
    sys.exit(main())
