"""Store integrations: orders from CSV imports, Shopify, WooCommerce and Magento."""

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
from stores.importer import ImportReport, OrderImporter
from stores.lookup import OrderLookup
from stores.magento import Magento
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind
from stores.repository import OrderRepository
from stores.shopify import Shopify
from stores.source import OrderSource
from stores.verification import ProofKind, SupportedProofs, check_proof
from stores.woocommerce import WooCommerce

__all__ = [
    "FulfillmentStatus",
    "ImportReport",
    "Magento",
    "MalformedStoreResponse",
    "Order",
    "OrderFileUnreadable",
    "OrderImporter",
    "OrderLookup",
    "OrderParcel",
    "OrderRepository",
    "OrderSource",
    "ProofKind",
    "Shopify",
    "StoreError",
    "StoreKind",
    "StoreLookupFailed",
    "StoreNotConfigured",
    "StoreRateLimited",
    "StoreRejected",
    "StoreUnavailable",
    "SupportedProofs",
    "WooCommerce",
    "check_proof",
]
