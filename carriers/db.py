"""The carriers package's ORM base; its own Alembic branch creates its tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from foundation.database import conventional_metadata


class Base(DeclarativeBase):
    metadata = conventional_metadata()
