"""OrderLookup: an order number to its order, from the store (briefly cached) or from imports."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from stores.errors import StoreLookupFailed
from stores.fields import order_number_key
from stores.models import Order, StoreKind
from stores.repository import ORDER_FIELDS, OrderRepository
from stores.source import OrderSource

logger = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=2)
_PERSONAL_FIELDS = ("email", "phone", "postal_code", "instagram_username")


@dataclass(frozen=True, slots=True)
class _Entry:
    order: Order | None
    expires_at: datetime


def authoritative_fields(order: Order) -> frozenset[str]:
    """What a store's copy of an order overwrites: everything but personal fields it left empty.

    Stores rarely know a buyer's Instagram username; one imported by CSV must survive a refresh.
    """
    empty = {name for name in _PERSONAL_FIELDS if getattr(order, name) is None}
    return ORDER_FIELDS - empty


class OrderLookup:
    """Finds orders by number for the dialogue.

    With a store `source`, the store is asked first and its answer cached for `ttl` (found or
    not) so a chatty buyer does not hammer the store's API; concurrent lookups of one number
    share a single request. Orders the store returns are saved to the repository (so
    `by_instagram_username` finds them later). Orders imported by CSV still answer when the
    store does not know the number, and any saved copy answers when the store cannot be reached.
    Without a source, only the repository (CSV imports) is used.
    """

    def __init__(
        self,
        repository: OrderRepository,
        source: OrderSource | None = None,
        *,
        clock: Callable[[], datetime],
        ttl: timedelta = DEFAULT_TTL,
        max_entries: int = 2048,
    ) -> None:
        self._repository = repository
        self._source = source
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[Order | None]] = {}

    async def find(self, order_number: str, *, fresh: bool = False) -> Order | None:
        """The order with this number ('#1042' = '1042'), or None when no one knows it.

        `fresh` skips the cache (a buyer pressing "Refresh"). Raises StoreLookupFailed
        subclasses only when the store cannot answer and no saved copy exists.
        """
        key = order_number_key(order_number)
        if key is None:
            return None
        if self._source is None:
            return await self._repository.get(key)
        if not fresh:
            entry = self._cache.get(key)
            if entry is not None and entry.expires_at > self._clock():
                return entry.order
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Order | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            order = await self._fetch(self._source, key)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # waiters re-raise it; nobody else needs to retrieve it
            raise
        else:
            future.set_result(order)
            return order
        finally:
            del self._inflight[key]

    def forget(self, order_number: str) -> None:
        """Drop a cached answer (say, after the merchant added tracking)."""
        key = order_number_key(order_number)
        if key is not None:
            self._cache.pop(key, None)

    async def _fetch(self, source: OrderSource, key: str) -> Order | None:
        try:
            found = await source.find_order(key)
        except StoreLookupFailed as exc:
            saved = await self._repository.get(key)
            if saved is None:
                raise
            logger.warning(
                "store %s could not answer (%s); using the saved copy of the order",
                exc.source,
                exc.reason,
            )
            # Cached like an answer, so a buyer's follow-ups do not keep knocking on a failing API.
            self._remember(key, saved)
            return saved
        if found is None:
            saved = await self._repository.get(key)
            order = saved if saved is not None and saved.source is StoreKind.CSV else None
        else:
            await self._repository.upsert([found], fields=authoritative_fields(found))
            order = await self._repository.get(found.order_number) or found
        self._remember(key, order)
        return order

    def _remember(self, key: str, order: Order | None) -> None:
        self._cache[key] = _Entry(order=order, expires_at=self._clock() + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
