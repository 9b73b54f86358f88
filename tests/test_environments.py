"""Two environments: Rasa's (Python 3.10) and the project's (≥ 3.12, this one).

Python 3.10 gets no security fixes since October 2026; only the Rasa server may run on
it. Everything that faces people (the Telegram front, the action server) runs here, on a
supported Python, and cannot import Rasa even by accident.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import actions
import bot
import jmd
from jmd.shared.settings import PROJECT_ROOT, Settings, load_settings

RASA_SIDE = "jmd.nlu"
FORBIDDEN_IN_SHARED = ("rasa", "sqlalchemy", "telegram", "rasa_sdk")


def test_this_environment_is_a_supported_python_without_rasa() -> None:
    assert sys.version_info >= (3, 12)
    assert importlib.util.find_spec("rasa") is None


def _modules() -> list[str]:
    names = []
    for package in (jmd, bot, actions):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.startswith(RASA_SIDE) and not info.name.endswith("__main__"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_every_module_outside_jmd_nlu_imports_here(name: str) -> None:
    importlib.import_module(name)


def test_the_shared_package_imports_neither_rasa_nor_sqlalchemy_nor_telegram() -> None:
    shared = [info.name for info in pkgutil.walk_packages(
        importlib.import_module("jmd.shared").__path__, "jmd.shared.")]
    loaded = "{m.split('.')[0] for m in sys.modules}"
    script = (f"import sys; import {', '.join(shared)}; "
              f"print(sorted({loaded} & {set(FORBIDDEN_IN_SHARED)}))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, check=True)
    assert result.stdout.strip() == "[]"


def _jmd_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.split(".")[0] == "jmd"}


def test_rasa_side_imports_only_the_shared_package() -> None:
    """jmd/nlu and its tests (tests/nlu) run in the Rasa environment: nothing else is there."""
    rasa_side = [*(PROJECT_ROOT / "jmd" / "nlu").glob("*.py"),
                 *(PROJECT_ROOT / "tests" / "nlu").glob("*.py")]
    for path in rasa_side:
        others = {m for m in _jmd_imports(path) if not m.startswith(("jmd.shared", "jmd.nlu"))}
        assert others == set(), f"{path.name} imports {others} (not in the Rasa environment)"


def _children() -> dict[int, list[str]]:
    """Command lines of this process's child processes (Linux /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid():
                cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
                found[int(stat.parent.name)] = [part.decode() for part in cmdline if part]
        except (OSError, IndexError, ValueError):
            continue
    return found


def _version_of(python: str) -> tuple[int, int]:
    out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout
    major, minor = out.split()
    return int(major), int(minor)


def test_the_servers_run_each_in_their_own_environment(rasa_stack: Settings) -> None:
    commands = list(_children().values())
    action_server = next(c for c in commands if c[1:3] == ["-m", "jmd.action_server"])
    rasa_server = next(c for c in commands if c[1:4] == ["-m", "jmd.nlu.server", "run"])
    assert action_server[0] == sys.executable  # the front's interpreter: ≥ 3.12, no Rasa
    assert _version_of(action_server[0]) >= (3, 12)
    # the Rasa server runs on its environment's Python (Rasa's CLI through jmd.nlu.server)
    rasa_python = str(load_settings().rasa_bin.parent / "python")
    assert rasa_server[0] == rasa_python
    assert _version_of(rasa_python) == (3, 10)
