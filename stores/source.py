"""The OrderSource protocol: what every store connector offers."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from stores.models import Order, StoreKind


@runtime_checkable
class OrderSource(Protocol):
    """A store that can be asked for one order. Adding a store is one module implementing this."""

    kind: StoreKind

    async def find_order(self, order_number: str) -> Order | None:
        """The order with this number as the buyer wrote it ('#1042', '1042'), or None.

        Raises StoreLookupFailed subclasses (StoreUnavailable, StoreRateLimited, StoreRejected,
        MalformedStoreResponse) when the store cannot answer.
        """
        ...
