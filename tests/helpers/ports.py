"""Free TCP ports on the loopback interface; who listens where; a process's environment."""

import ipaddress
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_hosts(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (Linux ``/proc/net/tcp*``).

    IPv4 as dotted quads, IPv6 as ``ipaddress`` writes them (``::`` for all interfaces).
    """
    hosts: set[str] = set()
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1]
                           for i in range(0, len(address), 8))
            hosts.add(str(ipaddress.ip_address(raw)))
    return hosts


def environment_of(pid: int) -> dict[str, str]:
    """The environment a process was started with (Linux ``/proc/<pid>/environ``)."""
    raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)
