"""Tables owned by the carriers package."""

from __future__ import annotations

from carriers.db import Base

__all__ = ["Base"]
