"""A throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir) for tests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.ports import free_port


def postgres_bin() -> Path | None:
    """The directory with initdb/pg_ctl, or None when PostgreSQL is not installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: drop to the `postgres` (or `nobody`) account."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid}
    raise RuntimeError("running as root and no unprivileged account for PostgreSQL")


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private cluster and yield its SQLAlchemy URL; stop and remove it afterwards."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    drop = _as_postgres_user()
    # Not under pytest's tmp dir: that one is private to root, the cluster is not root's.
    workdir = Path(tempfile.mkdtemp(prefix="jmd-pg-"))
    data, sock = workdir / "data", workdir / "sock"
    sock.mkdir(exist_ok=True)
    if drop:
        for path in (workdir, sock):
            os.chown(path, int(drop["user"]), int(drop["group"]))  # type: ignore[call-overload]
    port = free_port()

    def run(*args: object) -> None:
        result = subprocess.run(
            [str(a) for a in args], capture_output=True, text=True, **drop  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip()}")

    run(bin_dir / "initdb", "-D", data, "-U", "jmd", "--auth=trust", "-E", "UTF8", "--no-locale")
    run(
        bin_dir / "pg_ctl", "-D", data, "-l", workdir / "postgres.log", "-w", "-t", "60",
        "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
        "start",
    )
    try:
        yield f"postgresql+psycopg2://jmd@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, **drop,  # type: ignore[call-overload]
        )
        shutil.rmtree(workdir, ignore_errors=True)
