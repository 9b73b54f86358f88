"""A TCP port forwarder: makes a real service appear at an address the test controls.

The front is configured with a Rasa URL on which nothing listens ("Rasa is down");
starting a forwarder there to the real Rasa server brings Rasa "back".
"""

from __future__ import annotations

import asyncio
import contextlib


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ConnectionError):
            writer.close()


class Forwarder:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target_port`` while running."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> Forwarder:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # wait_closed() waits for every connection: a client's keep-alive connection
            # would hold the stop for the server's keep-alive timeout (minutes)
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}
