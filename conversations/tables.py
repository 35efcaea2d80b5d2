"""Tables owned by the conversations package."""

from __future__ import annotations

from conversations.db import Base

__all__ = ["Base"]
