"""Tables owned by the stores package: orders and their parcels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foundation.database import UtcDateTime
from stores.db import Base


class OrderRow(Base):
    __tablename__ = "store_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    sms_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    postal_code: Mapped[str | None] = mapped_column(String(32))
    instagram_username: Mapped[str | None] = mapped_column(String(30), index=True)
    ordered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fulfillment_status: Mapped[str] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    parcels: Mapped[list[ParcelRow]] = relationship(
        back_populates="order",
        lazy="raise",
        order_by="ParcelRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ParcelRow(Base):
    __tablename__ = "store_order_parcels"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The (order_id, position) unique index also serves lookups by order_id.
    order_id: Mapped[int] = mapped_column(ForeignKey("store_orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    carrier: Mapped[str | None] = mapped_column(String(40))

    order: Mapped[OrderRow] = relationship(back_populates="parcels", lazy="raise")


class VerificationAttemptRow(Base):
    """One buyer's attempt to prove an order is theirs; failures are limited per order."""

    __tablename__ = "store_verification_attempts"
    __table_args__ = (
        Index("ix_store_verification_attempts_order_number_at", "order_number", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(String(64))
    # Who tried: an opaque key of the asker (the dialogue uses its conversation id).
    asker: Mapped[str] = mapped_column(String(64))
    matched: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


__all__ = ["Base", "OrderRow", "ParcelRow", "VerificationAttemptRow"]
