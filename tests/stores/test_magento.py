"""Magento / Adobe Commerce connector against a local server playing the REST API's replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stores.errors import MalformedStoreResponse, StoreRejected, StoreUnavailable
from stores.magento import Magento
from stores.models import FulfillmentStatus, OrderParcel, StoreKind
from tests.stores.servers import Reply, ScriptedStore, Seen, payload

ORDERS, SHIPMENTS = "/rest/V1/orders", "/rest/V1/shipments"
TOKEN = "x1y2z3integrationtoken"
FILTER = "searchCriteria[filter_groups][0][filters][0]"


class Harness:
    def __init__(self, store: ScriptedStore, magento: Magento) -> None:
        self.store = store
        self.magento = magento


@pytest.fixture
async def shop(aiohttp_server: Any) -> AsyncIterator[Harness]:
    store = ScriptedStore()
    server = await aiohttp_server(store.app())
    async with httpx.AsyncClient(timeout=5) as http:
        yield Harness(store, Magento(http, url=str(server.make_url("")), access_token=TOKEN))


def no_orders() -> dict[str, Any]:
    return {"items": [], "search_criteria": {"filter_groups": []}, "total_count": 0}


async def test_an_order_is_found_by_increment_id_with_its_shipment_tracks(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=payload("magento_orders.json")))
    shop.store.on("GET", SHIPMENTS, Reply(body=payload("magento_shipments.json")))

    order = await shop.magento.find_order("#000000123")

    assert order is not None
    assert order.order_number == "000000123"
    assert order.source is StoreKind.MAGENTO
    assert order.parcels == (
        OrderParcel(tracking_number="LX123456785CN", carrier="china-post"),
        OrderParcel(tracking_number="00340434161094042557", carrier="dhl"),
    )
    assert order.email == "sophie.martin@example.fr"
    assert order.phone == "06 12 34 56 79"  # the shipping address's, before the billing one
    assert order.postal_code == "75011"
    assert order.instagram_username is None
    assert order.ordered_at == datetime(2026, 11, 1, 8, 15, tzinfo=UTC)
    assert order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED


async def test_the_requests_use_search_criteria_and_the_bearer_token(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=payload("magento_orders.json")))
    shop.store.on("GET", SHIPMENTS, Reply(body=payload("magento_shipments.json")))

    await shop.magento.find_order("123")

    orders, shipments = shop.store.requests(ORDERS)[0], shop.store.requests(SHIPMENTS)[0]
    assert orders.headers["Authorization"] == f"Bearer {TOKEN}"
    assert orders.query[f"{FILTER}[field]"] == "increment_id"
    assert orders.query[f"{FILTER}[value]"] == "123,000000123"
    assert orders.query[f"{FILTER}[condition_type]"] == "in"
    assert shipments.query[f"{FILTER}[field]"] == "order_id"
    assert shipments.query[f"{FILTER}[value]"] == "12"


async def test_an_unpadded_number_finds_the_padded_increment_id(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=payload("magento_orders.json")))
    shop.store.on("GET", SHIPMENTS, Reply(body=payload("magento_shipments.json")))

    order = await shop.magento.find_order("123")

    assert order is not None
    assert order.order_number == "000000123"


async def test_an_unknown_order_is_none_and_asks_for_no_shipments(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=no_orders()))

    assert await shop.magento.find_order("555") is None
    assert shop.store.requests(SHIPMENTS) == []


async def test_an_order_without_shipments_is_unfulfilled(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=payload("magento_orders.json")))
    shop.store.on("GET", SHIPMENTS, Reply(body=no_orders()))

    order = await shop.magento.find_order("000000123")

    assert order is not None
    assert order.parcels == ()
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("complete", FulfillmentStatus.FULFILLED),
        ("canceled", FulfillmentStatus.CANCELLED),
        ("holded", FulfillmentStatus.ON_HOLD),
        ("closed", FulfillmentStatus.REFUNDED),
    ],
)
async def test_order_states_are_normalised(
    shop: Harness, state: str, status: FulfillmentStatus
) -> None:
    body = payload("magento_orders.json")
    body["items"][0]["state"] = state
    shop.store.on("GET", ORDERS, Reply(body=body))
    shop.store.on("GET", SHIPMENTS, Reply(body=payload("magento_shipments.json")))

    order = await shop.magento.find_order("000000123")

    assert order is not None
    assert order.fulfillment_status is status


async def test_an_unauthorised_integration_is_rejected(shop: Harness) -> None:
    shop.store.on(
        "GET",
        ORDERS,
        Reply(
            status=401,
            body={
                "message": "The consumer isn't authorized to access %resources.",
                "parameters": {"resources": "Magento_Sales::actions_view"},
            },
        ),
    )

    with pytest.raises(StoreRejected, match="HTTP 401"):
        await shop.magento.find_order("123")


async def test_a_failing_shipments_call_is_unavailable(shop: Harness) -> None:
    shop.store.on("GET", ORDERS, Reply(body=payload("magento_orders.json")))
    shop.store.on("GET", SHIPMENTS, Reply(status=500, body={"message": "Internal Error."}))

    with pytest.raises(StoreUnavailable, match="HTTP 500"):
        await shop.magento.find_order("123")


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw="<html>There has been an error processing your request</html>"),
        Reply(body={"items": [{"increment_id": "000000123"}]}),
        Reply(body={"items": "none"}),
    ],
)
async def test_a_malformed_orders_answer_is_reported(shop: Harness, reply: Reply) -> None:
    shop.store.on("GET", ORDERS, reply)

    with pytest.raises(MalformedStoreResponse):
        await shop.magento.find_order("123")


async def test_only_the_exact_increment_id_is_accepted(shop: Harness) -> None:
    def echo_other(seen: Seen) -> Reply:
        body = payload("magento_orders.json")
        body["items"][0]["increment_id"] = "000001234"
        return Reply(body=body)

    shop.store.on("GET", ORDERS, echo_other)

    assert await shop.magento.find_order("123") is None
