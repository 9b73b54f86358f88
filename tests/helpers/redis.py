"""A throwaway Redis server (Debian's `redis-server`) for the scale-out test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.helpers.ports import free_port

INSTALL = "apt-get install -y redis-server"


def require_redis_server() -> str:
    """The `redis-server` binary. Missing: a failure in CI (CI=1), else a skip that says how
    to install it — CI must never pass by leaving the scale-out test out."""
    found = shutil.which("redis-server")
    if found:
        return found
    reason = f"redis-server is not installed ({INSTALL}; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def throwaway_redis(binary: str) -> Iterator[str]:
    """A private Redis on 127.0.0.1 without persistence; yields its URL, stops it afterwards."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="jmd-redis-")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir, "--logfile", os.path.join(workdir, "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _pong(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (log in {workdir})")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
