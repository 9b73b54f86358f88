"""Starts the action server and the Rasa server the way `make run` does."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jmd.db.migrate import upgrade
from jmd.run import Processes, start_backend
from jmd.shared.settings import Settings, load_settings
from jmd.shared.topics import FAQ_DIR
from tests.helpers.ports import free_port


def stack_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    rasa_port, action_port = free_port(), free_port()
    # the action server answers from a copy of the FAQ files, which tests may edit
    faq_dir = var_dir / "faq"
    if not faq_dir.exists():
        shutil.copytree(FAQ_DIR, faq_dir)
    return {
        "FAQ_DIR": str(faq_dir),
        "JMD_VAR_DIR": str(var_dir),
        "DATABASE_URL": extra.pop("DATABASE_URL", f"sqlite:///{var_dir / 'jmd.db'}"),
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
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


@contextmanager
def running_stack(model: Path, env: dict[str, str]) -> Iterator[Settings]:
    """Action server + Rasa server on free ports; stopped on exit."""
    with patched_environ(env):
        settings = load_settings()
        upgrade(settings.database_url)
        processes = Processes()
        try:
            start_backend(settings, processes, model)
            yield settings
        finally:
            processes.stop()
