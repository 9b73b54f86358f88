"""Content files read again when an editor saves them: no restart, no retraining.

:func:`reloading` caches what a loader read from a file (or a folder of ``*.yml`` files)
together with the files' modification times and sizes; the next call after a save reads
them again. A save that breaks a file (half-edited YAML, a missing key) does not take the
assistant down: it keeps answering from the last good version and logs the problem, and
``make check-content`` names it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
Signature = tuple[tuple[str, int, int], ...]


def signature(path: Path) -> Signature:
    """Name, modification time and size of the file, or of each ``*.yml`` in the folder."""
    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    result = []
    for file in files:
        try:
            stat = file.stat()
        except FileNotFoundError:
            continue
        result.append((file.name, stat.st_mtime_ns, stat.st_size))
    return tuple(result)


def reloading(load: Callable[[Path], T]) -> Callable[[Path], T]:
    """``load(path)``, cached until a file under ``path`` changes (see module docstring)."""
    cache: dict[Path, tuple[Signature, T]] = {}

    @functools.wraps(load)
    def wrapper(path: Path) -> T:
        current = signature(path)
        cached = cache.get(path)
        if cached is not None and cached[0] == current:
            return cached[1]
        try:
            value = load(path)
        except Exception:
            if cached is None:
                raise
            # warned once per save, not on every message
            logger.warning("%s could not be read again; using the last good version",
                           path.name, exc_info=True)
            cache[path] = (current, cached[1])
            return cached[1]
        cache[path] = (current, value)
        return value

    return wrapper
