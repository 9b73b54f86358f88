"""Starts the action server and the Rasa server the way `make run` does."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from jmd import new_examples
from jmd.db.migrate import upgrade
from jmd.process_env import child_env
from jmd.run import Processes, start_backend, wait_until
from jmd.shared.settings import Settings, load_settings
from jmd.training_inputs import EXAMPLES_FILE
from tests.helpers.content_files import project_copy
from tests.helpers.ports import free_port


def stack_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    rasa_port, action_port = free_port(), free_port()
    # the action server answers from a copy of the FAQ files, which tests may edit
    faq_dir = project_copy(var_dir / "project")["FAQ_DIR"]
    return {
        "FAQ_DIR": faq_dir,
        "JMD_VAR_DIR": str(var_dir),
        "DATABASE_URL": extra.pop("DATABASE_URL", f"sqlite:///{var_dir / 'jmd.db'}"),
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        # the launcher also starts the web console: never on another test's (or a running
        # console's) port
        "CONSOLE_PORT": str(free_port()),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "PSEUDONYM_SECRET": "test-secret",
        "RASA_TELEMETRY_ENABLED": "false",
        # fixed tokens, so the tests (and `rasa test`) can talk to the servers
        "RASA_CHANNEL_TOKEN": "test-channel-token",
        "ACTION_SERVER_TOKEN": "test-action-token",
        # the tests read trackers and parse results through Rasa's HTTP API
        "RASA_ENABLE_API": "1",
        "RASA_API_TOKEN": "test-api-token",
        **extra,
    }


def publishable_model(model: Path, var_dir: Path) -> tuple[Path, dict[str, str]]:
    """A copy of ``model`` that the console's "train and publish" may replace, and the
    environment naming it (``MODEL_FILE``).

    Start the stack with the copy (``running_stack(copy, {**env, **extra})``) and the
    console with the same environment: it reaches Rasa's HTTP API at ``RASA_URL`` with
    ``RASA_API_TOKEN`` (both in :func:`stack_environment`), trains into the copy's folder
    and loads the new model into the running Rasa, never touching ``model`` itself.
    """
    target = var_dir / "models" / "jmd.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, target)
    # the examples it was trained from (those of the FAQ copy now): the console then counts
    # the examples a test adds
    faq_dir = Path(project_copy(var_dir / "project")["FAQ_DIR"])
    new_examples.write(target.parent / EXAMPLES_FILE, new_examples.examples(faq_dir))
    return target, {"MODEL_FILE": str(target)}


@contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# The processes of each running stack, by its Rasa URL (for action_server_stopped).
_STACKS: dict[str, Processes] = {}


@contextmanager
def running_stack(model: Path, env: dict[str, str]) -> Iterator[Settings]:
    """Action server + Rasa server on free ports; stopped on exit."""
    with patched_environ(env):
        settings = load_settings()
        upgrade(settings.database_url)
        processes = Processes()
        _STACKS[settings.rasa_url] = processes
        try:
            start_backend(settings, processes, model)
            yield settings
        finally:
            _STACKS.pop(settings.rasa_url, None)
            processes.stop()


@contextmanager
def action_server_stopped(settings: Settings) -> Iterator[Callable[[], None]]:
    """The stack's action server stopped (Rasa keeps running); yields ``restart``, which
    starts it again on the same port and waits until it answers (also done on exit)."""
    processes = _STACKS[settings.rasa_url]
    index, (name, process) = next(
        (i, child) for i, child in enumerate(processes.children) if child[0] == "action-server")
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)
    restarted = False

    def restart() -> None:
        nonlocal restarted
        if restarted:
            return
        restarted = True
        new = processes.start(name, [str(arg) for arg in process.args], child_env(settings, name))
        processes.children.remove((name, new))
        processes.children[index] = (name, new)  # stopped with the stack, in its place
        wait_until(f"http://127.0.0.1:{settings.action_port}/health", processes,
                    "action server", 120)

    try:
        yield restart
    finally:
        restart()
