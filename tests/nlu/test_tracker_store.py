"""jmd.nlu.tracker_store: Rasa's events in DATABASE_URL, errors without their values."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from jmd.nlu.tracker_store import DatabaseUrlTrackerStore
from jmd.shared.settings import get_settings

SENTENCE = "ich will nicht mehr leben"


def test_a_failing_statement_does_not_quote_its_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rasa.db'}")
    monkeypatch.setenv("JMD_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        store = DatabaseUrlTrackerStore()
    finally:
        get_settings.cache_clear()
    assert store.engine.hide_parameters
    with store.engine.connect() as connection, pytest.raises(StatementError) as failed:
        connection.execute(sa.text("INSERT INTO no_such_table (text) VALUES (:text)"),
                           {"text": SENTENCE})
    assert SENTENCE not in str(failed.value)
    store.engine.dispose()
