"""Errors raised by the carriers package.

CarrierError
├── TrackingNotFound       the source has no shipment for this number (yet); not a failure
├── SourceError            the source could not give an answer; `retryable` says if later may help
│   ├── SourceUnavailable  network failure, timeout or 5xx
│   ├── SourceRateLimited  429 or a quota exhausted; `retry_after` seconds when the source says
│   ├── SourceRejected     credentials refused, bad request, number rejected by the source
│   └── MalformedResponse  a body that does not match the documented shape
├── ProviderNotConfigured  a provider was asked for but has no credentials
└── PushRejected           an inbound push failed its signature or shape check
"""

from __future__ import annotations


class CarrierError(Exception):
    """Root of every error the carriers package raises."""


class TrackingNotFound(CarrierError):
    """The source knows no shipment for this number yet (docs/tracking-sources.md, Not found)."""

    def __init__(
        self, number: str, source: str, reason: str = "not found", *, registered: bool = False
    ) -> None:
        super().__init__(f"{source}: {reason}")
        self.number = number
        self.source = source
        self.reason = reason
        # The source registered the number while answering (17TRACK): it fills in shortly.
        self.registered = registered


class SourceError(CarrierError):
    """A source failed to answer; `reason` is short and safe to log, `retryable` guides callers."""

    retryable: bool = True

    def __init__(self, source: str, reason: str, *, retryable: bool | None = None) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        if retryable is not None:
            self.retryable = retryable


class SourceUnavailable(SourceError):
    """Network failure, timeout or a 5xx from the source."""


class SourceRateLimited(SourceError):
    """The source throttled us or the quota is used up."""

    def __init__(self, source: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(source, reason, retryable=True)
        self.retry_after = retry_after


class SourceRejected(SourceError):
    """The source refused the request (auth, bad input); retrying the same call will not help."""

    retryable = False


class MalformedResponse(SourceError):
    """The body did not match the source's documented shape."""


class ProviderNotConfigured(CarrierError):
    """A provider was requested but its settings are missing."""


class PushRejected(CarrierError):
    """A push notification failed verification (`bad_signature`) or parsing."""

    def __init__(self, source: str, reason: str, *, bad_signature: bool) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.bad_signature = bad_signature
