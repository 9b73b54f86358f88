"""The web console as `make run` starts it, alone or with the whole assistant, on test files.

Everything works on ONE database and ONE copy of the files the console edits and the
assistant reads (:func:`project_copy`): the project's own files are never written by a test.
The copy has the project's layout, so the console finds each file where it is in a checkout:
the FAQ topics (FAQ_DIR: the action server reads answers from there, live), the other NLU
data beside them, ``content/`` (OFFICES_FILE: the office data and its neighbours),
``domain.yml`` and ``config.yml``.

:func:`running_assistant` adds the action server and Rasa (``running_stack``, like the
``rasa_stack`` fixture, but its own: publishing loads a new model into its Rasa server and
edits answers, which the session's other model tests must not see), the Telegram front
(``python -m bot``) against the Bot API stand-in, and the console. The model is a copy too
(MODEL_FILE): "train and publish" replaces that file, never ``models/jmd.tar.gz``.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from jmd.accounts.repository import create_account
from jmd.db import make_engine, session_scope
from jmd.db.migrate import upgrade
from jmd.process_env import child_env
from jmd.run import Processes, start_console
from jmd.shared.settings import Settings, load_settings
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.console import PASSWORD
from tests.helpers.content_files import project_copy
from tests.helpers.ports import free_port
from tests.helpers.stack import patched_environ, running_stack, stack_environment

# the counselor group of the front (a forum supergroup in the stand-in)
GROUP = -1009876543210


@dataclass
class Console:
    """A running console: its address, settings and the copy of the files it edits."""

    url: str
    settings: Settings
    files: Path  # the project copy's root

    @property
    def faq_dir(self) -> Path:
        return self.files / "nlu" / "data" / "faq"

    def engine(self) -> Engine:
        """The console's database (the caller disposes of the engine)."""
        return make_engine(self.settings.database_url)

    def add_account(self, username: str, role: str, counselor_id: int | None = None) -> None:
        """An account with :data:`PASSWORD`."""
        engine = self.engine()
        try:
            with session_scope(engine) as session:
                create_account(session, username, PASSWORD, role, counselor_id)
        finally:
            engine.dispose()


def console_environment(var_dir: Path) -> dict[str, str]:
    """A console of its own: a fresh SQLite database and project copy under ``var_dir``."""
    return {
        "JMD_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'jmd.db'}",
        "PSEUDONYM_SECRET": "test-secret",
        **project_copy(var_dir / "project"),
    }


@contextmanager
def running_console(env: dict[str, str]) -> Iterator[Console]:
    """``python -m console`` with ``env`` on a free port, started like `make run` starts it
    (:func:`jmd.run.start_console`: the launcher's environment for it, waited for)."""
    with patched_environ({**env, "CONSOLE_PORT": str(free_port())}):
        settings = load_settings()
        upgrade(settings.database_url)
        processes = Processes()
        try:
            start_console(settings, processes)
            yield Console(f"http://127.0.0.1:{settings.console_port}", settings,
                          Path(env["FAQ_DIR"]).parents[2])
        finally:
            processes.stop()


def _polling(api: BotApiStandIn, processes: Processes) -> bool:
    """Whether the front asks the stand-in for updates; an error if a process stopped."""
    failed = processes.failed()
    if failed:
        raise RuntimeError(f"{failed} stopped during start-up; see its log in var/logs/")
    return bool(api.calls_of("getUpdates"))


@dataclass
class Assistant:
    """The whole assistant on one database and one project copy."""

    console: Console
    api: BotApiStandIn  # Telegram's servers, for the front
    settings: Settings  # the stack's (Rasa, action server, database)
    model: Path  # the published model the console's "train and publish" replaces


@contextmanager
def running_assistant(model: Path, var_dir: Path) -> Iterator[Assistant]:
    """Action server, Rasa with a copy of ``model``, the Telegram front and the console."""
    files = project_copy(var_dir / "project")
    published = var_dir / "models" / model.name
    published.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(model, published)
    api = BotApiStandIn().start()
    env = stack_environment(
        var_dir, **files, MODEL_FILE=str(published), CONSOLE_PORT=str(free_port()),
        TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url,
        COUNSELOR_CHAT_ID=str(GROUP))
    try:
        with running_stack(published, env) as settings:
            processes = Processes()
            try:
                start_console(settings, processes)
                processes.start("telegram", [sys.executable, "-m", "bot"],
                                child_env(settings, "telegram"))
                api.wait_for(lambda: _polling(api, processes), timeout=120)
                console = Console(f"http://127.0.0.1:{settings.console_port}", settings,
                                  var_dir / "project")
                yield Assistant(console, api, settings, published)
            finally:
                processes.stop()
    finally:
        api.stop()
