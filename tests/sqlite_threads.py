"""Which thread runs an engine's SQLite statements: the event loop's, or the driver's own."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def thread_running_statements(engine: AsyncEngine) -> int:
    """The ident of the thread in which SQLite runs a statement of `engine`'s."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.create_function("thread_id", 0, threading.get_ident)
        return int(await connection.scalar(text("SELECT thread_id()")))
