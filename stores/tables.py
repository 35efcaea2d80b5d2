"""Tables owned by the stores package."""

from __future__ import annotations

from stores.db import Base

__all__ = ["Base"]
