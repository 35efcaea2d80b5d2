"""The order model every store source is translated into; personal fields stay out of logs."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class StoreKind(StrEnum):
    """Where an order came from; also the values of WISMO_STORE_SOURCE."""

    CSV = "csv"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    MAGENTO = "magento"


class FulfillmentStatus(StrEnum):
    """How far the store got with sending the order, normalised across stores."""

    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    UNKNOWN = "unknown"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderParcel(Frozen):
    """One parcel of an order: its tracking number and, when the store knows it, the carrier."""

    tracking_number: str = Field(description="upper case, no spaces or separators")
    carrier: str | None = Field(
        None, description="the store's carrier name or code, lower case (a hint, not a slug)"
    )


class Order(Frozen):
    """An order as a store last described it.

    Personal fields (email, phone, postal code, Instagram username) are excluded from repr and
    str so an Order can appear in a log line or a traceback without leaking them.
    """

    order_number: str = Field(description="normalised: no leading '#', no spaces, upper case")
    source: StoreKind
    parcels: tuple[OrderParcel, ...] = ()
    email: str | None = Field(None, repr=False)
    phone: str | None = Field(None, repr=False)
    sms_consent_at: AwareDatetime | None = Field(
        None, description="when the buyer agreed to update texts at `phone` (None: never)"
    )
    postal_code: str | None = Field(None, repr=False)
    instagram_username: str | None = Field(
        None, repr=False, description="normalised: no '@', lower case"
    )
    ordered_at: AwareDatetime | None = None
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.UNKNOWN
    updated_at: AwareDatetime = Field(description="when the store (or an import) last changed it")

    @property
    def tracking_numbers(self) -> tuple[str, ...]:
        return tuple(parcel.tracking_number for parcel in self.parcels)

    @property
    def has_tracking(self) -> bool:
        """At least one parcel has a tracking number."""
        return bool(self.parcels)
