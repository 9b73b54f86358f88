"""jmd.db.fingerprint: a lost or wrong pseudonym key stops every process at start.

The processes are started for real (``make run``'s launcher and ``python -m bot``)
against a database whose pseudonyms were made with another key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from jmd.db.engine import make_engine, session_scope
from jmd.db.fingerprint import (
    WrongPseudonymKey,
    check_key,
    fingerprint,
    require_pseudonym_key,
)
from jmd.db.migrate import upgrade
from jmd.db.models import KeyFingerprint
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.db import rows_with
from tests.helpers.ports import free_port

OLD_KEY = "the-key-the-pseudonyms-were-made-with"
NEW_KEY = "a-key-generated-after-the-old-one-was-lost"
REFUSAL = "pseudonym key does not match this database"


def test_the_first_start_stores_a_fingerprint_never_the_key(database_url: str) -> None:
    engine = make_engine(database_url)
    assert require_pseudonym_key(engine, OLD_KEY) is True  # a fresh database: stored
    assert require_pseudonym_key(engine, OLD_KEY) is False  # the same key: fine
    with session_scope(engine) as session:
        stored = session.scalars(select(KeyFingerprint.fingerprint)).all()
    assert stored == [fingerprint(OLD_KEY)] and OLD_KEY not in stored[0]
    assert fingerprint(NEW_KEY) != fingerprint(OLD_KEY)
    assert rows_with(engine, OLD_KEY) == {}
    engine.dispose()


def test_another_key_is_refused_with_what_to_restore(database_url: str) -> None:
    engine = make_engine(database_url)
    require_pseudonym_key(engine, OLD_KEY)
    with pytest.raises(WrongPseudonymKey) as refused:
        require_pseudonym_key(engine, NEW_KEY)
    message = str(refused.value)
    assert REFUSAL in message and "pseudonym.key" in message and "PSEUDONYM_SECRET" in message
    with session_scope(engine) as session:  # the stored fingerprint stays the old one
        assert check_key(session, OLD_KEY) is False
    engine.dispose()


# -- the processes --------------------------------------------------------------------------


def _database_of(var_dir: Path, key: str | None) -> dict[str, str]:
    """An environment with a migrated SQLite database under ``var_dir`` made with ``key``."""
    url = f"sqlite:///{var_dir / 'jmd.db'}"
    upgrade(url)
    if key is not None:
        engine = make_engine(url)
        require_pseudonym_key(engine, key)
        engine.dispose()
    env = {name: value for name, value in os.environ.items() if name != "PSEUDONYM_SECRET"}
    env.update(JMD_VAR_DIR=str(var_dir), DATABASE_URL=url, SEED_DEMO_DATA="0",
               RASA_TELEMETRY_ENABLED="false",
               # never a real Rasa server here: past the key check the launcher stops
               RASA_BIN=str(var_dir / "no-rasa-here"))
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # the timeout only ends a process that failed to refuse; the assertions say why
    return subprocess.run([sys.executable, *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_make_run_refuses_a_regenerated_key(tmp_path: Path) -> None:
    env = _database_of(tmp_path, OLD_KEY)  # var/pseudonym.key is gone: a new one is made
    result = _run(["-m", "jmd.run", "--no-chat"], env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert REFUSAL in out and "PSEUDONYM_SECRET" in out and "pseudonym.key" in out
    assert "started (pid" not in out, "no process may start with the wrong key"


def test_make_run_starts_on_a_fresh_database_with_a_fresh_key(tmp_path: Path) -> None:
    env = _database_of(tmp_path, None)
    result = _run(["-m", "jmd.run", "--no-chat"], env)
    out = result.stdout + result.stderr
    assert REFUSAL not in out
    assert "no-rasa-here not found" in out  # it went on to start the servers
    generated = (tmp_path / "pseudonym.key").read_text().strip()
    engine = make_engine(env["DATABASE_URL"])
    assert require_pseudonym_key(engine, generated) is False  # stored at this first start
    engine.dispose()


def test_the_front_refuses_another_key(tmp_path: Path) -> None:
    env = _database_of(tmp_path, OLD_KEY)
    env.update(PSEUDONYM_SECRET=NEW_KEY, TELEGRAM_BOT_TOKEN="123456:" + "A" * 35,
               TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot")
    result = _run(["-m", "bot"], env)
    assert result.returncode == 1, result.stderr[-2000:]
    assert REFUSAL in result.stderr and "PSEUDONYM_SECRET" in result.stderr
