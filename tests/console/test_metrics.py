"""/metrics: Prometheus text read from the database at scrape time, from the app's own registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.console.data import cache_shipment, record_usage
from tests.console.harness import METRICS_TOKEN, console_wismo, seed_conversation


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})


async def test_backlog_provider_usage_and_cache_ratio_are_read_at_scrape_time(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(wismo, handoff="buyer_asked")  # served_from_cache: true
        await seed_conversation(
            wismo,
            based_on={"intent": "where_is_my_order", "shipment": {"served_from_cache": False}},
        )
        await record_usage(wismo.sessions, "aftership", calls=7, failures=2)
        await record_usage(
            wismo.sessions, "17track", calls=3, day=(datetime.now(UTC) - timedelta(days=3)).date()
        )
        await cache_shipment(wismo.sessions, "YT1", status="in_transit")
        await wismo.say("7100000000009999", "hello")  # stored; no worker runs to handle it
        response = await scrape(wismo.url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found = samples(response.text)
    assert found[("wismo_inbox_pending_events", ())] == 1
    assert found[("wismo_outbox_unfinished_messages", (("state", "queued"),))] == 0
    assert found[("wismo_conversations_waiting_for_person", ())] == 1
    assert found[("wismo_provider_calls_total", (("source", "aftership"),))] == 7
    assert found[("wismo_provider_errors_total", (("source", "aftership"),))] == 2
    assert found[("wismo_provider_calls_total", (("source", "17track"),))] == 3
    assert ("wismo_provider_calls_today", (("source", "17track"),)) not in found
    assert found[("wismo_provider_daily_budget", (("source", "dhl"),))] == 250
    assert found[("wismo_tracking_cached_shipments", (("status", "in_transit"),))] == 1
    assert found[("wismo_tracking_cache_hit_ratio", ())] == 0.5
    assert found[("wismo_reply_latency_seconds_count", ())] == 0


async def test_reply_latency_covers_replies_sent_lately(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url, workers=True) as wismo:
        await wismo.say("7100000000008888", "where is my order?")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        found = samples((await scrape(wismo.url)).text)
    assert found[("wismo_reply_latency_seconds_count", ())] == 1
    latency = found[("wismo_reply_latency_seconds", (("quantile", "0.5"),))]
    assert 0 <= latency < 30


async def test_each_app_has_its_own_registry(aiohttp_server, database_url):
    async with (
        console_wismo(aiohttp_server, database_url) as first,
        console_wismo(aiohttp_server, database_url) as second,
    ):
        assert (await scrape(first.url)).status_code == 200
        assert (await scrape(second.url)).status_code == 200
    names = {family.name for family in REGISTRY.collect()}
    assert not any(name.startswith("wismo_") for name in names)
