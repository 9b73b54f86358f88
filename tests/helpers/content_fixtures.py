"""Fixtures of the editors' console tests: a copy of the content files and a logged-in editor.

Used with ``pytest_plugins = ["tests.helpers.content_fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.helpers.console import add_account, console_app, log_in
from tests.helpers.content_files import project_copy


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Where the copy of the content files lies (the real ones are never written)."""
    return tmp_path / "copy"


@pytest.fixture
def client(tmp_path: Path, root: Path) -> Iterator[TestClient]:
    """The console on the copy, logged in as the editor ``eva``; ``carl`` is a counselor."""
    env = project_copy(root)
    with console_app(f"sqlite:///{tmp_path / 'console.db'}", **env) as client:
        add_account("eva", "editor")
        add_account("carl", "counselor")
        log_in(client, "eva")
        yield client
