"""OrderLookup: the store first and briefly cached, saved copies and imports otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stores.errors import StoreUnavailable
from stores.lookup import OrderLookup
from stores.models import StoreKind
from stores.repository import OrderRepository
from stores.shopify import API_VERSION, Shopify
from tests.stores.builders import order
from tests.stores.clocks import FakeTime
from tests.stores.databases import sqlite_sessions
from tests.stores.servers import Reply, ScriptedStore, payload

__all__ = ["sqlite_sessions"]

GRAPHQL = f"/admin/api/{API_VERSION}/graphql.json"
TTL = timedelta(minutes=2)


class Harness:
    def __init__(self, store: ScriptedStore, repository: OrderRepository, lookup: OrderLookup):
        self.store = store
        self.repository = repository
        self.lookup = lookup
        self.time: FakeTime

    def store_calls(self) -> int:
        return len(self.store.requests(GRAPHQL))


def not_found() -> dict[str, Any]:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"] = []
    return body


@pytest.fixture
async def shop(
    aiohttp_server: Any, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Harness]:
    store = ScriptedStore().on("POST", GRAPHQL, Reply(body=payload("shopify_order.json")))
    server = await aiohttp_server(store.app())
    time = FakeTime()
    repository = OrderRepository(sqlite_sessions)
    async with httpx.AsyncClient(timeout=5) as http:
        shopify = Shopify(http, shop=str(server.make_url("")), access_token="shpat_x")
        harness = Harness(
            store, repository, OrderLookup(repository, shopify, clock=time.now, ttl=TTL)
        )
        harness.time = time
        yield harness


async def test_a_repeated_question_within_the_ttl_is_answered_from_the_cache(shop: Harness) -> None:
    first = await shop.lookup.find("#1042")
    shop.time.advance(60)
    second = await shop.lookup.find("1042")

    assert first is not None
    assert second == first
    assert shop.store_calls() == 1


async def test_after_the_ttl_the_store_is_asked_again(shop: Harness) -> None:
    await shop.lookup.find("1042")
    shop.time.advance(TTL.total_seconds() + 1)
    await shop.lookup.find("1042")

    assert shop.store_calls() == 2


async def test_an_unknown_number_is_cached_too(shop: Harness) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=not_found()))

    assert await shop.lookup.find("777") is None
    assert await shop.lookup.find("#777") is None
    assert shop.store_calls() == 1


async def test_fresh_skips_the_cache_and_forget_drops_an_entry(shop: Harness) -> None:
    await shop.lookup.find("1042")
    await shop.lookup.find("1042", fresh=True)
    shop.lookup.forget("#1042")
    await shop.lookup.find("1042")

    assert shop.store_calls() == 3


async def test_simultaneous_questions_share_one_store_request(shop: Harness) -> None:
    results = await asyncio.gather(*(shop.lookup.find("1042") for _ in range(5)))

    assert {result.order_number for result in results if result} == {"1042"}
    assert shop.store_calls() == 1


async def test_an_order_from_the_store_is_saved_and_found_by_username_later(shop: Harness) -> None:
    await shop.lookup.find("1042")

    linked = await shop.repository.by_instagram_username("mei.chen")

    assert [o.order_number for o in linked] == ["1042"]
    assert linked[0].source is StoreKind.SHOPIFY


async def test_a_username_imported_by_csv_survives_a_store_refresh(shop: Harness) -> None:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"][0]["customAttributes"] = []
    shop.store.on("POST", GRAPHQL, Reply(body=body))
    await shop.repository.upsert([order("1042", instagram_username="mei.from.csv")])

    found = await shop.lookup.find("1042")

    assert found is not None
    assert found.instagram_username == "mei.from.csv"
    assert found.source is StoreKind.SHOPIFY
    assert len(found.parcels) == 2


async def test_when_the_store_is_down_a_saved_copy_answers(shop: Harness) -> None:
    await shop.lookup.find("1042")
    shop.store.on("POST", GRAPHQL, Reply(status=503, raw="down"))
    shop.time.advance(TTL.total_seconds() + 1)

    found = await shop.lookup.find("1042")
    again = await shop.lookup.find("1042")

    assert found is not None
    assert found.order_number == "1042"
    assert again == found
    assert shop.store_calls() == 2


async def test_when_the_store_is_down_and_nothing_is_saved_the_error_is_raised(
    shop: Harness,
) -> None:
    shop.store.on("POST", GRAPHQL, Reply(status=503, raw="down"))

    with pytest.raises(StoreUnavailable):
        await shop.lookup.find("1042")
    with pytest.raises(StoreUnavailable):  # failures are not cached
        await shop.lookup.find("1042")
    assert shop.store_calls() == 2


async def test_an_imported_order_the_store_does_not_know_still_answers(shop: Harness) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=not_found()))
    await shop.repository.upsert([order("M-2001", "LX123456785CN")])

    found = await shop.lookup.find("m-2001")

    assert found is not None
    assert found.tracking_numbers == ("LX123456785CN",)


async def test_a_saved_store_order_the_store_no_longer_knows_is_not_answered(
    shop: Harness,
) -> None:
    await shop.lookup.find("1042")
    shop.store.on("POST", GRAPHQL, Reply(body=not_found()))

    assert await shop.lookup.find("1042", fresh=True) is None


async def test_without_a_store_only_imported_orders_answer(
    sqlite_sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sqlite_sessions)
    await repository.upsert([order("1042", "LX123456785CN")])
    lookup = OrderLookup(repository, clock=FakeTime().now)

    assert await lookup.find("#1042") is not None
    assert await lookup.find("1043") is None
    assert await lookup.find("") is None
