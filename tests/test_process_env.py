"""What the launcher gives each process: only its secrets, tokens on every start, private files.

The same with the real processes: tests/test_run.py reads their /proc/<pid>/environ.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jmd.process_env import (
    SECRET_SETTINGS,
    SECRETS_OF,
    backend_problem,
    child_env,
    webhook_problem,
    with_tokens,
)
from jmd.shared.settings import PROJECT_ROOT, Settings, load_settings

ALL_SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123:bot-token",
    "TELEGRAM_WEBHOOK_SECRET": "hook-secret",
    "PSEUDONYM_SECRET": "pseudonym-key",
    "RASA_CHANNEL_TOKEN": "channel-token",
    "ACTION_SERVER_TOKEN": "action-token",
    "RASA_API_TOKEN": "api-token",
}


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_ENABLE_API", "1")
    for name, value in ALL_SECRETS.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.mark.parametrize("process", sorted(SECRETS_OF))
def test_each_process_gets_only_the_secrets_it_uses(configured: Settings, process: str) -> None:
    env = child_env(configured, process)
    given = {name for name in ALL_SECRETS if name in env}
    assert given == SECRETS_OF[process]
    assert all(env[name] == ALL_SECRETS[name] for name in given)
    # the database is every process's (Rasa's tracker store, the actions' bookings)
    assert env["DATABASE_URL"] == configured.database_url


def test_the_secrets_are_where_they_are_used() -> None:
    assert SECRETS_OF["action-server"] == {"ACTION_SERVER_TOKEN"}
    assert "TELEGRAM_BOT_TOKEN" not in SECRETS_OF["rasa"] | SECRETS_OF["action-server"]
    # pseudonyms are made by the front; Rasa and the actions only ever see them
    assert [p for p, names in SECRETS_OF.items() if "PSEUDONYM_SECRET" in names] == ["telegram"]
    assert set().union(*SECRETS_OF.values()) == set(SECRET_SETTINGS)


def test_tokens_not_configured_are_made_up_per_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    for name in ALL_SECRETS:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    first, second = with_tokens(settings), with_tokens(settings)
    assert first.rasa_channel_token and first.action_server_token
    assert first.rasa_channel_token != first.action_server_token
    assert first.rasa_channel_token != second.rasa_channel_token
    assert len(first.action_server_token) >= 32
    # the API is on for the console's "train and publish", with a token of this start
    assert first.rasa_enable_api and first.rasa_api_token
    assert len({first.rasa_api_token, first.rasa_channel_token, first.action_server_token,
                second.rasa_api_token}) == 4
    assert child_env(first, "console")["RASA_API_TOKEN"] == first.rasa_api_token
    assert child_env(first, "rasa")["RASA_API_TOKEN"] == first.rasa_api_token
    assert "RASA_API_TOKEN" not in child_env(first, "telegram")
    assert backend_problem(first) is None
    assert backend_problem(settings) is not None  # never started without tokens


def test_configured_tokens_are_kept(configured: Settings) -> None:
    settings = with_tokens(configured)
    assert settings.rasa_channel_token == "channel-token"
    assert settings.action_server_token == "action-token"
    assert settings.rasa_api_token == "api-token"


def test_the_rasa_api_needs_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_ENABLE_API", "1")
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    # started by hand (not by the launcher, which makes a token up)
    by_hand = dataclasses.replace(load_settings(), rasa_channel_token="channel",
                                  action_server_token="action")
    problem = backend_problem(by_hand)
    assert problem is not None and "RASA_API_TOKEN" in problem


@pytest.mark.parametrize(("secret", "ok"), [
    (None, False), ("", False), ("with space", False), ("x" * 257, False), ("ümlaut", False),
    ("aZ09_-", True), ("x" * 256, True),
])
def test_webhook_mode_needs_a_secret_telegram_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret: str | None, ok: bool
) -> None:
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/hook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret or "")
    problem = webhook_problem(load_settings())
    assert (problem is None) == ok
    if not ok:
        assert "TELEGRAM_WEBHOOK_SECRET" in str(problem)


def test_long_polling_needs_no_webhook_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    assert webhook_problem(load_settings()) is None


def test_the_pseudonym_key_is_read_only_where_it_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Loading the settings (every process does) neither reads nor makes the key."""
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PSEUDONYM_SECRET", raising=False)
    settings = load_settings()
    assert not (tmp_path / "var").exists()
    key = settings.pseudonym_secret  # the front's first pseudonym
    assert (tmp_path / "var" / "pseudonym.key").read_text() == key


_MAKE_FILES = """
import sqlite3, sys
from pathlib import Path
from jmd.process_env import private_files
var = Path(sys.argv[1])
private_files(var)
sqlite3.connect(var / "jmd.db").execute("create table t (x)").connection.commit()
(var / "logs").mkdir()
(var / "logs" / "rasa.log").write_text("log")
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_is_private(tmp_path: Path) -> None:
    """An existing var/ open to everyone is closed; what is written in it is the owner's."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    old_log = var / "old.log"  # from a start before the umask
    old_log.write_text("log")
    old_log.chmod(0o644)
    # a process of its own: the umask is per process
    subprocess.run([sys.executable, "-c", _MAKE_FILES, str(var)], cwd=PROJECT_ROOT,
                   env={**os.environ, "JMD_VAR_DIR": str(var)}, check=True)
    assert _mode(var) == 0o700
    for path in (old_log, var / "jmd.db", var / "logs", var / "logs" / "rasa.log"):
        assert _mode(path) & 0o077 == 0, f"{path.name}: {oct(_mode(path))}"
