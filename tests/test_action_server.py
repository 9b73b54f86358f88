"""The action server as `make run` starts it: loopback only, nothing without the token.

That Rasa's own calls (with the token from endpoints.yml) are accepted, every conversation
test shows: each message runs custom actions (tests/test_channel.py says so explicitly).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.tokens import bearer
from tests.helpers.ports import free_port, listening_hosts

TOKEN = "action-token-for-this-test"


def _env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {**os.environ, "JMD_VAR_DIR": str(tmp_path), "ACTION_PORT": str(port),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'jmd.db'}", **extra}
    env.pop("ACTION_SERVER_INTERFACE", None)
    return env


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m jmd.action_server` with a token and the default interface."""
    port = free_port()
    tmp_path = tmp_path_factory.mktemp("action-server")
    process = subprocess.Popen(
        [sys.executable, "-m", "jmd.action_server"], cwd=PROJECT_ROOT,
        env=_env(tmp_path, port, ACTION_SERVER_TOKEN=TOKEN),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while process.poll() is None:  # a wait for start-up, not a time limit
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert process.poll() is None, "the action server did not start"
        yield url
    finally:
        process.terminate()
        process.wait(30)


def test_it_listens_on_the_loopback_interface_only(action_server: str) -> None:
    port = int(action_server.rsplit(":", 1)[1])
    assert listening_hosts(port) == {"127.0.0.1"}


@pytest.mark.parametrize("headers", [
    {}, bearer("wrong-token"), bearer(TOKEN + "x"), {"Authorization": TOKEN},
])
def test_without_the_token_nothing_is_served(action_server: str, headers: dict[str, str]) -> None:
    assert httpx.get(f"{action_server}/actions", headers=headers).status_code == 401
    call = {"next_action": "action_list_appointments", "sender_id": "someone",
            "tracker": {"sender_id": "someone", "slots": {}, "events": []}, "domain": {}}
    refused = httpx.post(f"{action_server}/webhook", json=call, headers=headers)
    assert refused.status_code == 401
    assert "events" not in refused.json()


def test_the_token_opens_it_and_health_needs_none(action_server: str) -> None:
    listed = httpx.get(f"{action_server}/actions", headers=bearer(TOKEN))
    assert listed.status_code == 200
    assert {"name": "action_list_appointments"} in listed.json()
    assert httpx.get(f"{action_server}/health").json() == {"status": "ok"}


def test_it_does_not_start_without_a_token(tmp_path: Path) -> None:
    env = _env(tmp_path, free_port())
    env.pop("ACTION_SERVER_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "jmd.action_server"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "ACTION_SERVER_TOKEN" in result.stderr
