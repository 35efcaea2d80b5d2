"""The Provider and PushReceiver protocols: what every tracking source adapter offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """What a verified push told us, and what the source expects as the HTTP answer."""

    shipments: tuple[Shipment, ...]
    stopped: tuple[str, ...] = ()  # numbers the source stopped following (expired, unregistered)
    response_body: str = ""
    response_content_type: str = "text/plain"
    response_status: int = 200


class PushReceiver(Protocol):
    """Verifies and parses one source's push notifications. Pure: no I/O.

    The route module answers 401 on PushRejected for a bad signature, 400 for a bad shape.
    """

    source: str

    def receive(self, body: bytes, headers: Mapping[str, str]) -> PushOutcome:
        """Raises PushRejected when the signature or the shape is wrong."""
        ...
