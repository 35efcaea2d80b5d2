"""Tracking numbers and shipments: detection, providers, the cached tracking service.

The names below are imported when first used (PEP 562), so that `import carriers.numbers`
(all `wismo parse` needs) does not bring in the tracking service, its cache and SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from carriers.lookup import (
        Failed,
        Found,
        LookupResult,
        NotFoundYet,
        SourceHealth,
        StatusChange,
        TrackingLookup,
    )
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

_HOMES = {
    "Provider": "carriers.base",
    "PushOutcome": "carriers.base",
    "PushReceiver": "carriers.base",
    "ShipmentCache": "carriers.cache",
    "CarrierError": "carriers.errors",
    "MalformedResponse": "carriers.errors",
    "ProviderNotConfigured": "carriers.errors",
    "PushRejected": "carriers.errors",
    "SourceError": "carriers.errors",
    "SourceRateLimited": "carriers.errors",
    "SourceRejected": "carriers.errors",
    "SourceUnavailable": "carriers.errors",
    "TrackingNotFound": "carriers.errors",
    "FreshnessPolicy": "carriers.freshness",
    "DEFAULT_LIMITS": "carriers.limits",
    "SourceLimits": "carriers.limits",
    "parse_budgets": "carriers.limits",
    "Failed": "carriers.lookup",
    "Found": "carriers.lookup",
    "LookupResult": "carriers.lookup",
    "NotFoundYet": "carriers.lookup",
    "SourceHealth": "carriers.lookup",
    "StatusChange": "carriers.lookup",
    "TrackingLookup": "carriers.lookup",
    "DeliveryWindow": "carriers.models",
    "ExceptionReason": "carriers.models",
    "Shipment": "carriers.models",
    "Status": "carriers.models",
    "TrackingEvent": "carriers.models",
    "TrackingQuery": "carriers.models",
    "Detection": "carriers.numbers",
    "FoundNumber": "carriers.numbers",
    "LikelyTypo": "carriers.numbers",
    "NumberDetector": "carriers.numbers",
    "load_detector": "carriers.numbers",
    "ProviderRegistry": "carriers.registry",
    "ServiceOptions": "carriers.service",
    "TrackingService": "carriers.service",
    "normalise_number": "carriers.service",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


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
