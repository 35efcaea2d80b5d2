"""Tables owned by the bot package."""

from __future__ import annotations

from bot.db import Base

__all__ = ["Base"]
