"""create_app: the one place that builds and wires every object of the running service."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.config import Settings
from bot.database import create_engine, create_sessions
from bot.health import routes as health_routes


def create_app(settings: Settings, *, engine: AsyncEngine | None = None) -> web.Application:
    """Build the aiohttp application; an engine passed in is used and left open for its owner."""
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[keys.SETTINGS] = settings

    async def database(app: web.Application) -> AsyncIterator[None]:
        owned = engine is None
        current = create_engine(settings.database_url) if engine is None else engine
        app[keys.ENGINE] = current
        app[keys.SESSIONS] = create_sessions(current)
        yield
        if owned:
            await current.dispose()

    app.cleanup_ctx.append(database)
    app.add_routes(health_routes)
    return app
