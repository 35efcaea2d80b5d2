"""Alembic environment: runs on a connection from bot.app.database, or on the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Importing the models registers their tables on each package's metadata.
import bot.accounts.tables
import bot.pipeline.spool_table
import bot.pipeline.tables  # noqa: F401
import carriers.tables  # noqa: F401
import conversations.tables  # noqa: F401
import stores.tables  # noqa: F401
from bot.pipeline.base import Base as BotBase
from carriers.db import Base as CarriersBase
from conversations.db import Base as ConversationsBase
from stores.db import Base as StoresBase

target_metadata = [
    BotBase.metadata,
    CarriersBase.metadata,
    ConversationsBase.metadata,
    StoresBase.metadata,
]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_online(context.config.get_main_option("sqlalchemy.url") or ""))
