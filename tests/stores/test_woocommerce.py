"""WooCommerce connector against a local server playing the REST API v3's documented replies."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stores.errors import (
    MalformedStoreResponse,
    StoreNotConfigured,
    StoreRejected,
    StoreUnavailable,
)
from stores.models import FulfillmentStatus, OrderParcel, StoreKind
from stores.woocommerce import WooCommerce, api_root
from tests.stores.servers import Reply, ScriptedStore, payload

ORDERS = "/wp-json/wc/v3/orders"
KEY, SECRET = "ck_4f1e6b9d0a2c", "cs_7d2a9e5b1c3f"
INVALID_ID = {
    "code": "woocommerce_rest_shop_order_invalid_id",
    "message": "Invalid ID.",
    "data": {"status": 404},
}


def trackings(order_id: int) -> str:
    return f"/wp-json/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings"


class Harness:
    def __init__(self, store: ScriptedStore, woo: WooCommerce) -> None:
        self.store = store
        self.woo = woo


@pytest.fixture
async def woo(aiohttp_server: Any) -> AsyncIterator[Harness]:
    store = ScriptedStore()
    server = await aiohttp_server(store.app())
    async with httpx.AsyncClient(timeout=5) as http:
        connector = WooCommerce(
            http, url=str(server.make_url("")), consumer_key=KEY, consumer_secret=SECRET
        )
        yield Harness(store, connector)


async def test_an_order_is_fetched_by_id_with_shipment_tracking_items(woo: Harness) -> None:
    woo.store.on("GET", f"{ORDERS}/727", Reply(body=payload("woocommerce_order.json")))

    order = await woo.woo.find_order("#727")

    assert order is not None
    assert order.order_number == "727"
    assert order.source is StoreKind.WOOCOMMERCE
    assert order.parcels == (
        OrderParcel(tracking_number="LP00651234567890", carrier="cainiao"),
        OrderParcel(tracking_number="PQ4F6P0703451230128013Q", carrier="correos"),
    )
    assert order.email == "lucia.garcia@example.es"
    assert order.phone == "+34 612 34 56 78"
    assert order.postal_code == "28013"
    assert order.instagram_username == "lucia.gg"
    assert order.ordered_at == datetime(2026, 11, 3, 3, 20, 5, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 11, 6, 1, 2, 3, tzinfo=UTC)
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert woo.store.requests(trackings(727)) == []


async def test_requests_use_basic_auth_with_the_consumer_key(woo: Harness) -> None:
    woo.store.on("GET", f"{ORDERS}/727", Reply(body=payload("woocommerce_order.json")))

    await woo.woo.find_order("727")

    [request] = woo.store.requests()
    expected = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


async def test_a_custom_order_number_is_found_through_the_search(woo: Harness) -> None:
    woo.store.on("GET", ORDERS, Reply(body=[payload("woocommerce_order_ast.json")]))

    order = await woo.woo.find_order("wc-2291")

    assert order is not None
    assert order.order_number == "WC-2291"
    assert woo.store.requests(ORDERS)[0].query == {"search": "WC-2291", "per_page": "20"}
    assert order.parcels == (OrderParcel(tracking_number="9400111899223397621041", carrier="usps"),)
    assert order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
    assert order.postal_code == "10001-2062"


async def test_a_sequential_number_different_from_the_id_falls_back_to_the_search(
    woo: Harness,
) -> None:
    other = payload("woocommerce_order.json") | {"id": 2291, "number": "1777"}
    wanted = payload("woocommerce_order_ast.json") | {"number": "2291"}
    near = payload("woocommerce_order_ast.json") | {"id": 9000, "number": "22910"}
    woo.store.on("GET", f"{ORDERS}/2291", Reply(body=other))
    woo.store.on("GET", ORDERS, Reply(body=[near, wanted]))

    order = await woo.woo.find_order("2291")

    assert order is not None
    assert order.order_number == "2291"
    assert order.parcels[0].tracking_number == "9400111899223397621041"


async def test_an_unknown_order_is_none(woo: Harness) -> None:
    woo.store.on("GET", f"{ORDERS}/404", Reply(status=404, body=INVALID_ID))
    woo.store.on("GET", ORDERS, Reply(body=[]))

    assert await woo.woo.find_order("404") is None


async def test_without_tracking_meta_the_shipment_tracking_endpoint_is_asked(
    woo: Harness,
) -> None:
    body = payload("woocommerce_order.json") | {"id": 812, "number": "812", "status": "processing"}
    body["meta_data"] = [item for item in body["meta_data"] if "tracking" not in item["key"]]
    woo.store.on("GET", f"{ORDERS}/812", Reply(body=body))
    woo.store.on("GET", trackings(812), Reply(body=payload("woocommerce_shipment_trackings.json")))

    order = await woo.woo.find_order("812")

    assert order is not None
    assert order.parcels == (
        OrderParcel(tracking_number="YT2430421272039912", carrier="yunexpress"),
    )
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED


async def test_a_store_without_the_tracking_extension_gives_an_order_without_parcels(
    woo: Harness,
) -> None:
    body = payload("woocommerce_order.json") | {"id": 813, "number": "813", "status": "processing"}
    body["meta_data"] = []
    woo.store.on("GET", f"{ORDERS}/813", Reply(body=body))

    order = await woo.woo.find_order("813")

    assert order is not None
    assert order.parcels == ()
    assert len(woo.store.requests(trackings(813))) == 1


async def test_the_legacy_single_tracking_meta_is_read(woo: Harness) -> None:
    body = payload("woocommerce_order.json")
    body["meta_data"] = [
        {"id": 1, "key": "_tracking_provider", "value": "royal-mail"},
        {"id": 2, "key": "_tracking_number", "value": "AB 1234 5678 9GB"},
    ]
    woo.store.on("GET", f"{ORDERS}/727", Reply(body=body))

    order = await woo.woo.find_order("727")

    assert order is not None
    assert order.parcels == (OrderParcel(tracking_number="AB123456789GB", carrier="royal-mail"),)


async def test_odd_tracking_items_are_skipped_not_fatal(woo: Harness) -> None:
    body = payload("woocommerce_order.json")
    body["meta_data"][1]["value"].append({"tracking_number": ["not", "a", "number"]})
    body["meta_data"][1]["value"].append("garbage")
    woo.store.on("GET", f"{ORDERS}/727", Reply(body=body))

    order = await woo.woo.find_order("727")

    assert order is not None
    assert len(order.parcels) == 2


async def test_refused_keys_are_rejected(woo: Harness) -> None:
    woo.store.on(
        "GET",
        f"{ORDERS}/727",
        Reply(
            status=401,
            body={
                "code": "woocommerce_rest_cannot_view",
                "message": "Sorry, you cannot view this resource.",
                "data": {"status": 401},
            },
        ),
    )

    with pytest.raises(StoreRejected, match="HTTP 401"):
        await woo.woo.find_order("727")


async def test_a_wrong_store_url_is_rejected_rather_than_not_found(woo: Harness) -> None:
    with pytest.raises(StoreRejected, match="check the store URL"):
        await woo.woo.find_order("727")


async def test_a_5xx_is_unavailable(woo: Harness) -> None:
    woo.store.on("GET", f"{ORDERS}/727", Reply(status=502, raw="<html>Bad gateway</html>"))

    with pytest.raises(StoreUnavailable, match="HTTP 502"):
        await woo.woo.find_order("727")


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw="<html><body>Maintenance mode</body></html>"),
        Reply(body={"orders": []}),
        Reply(body=[{"id": "seven", "number": "X1"}]),
    ],
)
async def test_a_malformed_search_answer_is_reported(woo: Harness, reply: Reply) -> None:
    woo.store.on("GET", ORDERS, reply)

    with pytest.raises(MalformedStoreResponse):
        await woo.woo.find_order("X1")


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://shop.example.com/", "https://shop.example.com/wp-json"),
        ("https://example.com/store", "https://example.com/store/wp-json"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/wp-json"),
        ("http://localhost:8080", "http://localhost:8080/wp-json"),
    ],
)
def test_store_urls_are_https_or_loopback(url: str, root: str) -> None:
    assert api_root(url) == root


@pytest.mark.parametrize("url", ["http://shop.example.com", "shop.example.com", "ftp://x.example"])
def test_plain_http_to_a_real_host_is_refused_because_keys_would_travel_in_clear(url: str) -> None:
    with pytest.raises(StoreNotConfigured):
        api_root(url)
