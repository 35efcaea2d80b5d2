"""POST /webhooks/<source>: signed pushes update the cache and emit events; forged ones do not."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.aftership import AfterShipPush
from carriers.base import PushReceiver
from carriers.kuaidi100 import Kuaidi100Push
from carriers.limits import SourceLimits
from carriers.lookup import Found, Trigger
from carriers.models import Status, TrackingQuery
from carriers.push_routes import push_routes
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from carriers.seventeentrack import SeventeenTrackPush
from tests.carriers.tracking_fakes import FakeClock, FakeSource

DATA = Path(__file__).parent / "data"


def reference(source: str, name: str) -> dict[str, Any]:
    cases = json.loads((DATA / source / "reference.json").read_text(encoding="utf-8"))["cases"]
    return next(case for case in cases if case["name"] == name)


AFTERSHIP = reference("aftership", "webhook_tracking_update_delivered")
SEVENTEEN = reference("seventeentrack", "webhook_tracking_updated_delivered")
SEVENTEEN_STOPPED = reference("seventeentrack", "webhook_tracking_stopped")
KUAIDI = reference("kuaidi100", "push_callback_out_for_delivery")

Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 6, 10, 12, 0, tzinfo=UTC))


@pytest.fixture
async def service(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> AsyncIterator[TrackingService]:
    source = FakeSource("aftership", clock, supports_push=True)
    created = TrackingService(
        ProviderRegistry([source]),
        sessions,
        clock=clock,
        options=ServiceOptions(limits={"aftership": SourceLimits()}, sweep_interval=None),
    )
    yield created
    await created.close()


@pytest.fixture
async def client(
    aiohttp_client: Client, service: TrackingService, clock: FakeClock
) -> TestClient[Any, Any]:
    receivers: list[PushReceiver] = [
        AfterShipPush(secret=SecretStr(AFTERSHIP["webhook_secret"]), clock=clock),
        SeventeenTrackPush(api_key=SecretStr(SEVENTEEN["api_key"]), clock=clock),
        Kuaidi100Push(salt=SecretStr(KUAIDI["salt"]), clock=clock),
    ]
    app = web.Application()
    app.add_routes(push_routes(receivers, service.apply_push))
    return await aiohttp_client(app)


def aftership_sign(body: bytes) -> str:
    secret = AFTERSHIP["webhook_secret"].encode()
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def pushed_number(case: dict[str, Any]) -> str:
    body = case["raw_body"]
    if "tracking_number" in body:
        return str(json.loads(body)["msg"]["tracking_number"])
    if body.startswith("{"):
        return str(json.loads(body)["data"]["number"])
    return str(json.loads(parse_qs(body)["param"][0])["lastResult"]["nu"])


@pytest.mark.parametrize(
    ("path", "case", "status"),
    [
        ("/webhooks/aftership", AFTERSHIP, Status.DELIVERED),
        ("/webhooks/17track", SEVENTEEN, Status.DELIVERED),
        ("/webhooks/kuaidi100", KUAIDI, Status.OUT_FOR_DELIVERY),
    ],
)
async def test_a_signed_push_updates_the_cache_at_once_and_emits_a_status_change(
    client: TestClient[Any, Any],
    service: TrackingService,
    path: str,
    case: dict[str, Any],
    status: Status,
) -> None:
    response = await client.post(path, data=case["raw_body"].encode(), headers=case["headers"])

    assert response.status == 200
    if "expected_ack" in case:
        assert await response.json() == case["expected_ack"]
    number = pushed_number(case)
    found = await service.lookup(TrackingQuery(number=number))
    assert isinstance(found, Found)
    assert found.served_from_cache
    assert found.shipment.status is status
    (change,) = await service.changes_after(0)
    assert (change.number, change.new_status, change.trigger) == (number, status, Trigger.PUSH)


@pytest.mark.parametrize(
    ("path", "case", "header"),
    [
        ("/webhooks/aftership", AFTERSHIP, "aftership-hmac-sha256"),
        ("/webhooks/17track", SEVENTEEN, "sign"),
    ],
)
async def test_a_forged_push_is_refused_with_401_and_changes_nothing(
    client: TestClient[Any, Any],
    service: TrackingService,
    path: str,
    case: dict[str, Any],
    header: str,
) -> None:
    headers = {**case["headers"], header: "Zm9yZ2Vk" + case["headers"][header][8:]}

    response = await client.post(path, data=case["raw_body"].encode(), headers=headers)

    assert response.status == 401
    assert await service.changes_after(0) == []


async def test_a_forged_kuaidi100_push_is_refused(
    client: TestClient[Any, Any], service: TrackingService
) -> None:
    body = KUAIDI["raw_body"].replace("sign=", "sign=0000")

    response = await client.post(
        "/webhooks/kuaidi100", data=body.encode(), headers=KUAIDI["headers"]
    )

    assert response.status == 401
    assert await service.changes_after(0) == []


async def test_a_correctly_signed_body_of_the_wrong_shape_is_refused_with_400(
    client: TestClient[Any, Any],
) -> None:
    body = b'{"event": "tracking_update"}'

    response = await client.post(
        "/webhooks/aftership", data=body, headers={"aftership-hmac-sha256": aftership_sign(body)}
    )

    assert response.status == 400


async def test_a_push_older_than_what_we_hold_does_not_replace_it(
    client: TestClient[Any, Any], service: TrackingService
) -> None:
    await client.post(
        "/webhooks/aftership", data=AFTERSHIP["raw_body"].encode(), headers=AFTERSHIP["headers"]
    )
    older = json.loads(AFTERSHIP["raw_body"])
    older["msg"]["tag"], older["msg"]["subtag"] = "InTransit", "InTransit_001"
    older["msg"]["checkpoints"] = older["msg"]["checkpoints"][:1]
    number = older["msg"]["tracking_number"]
    body = json.dumps(older).encode()

    response = await client.post(
        "/webhooks/aftership", data=body, headers={"aftership-hmac-sha256": aftership_sign(body)}
    )

    assert response.status == 200
    found = await service.lookup(TrackingQuery(number=number))
    assert isinstance(found, Found)
    assert found.shipment.status is Status.DELIVERED
    assert len(await service.changes_after(0)) == 1


async def test_a_source_that_stops_following_a_number_makes_us_poll_it_again(
    client: TestClient[Any, Any], service: TrackingService
) -> None:
    await client.post(
        "/webhooks/17track", data=SEVENTEEN["raw_body"].encode(), headers=SEVENTEEN["headers"]
    )
    number = pushed_number(SEVENTEEN)
    entry = await service._cache.read(number, None)
    assert entry is not None
    assert entry.registered_sources == {"17track"}

    response = await client.post(
        "/webhooks/17track",
        data=SEVENTEEN_STOPPED["raw_body"].encode(),
        headers=SEVENTEEN_STOPPED["headers"],
    )

    assert response.status == 200
    assert pushed_number(SEVENTEEN_STOPPED) == number
    entry = await service._cache.read(number, None)
    assert entry is not None
    assert entry.registered_sources == frozenset()


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z"]
)
async def test_a_checkpoint_time_at_the_edge_of_the_calendar_is_not_a_server_error(
    client: TestClient[Any, Any], service: TrackingService, moment: str
) -> None:
    pushed = json.loads(AFTERSHIP["raw_body"])
    pushed["msg"]["checkpoints"][-1]["checkpoint_time"] = moment
    body = json.dumps(pushed).encode()

    response = await client.post(
        "/webhooks/aftership", data=body, headers={"aftership-hmac-sha256": aftership_sign(body)}
    )

    assert response.status == 200
    found = await service.lookup(TrackingQuery(number=pushed["msg"]["tracking_number"]))
    assert isinstance(found, Found)
    assert found.shipment.status is Status.DELIVERED


async def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read_whole(
    client: TestClient[Any, Any],
) -> None:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /webhooks/aftership HTTP/1.1\r\nHost: wismo\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * (64 * 1024)
    for _ in range(17):  # just over 1 MiB, and never the final chunk of a 10 MB body
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    await writer.drain()

    status_line = await asyncio.wait_for(reader.readline(), timeout=5)

    assert status_line.split()[1] == b"413"
    writer.close()
