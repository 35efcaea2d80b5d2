"""Errors raised by the stores package.

StoreError
├── StoreLookupFailed          a store could not answer; `reason` is short and safe to log
│   ├── StoreUnavailable       network failure, timeout or 5xx; asking later may help
│   │   └── StoreRateLimited   the store throttled us; `retry_after` seconds when it says
│   ├── StoreRejected          credentials refused, a permission missing, the request refused
│   └── MalformedStoreResponse a body that does not match the store's documented shape
├── StoreNotConfigured         a store source was chosen but a setting it needs is missing
└── OrderFileUnreadable        an order file cannot be imported at all (bad rows are values)
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of every error the stores package raises."""


class StoreLookupFailed(StoreError):
    """A store failed to answer; `retryable` says whether asking again later may help."""

    retryable: bool = True

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class StoreUnavailable(StoreLookupFailed):
    """Network failure, timeout or a 5xx from the store."""


class StoreRateLimited(StoreUnavailable):
    """The store throttled us (HTTP 429, Shopify THROTTLED)."""

    def __init__(self, source: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(source, reason)
        self.retry_after = retry_after


class StoreRejected(StoreLookupFailed):
    """The store refused the request (credentials, permissions); retrying will not help."""

    retryable = False


class MalformedStoreResponse(StoreLookupFailed):
    """The body did not match the store's documented shape."""


class StoreNotConfigured(StoreError):
    """A store source was selected but one of its settings is missing or unusable."""


class OrderFileUnreadable(StoreError):
    """An order file cannot be read at all: missing, not text in the expected encoding, no header.

    Rows with problems are not errors; they are reported in the import report.
    """
