"""A PostgreSQL that is starting up or shutting down, as a client meets it: a TCP server on
127.0.0.1 that answers every connection's startup message with the FATAL error PostgreSQL sends
then (57P03 "the database system is starting up", or 57P01 "terminating connection due to
administrator command"), in the frontend/backend protocol's ErrorResponse, and hangs up.

Real drivers (asyncpg through SQLAlchemy) connect to it and fail exactly as they do against
`pg_ctl restart`, without a PostgreSQL server to restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
STARTING_UP = ("57P03", "the database system is starting up")
SHUTTING_DOWN = ("57P01", "terminating connection due to administrator command")


def error_response(code: str, message: str) -> bytes:
    fields = b"".join(
        kind + value.encode() + b"\0"
        for kind, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


class PostgresDown:
    """Counts the connections it refused (`refused`)."""

    def __init__(self, error: tuple[str, str] = STARTING_UP) -> None:
        self.error = error
        self.refused = 0
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                payload = await reader.readexactly(length - 4)
                (code,) = struct.unpack("!i", payload[:4])
                if code in (SSL_REQUEST, GSS_REQUEST):
                    writer.write(b"N")  # no encryption: go on in the clear
                    await writer.drain()
                    continue
                break  # the startup message
            self.refused += 1
            writer.write(error_response(*self.error))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def url(self, database: str = "wismo") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@contextlib.asynccontextmanager
async def postgres_down(error: tuple[str, str] = STARTING_UP) -> AsyncIterator[PostgresDown]:
    fake = PostgresDown(error)
    server = await asyncio.start_server(fake._serve, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()


__all__ = ["SHUTTING_DOWN", "STARTING_UP", "PostgresDown", "error_response", "postgres_down"]
