"""The Provider protocol: what every tracking source adapter offers."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from carriers.models import Shipment, TrackingQuery


@runtime_checkable
class Provider(Protocol):
    """A tracking source. Adding a source is one module implementing this.

    `carriers` lists the carrier slugs the source serves directly (a carrier's own API);
    None means an aggregator that serves any carrier.
    """

    slug: str
    carriers: frozenset[str] | None
    supports_push: bool

    async def track(self, query: TrackingQuery) -> Shipment:
        """Fetch and normalise one shipment.

        Raises TrackingNotFound when the source has nothing yet, SourceError subclasses otherwise.
        """
        ...

    async def register(self, query: TrackingQuery) -> None:
        """Ask a push-capable source to start following the number (no-op for others).

        Raises SourceError subclasses; an "already registered" answer is success.
        """
        ...
