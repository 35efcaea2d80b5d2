"""Shopify connector against a local server playing the Admin GraphQL API's documented replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stores.errors import MalformedStoreResponse, StoreRateLimited, StoreRejected, StoreUnavailable
from stores.models import FulfillmentStatus, OrderParcel, StoreKind
from stores.shopify import API_VERSION, Shopify, shop_url
from tests.stores.clocks import FakeTime
from tests.stores.servers import Reply, ScriptedStore, payload

GRAPHQL = f"/admin/api/{API_VERSION}/graphql.json"
TOKEN = "shpat_0123456789abcdef"


class Harness:
    def __init__(self, store: ScriptedStore, shopify: Shopify, time: FakeTime) -> None:
        self.store = store
        self.shopify = shopify
        self.time = time


@pytest.fixture
async def shop(aiohttp_server: Any) -> AsyncIterator[Harness]:
    store = ScriptedStore()
    server = await aiohttp_server(store.app())
    time = FakeTime()
    async with httpx.AsyncClient(timeout=5) as http:
        shopify = Shopify(
            http,
            shop=str(server.make_url("")),
            access_token=TOKEN,
            sleep=time.sleep,
            monotonic=time.monotonic,
            clock=time.now,
        )
        yield Harness(store, shopify, time)


def empty() -> dict[str, Any]:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"] = []
    return body


async def test_an_order_is_found_by_its_name_with_the_tracking_of_live_fulfillments(
    shop: Harness,
) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=payload("shopify_order.json")))

    order = await shop.shopify.find_order("#1042")

    assert order is not None
    assert order.order_number == "1042"
    assert order.source is StoreKind.SHOPIFY
    assert order.parcels == (
        OrderParcel(tracking_number="YT2430421272039912", carrier="yunexpress"),
        OrderParcel(tracking_number="9400111899223397621041", carrier="usps"),
    )
    assert order.email == "mei.chen@example.com"
    assert order.phone == "+1 415-555-0134"
    assert order.postal_code == "94105-1804"
    assert order.instagram_username == "mei.chen"
    assert order.ordered_at == datetime(2026, 11, 2, 3, 15, 26, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 11, 5, 9, 40, 12, tzinfo=UTC)
    assert order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED


async def test_the_request_is_the_documented_graphql_call_with_the_access_token(
    shop: Harness,
) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=payload("shopify_order.json")))

    await shop.shopify.find_order("1042")

    [request] = shop.store.requests(GRAPHQL)
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body["variables"] == {"search": 'name:"1042" OR name:"#1042"'}
    assert "orders(first: 5, query: $search)" in request.body["query"]
    assert "trackingInfo(first: 10) { number company }" in request.body["query"]


async def test_a_name_that_only_resembles_the_number_is_not_the_order(shop: Harness) -> None:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"][0]["name"] = "#10420"
    shop.store.on("POST", GRAPHQL, Reply(body=body))

    assert await shop.shopify.find_order("1042") is None


async def test_no_matching_order_is_none(shop: Harness) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=empty()))

    assert await shop.shopify.find_order("#99999") is None


async def test_text_that_cannot_be_an_order_name_is_not_sent(shop: Harness) -> None:
    assert await shop.shopify.find_order('10" OR name:*') is None
    assert shop.store.seen == []


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"cancelledAt": "2026-11-03T00:00:00Z"}, FulfillmentStatus.CANCELLED),
        ({"displayFinancialStatus": "REFUNDED"}, FulfillmentStatus.REFUNDED),
        (
            {"displayFulfillmentStatus": "UNFULFILLED", "fulfillments": []},
            FulfillmentStatus.UNFULFILLED,
        ),
        ({"displayFulfillmentStatus": "FULFILLED"}, FulfillmentStatus.FULFILLED),
        ({"displayFulfillmentStatus": "ON_HOLD", "fulfillments": []}, FulfillmentStatus.ON_HOLD),
        (
            {"displayFulfillmentStatus": "IN_PROGRESS", "fulfillments": []},
            FulfillmentStatus.UNFULFILLED,
        ),
    ],
)
async def test_fulfilment_status_is_normalised(
    shop: Harness, changes: dict[str, Any], status: FulfillmentStatus
) -> None:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"][0].update(changes)
    shop.store.on("POST", GRAPHQL, Reply(body=body))

    order = await shop.shopify.find_order("1042")

    assert order is not None
    assert order.fulfillment_status is status


async def test_a_throttled_query_waits_for_the_bucket_and_retries_once(shop: Harness) -> None:
    throttled = payload("shopify_throttled.json")
    throttled["extensions"]["cost"]["throttleStatus"]["restoreRate"] = 50.0
    shop.store.on("POST", GRAPHQL, Reply(body=throttled), Reply(body=payload("shopify_order.json")))

    order = await shop.shopify.find_order("1042")

    assert order is not None
    assert len(shop.store.requests(GRAPHQL)) == 2
    # 12 points requested, 4 available, 50 restored per second.
    assert shop.time.slept == [pytest.approx(0.16)]


async def test_a_bucket_too_empty_to_wait_for_raises_rate_limited_with_the_wait(
    shop: Harness,
) -> None:
    body = payload("shopify_throttled.json")
    body["extensions"]["cost"]["throttleStatus"].update(currentlyAvailable=0, restoreRate=2.0)
    shop.store.on("POST", GRAPHQL, Reply(body=body))

    with pytest.raises(StoreRateLimited) as raised:
        await shop.shopify.find_order("1042")

    assert raised.value.retry_after == pytest.approx(6.0)
    assert shop.time.slept == []


async def test_the_next_query_waits_when_the_last_reply_left_the_bucket_short(
    shop: Harness,
) -> None:
    low = payload("shopify_order.json")
    low["extensions"]["cost"]["throttleStatus"].update(currentlyAvailable=2, restoreRate=10.0)
    shop.store.on("POST", GRAPHQL, Reply(body=low), Reply(body=payload("shopify_order.json")))

    await shop.shopify.find_order("1042")
    await shop.shopify.find_order("1042")

    assert shop.time.slept == [pytest.approx(1.0)]  # (12 - 2) / 10 before the second query
    assert len(shop.store.requests(GRAPHQL)) == 2


async def test_http_429_is_retried_after_retry_after_when_short(shop: Harness) -> None:
    shop.store.on(
        "POST",
        GRAPHQL,
        Reply(
            status=429,
            body={"errors": "Exceeded 2 calls per second"},
            headers={"Retry-After": "1.0"},
        ),
        Reply(body=payload("shopify_order.json")),
    )

    assert await shop.shopify.find_order("1042") is not None
    assert shop.time.slept == [1.0]


async def test_http_429_with_a_long_retry_after_raises_rate_limited(shop: Harness) -> None:
    shop.store.on(
        "POST",
        GRAPHQL,
        Reply(status=429, body={"errors": "Throttled"}, headers={"Retry-After": "30"}),
    )

    with pytest.raises(StoreRateLimited) as raised:
        await shop.shopify.find_order("1042")

    assert raised.value.retry_after == 30.0


async def test_a_refused_token_is_rejected(shop: Harness) -> None:
    shop.store.on(
        "POST",
        GRAPHQL,
        Reply(
            status=401,
            body={
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            },
        ),
    )

    with pytest.raises(StoreRejected, match="HTTP 401"):
        await shop.shopify.find_order("1042")


async def test_a_missing_scope_is_rejected_with_the_scope_named(shop: Harness) -> None:
    shop.store.on("POST", GRAPHQL, Reply(body=payload("shopify_access_denied.json")))

    with pytest.raises(StoreRejected, match="read_orders"):
        await shop.shopify.find_order("1042")


async def test_a_5xx_is_unavailable(shop: Harness) -> None:
    shop.store.on("POST", GRAPHQL, Reply(status=503, raw="<html>Service Unavailable</html>"))

    with pytest.raises(StoreUnavailable, match="HTTP 503"):
        await shop.shopify.find_order("1042")


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw="<html>Your shop is being set up</html>"),
        Reply(body={"data": {"orders": {"nodes": [{"name": 1042}]}}}),
        Reply(body={"data": {"orders": {}}}),
        Reply(body=["not", "an", "object"]),
    ],
)
async def test_a_malformed_body_is_reported_as_such(shop: Harness, reply: Reply) -> None:
    shop.store.on("POST", GRAPHQL, reply)

    with pytest.raises(MalformedStoreResponse):
        await shop.shopify.find_order("1042")


async def test_partial_data_with_field_errors_still_answers(shop: Harness) -> None:
    body = payload("shopify_order.json")
    body["data"]["orders"]["nodes"][0]["email"] = None
    body["errors"] = [
        {"message": "Access denied for email field.", "extensions": {"code": "ACCESS_DENIED"}}
    ]
    shop.store.on("POST", GRAPHQL, Reply(body=body))

    order = await shop.shopify.find_order("1042")

    assert order is not None
    assert order.email is None
    assert len(order.parcels) == 2


async def test_an_unreachable_shop_is_unavailable() -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        shopify = Shopify(http, shop="http://127.0.0.1:9", access_token=TOKEN)
        with pytest.raises(StoreUnavailable, match="network error"):
            await shopify.find_order("1042")


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("my-store", "https://my-store.myshopify.com"),
        ("My-Store.myshopify.com", "https://My-Store.myshopify.com"),
        ("https://my-store.myshopify.com/", "https://my-store.myshopify.com"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
    ],
)
def test_the_shop_setting_accepts_a_handle_a_domain_or_a_url(setting: str, url: str) -> None:
    assert shop_url(setting) == url
