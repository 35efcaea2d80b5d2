"""Store integrations: orders from CSV imports, Shopify, WooCommerce and Magento.

The CSV importer and the store clients are imported from their own modules (stores.importer,
stores.shopify, stores.woocommerce, stores.magento), not from here: a service imports only the
one its shop uses, and a CLI command only what it runs (bench/README.md, memory)."""

from stores.errors import (
    MalformedStoreResponse,
    OrderFileUnreadable,
    StoreError,
    StoreLookupFailed,
    StoreNotConfigured,
    StoreRateLimited,
    StoreRejected,
    StoreUnavailable,
)
from stores.lookup import OrderLookup
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind
from stores.repository import OrderRepository
from stores.source import OrderSource
from stores.verification import ProofKind, SupportedProofs, check_proof

__all__ = [
    "FulfillmentStatus",
    "MalformedStoreResponse",
    "Order",
    "OrderFileUnreadable",
    "OrderLookup",
    "OrderParcel",
    "OrderRepository",
    "OrderSource",
    "ProofKind",
    "StoreError",
    "StoreKind",
    "StoreLookupFailed",
    "StoreNotConfigured",
    "StoreRateLimited",
    "StoreRejected",
    "StoreUnavailable",
    "SupportedProofs",
    "check_proof",
]
