"""The conversations package's ORM base; its tables are created by its own Alembic branch."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from foundation.database import conventional_metadata


class Base(DeclarativeBase):
    metadata = conventional_metadata()
