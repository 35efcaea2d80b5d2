"""Tracking numbers and shipments: detection, providers, the cached tracking service."""

from carriers.base import Provider, PushOutcome, PushReceiver
from carriers.cache import ShipmentCache
from carriers.errors import (
    CarrierError,
    MalformedResponse,
    ProviderNotConfigured,
    PushRejected,
    SourceError,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.freshness import FreshnessPolicy
from carriers.limits import DEFAULT_LIMITS, SourceLimits, parse_budgets
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet, SourceHealth, StatusChange
from carriers.models import (
    DeliveryWindow,
    ExceptionReason,
    Shipment,
    Status,
    TrackingEvent,
    TrackingQuery,
)
from carriers.numbers import Detection, FoundNumber, LikelyTypo, NumberDetector, load_detector
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService, normalise_number

__all__ = [
    "DEFAULT_LIMITS",
    "CarrierError",
    "DeliveryWindow",
    "Detection",
    "ExceptionReason",
    "Failed",
    "Found",
    "FoundNumber",
    "FreshnessPolicy",
    "LikelyTypo",
    "LookupResult",
    "MalformedResponse",
    "NotFoundYet",
    "NumberDetector",
    "Provider",
    "ProviderNotConfigured",
    "ProviderRegistry",
    "PushOutcome",
    "PushReceiver",
    "PushRejected",
    "ServiceOptions",
    "Shipment",
    "ShipmentCache",
    "SourceError",
    "SourceHealth",
    "SourceLimits",
    "SourceRateLimited",
    "SourceRejected",
    "SourceUnavailable",
    "Status",
    "StatusChange",
    "TrackingEvent",
    "TrackingLookup",
    "TrackingNotFound",
    "TrackingQuery",
    "TrackingService",
    "load_detector",
    "normalise_number",
    "parse_budgets",
]
