"""Content files are read again after a save; a broken save keeps the last good version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from jmd.shared.live import reloading, signature


def _bump(path: Path) -> None:
    """A later modification time, as a save a moment later would give."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_save_is_read_again_and_an_unchanged_file_is_not(tmp_path: Path) -> None:
    calls: list[Path] = []

    @reloading
    def load(path: Path) -> dict[str, str]:
        calls.append(path)
        return dict(yaml.safe_load(path.read_text("utf-8")))

    file = tmp_path / "labels.yml"
    file.write_text("more: Mehr\n", "utf-8")
    assert load(file) == {"more": "Mehr"}
    assert load(file) == {"more": "Mehr"}
    assert len(calls) == 1
    file.write_text("more: Mehr dazu\n", "utf-8")
    _bump(file)
    assert load(file) == {"more": "Mehr dazu"}
    assert len(calls) == 2


def test_a_broken_save_keeps_the_last_good_version(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    @reloading
    def load(path: Path) -> dict[str, str]:
        return dict(yaml.safe_load(path.read_text("utf-8")))

    file = tmp_path / "labels.yml"
    file.write_text("more: Mehr\n", "utf-8")
    assert load(file) == {"more": "Mehr"}
    file.write_text("more: [Mehr\n", "utf-8")  # half-edited
    _bump(file)
    assert load(file) == {"more": "Mehr"}
    assert "last good version" in caplog.text
    file.write_text("more: Weiter\n", "utf-8")
    _bump(file)
    assert load(file) == {"more": "Weiter"}


def test_a_file_broken_from_the_start_raises(tmp_path: Path) -> None:
    @reloading
    def load(path: Path) -> dict[str, str]:
        return dict(yaml.safe_load(path.read_text("utf-8")))

    file = tmp_path / "labels.yml"
    file.write_text("more: [Mehr\n", "utf-8")
    with pytest.raises(yaml.YAMLError):
        load(file)


def test_a_folder_changes_when_a_file_is_added_or_edited(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("a: 1\n", "utf-8")
    before = signature(tmp_path)
    (tmp_path / "b.yml").write_text("b: 1\n", "utf-8")
    assert signature(tmp_path) != before
    (tmp_path / "notes.txt").write_text("x", "utf-8")
    assert len(signature(tmp_path)) == 2
