"""Shared source plumbing: event times, reasons from carrier wording, shipment precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from carriers.assemble import build_shipment
from carriers.errors import MalformedResponse, SourceRateLimited, SourceRejected, SourceUnavailable
from carriers.http import SourceHttp
from carriers.models import ExceptionReason, Status, TimeSource, TrackingEvent
from carriers.reasons import reason_from_text
from carriers.times import CHINA_OFFSET, EventTime, parse_iso, parse_offset
from foundation.http import retry_after_seconds

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def event(local: str, status: Status, description: str = "", utc: bool = True) -> TrackingEvent:
    moment = parse_iso(local) if utc else EventTime.from_naive(datetime.fromisoformat(local))
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        description=description,
        status=status,
    )


def test_a_naive_carrier_time_is_never_given_a_zone() -> None:
    moment = parse_iso("2026-06-10T09:10:00")
    assert moment.utc_offset is None
    assert moment.occurred_at_utc is None
    assert moment.time_source is TimeSource.UNKNOWN


def test_an_iso_time_keeps_its_local_wall_clock_and_offset() -> None:
    moment = parse_iso("2026-06-10T09:10:00-07:00")
    assert moment.occurred_local == datetime(2026, 6, 10, 9, 10)
    assert moment.utc_offset == timedelta(hours=-7)
    assert moment.occurred_at_utc == datetime(2026, 6, 10, 16, 10, tzinfo=UTC)


def test_a_china_domestic_time_is_inferred_at_utc_plus_eight() -> None:
    moment = EventTime.from_naive(datetime(2026, 6, 10, 9, 10), CHINA_OFFSET)
    assert moment.time_source is TimeSource.INFERRED
    assert moment.occurred_at_utc == datetime(2026, 6, 10, 1, 10, tzinfo=UTC)


def test_utc_with_an_offset_gives_the_local_time() -> None:
    moment = EventTime.from_utc(datetime(2026, 6, 10, 16, 10, tzinfo=UTC), timedelta(hours=-7))
    assert moment.occurred_local == datetime(2026, 6, 10, 9, 10)
    assert moment.time_source is TimeSource.PROVIDER_UTC


@pytest.mark.parametrize(
    ("text", "offset"),
    [("+08:00", 8 * 60), ("-0500", -5 * 60), ("+8", 8 * 60), ("-05:30", -(5 * 60 + 30))],
)
def test_utc_offsets_in_every_written_form(text: str, offset: int) -> None:
    assert parse_offset(text) == timedelta(minutes=offset)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Sat, 28 Nov 2026 12:01:00 GMT", NOW) == 60
    assert retry_after_seconds("soon") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Held by customs", ExceptionReason.CUSTOMS_HOLD),
        ("包裹正在清关", ExceptionReason.CUSTOMS_HOLD),
        ("Sendung wird vom Zoll geprüft", ExceptionReason.CUSTOMS_HOLD),
        ("Customs documents required from the receiver", ExceptionReason.CUSTOMS_DOCUMENTS),
        ("Addressee unknown", ExceptionReason.ADDRESS_ISSUE),
        ("收件人地址不详", ExceptionReason.ADDRESS_ISSUE),
        ("Incorrect address", ExceptionReason.ADDRESS_ISSUE),
        (
            "Your item was refused by the addressee and is being returned to the sender",
            ExceptionReason.REFUSED,
        ),
        ("Addressee not available", None),  # the recipient, not their address
        ("Arrived at facility", None),
    ],
)
def test_reasons_are_read_from_the_carriers_wording(
    text: str, reason: ExceptionReason | None
) -> None:
    assert reason_from_text(text) is reason


def test_a_later_return_event_overrides_delivered_and_events_are_newest_first() -> None:
    shipment = build_shipment(
        number="X",
        carrier=None,
        status=Status.DELIVERED,
        source="test",
        checked_at=NOW,
        events=[
            event("2026-06-01T10:00:00+08:00", Status.IN_TRANSIT),
            event("2026-06-09T10:00:00+00:00", Status.RETURNING, "Return to sender"),
            event("2026-06-05T10:00:00+00:00", Status.DELIVERED),
        ],
    )
    assert shipment.status is Status.RETURNING
    assert shipment.exception_reason is ExceptionReason.RETURNED_TO_SENDER
    assert [e.status for e in shipment.events] == [
        Status.RETURNING,
        Status.DELIVERED,
        Status.IN_TRANSIT,
    ]
    assert shipment.last_scan_at == datetime(2026, 6, 9, 10, tzinfo=UTC)


def test_an_exception_without_a_recognisable_reason_is_other_and_reasons_need_action() -> None:
    other = build_shipment(
        number="X", carrier=None, status=Status.EXCEPTION, source="t", checked_at=NOW
    )
    assert other.exception_reason is ExceptionReason.OTHER
    address = build_shipment(
        number="X",
        carrier=None,
        status=Status.EXCEPTION,
        source="t",
        checked_at=NOW,
        reason_text="Incorrect address",
    )
    assert address.exception_reason is ExceptionReason.ADDRESS_ISSUE
    assert address.needs_action


def test_events_without_instants_keep_the_source_order_newest_first() -> None:
    shipment = build_shipment(
        number="X",
        carrier=None,
        status=Status.IN_TRANSIT,
        source="t",
        checked_at=NOW,
        events=[
            event("2026-06-01T10:00:00", Status.INFO_RECEIVED, utc=False),
            event("2026-06-02T10:00:00", Status.IN_TRANSIT, utc=False),
        ],
    )
    assert [e.status for e in shipment.events] == [Status.IN_TRANSIT, Status.INFO_RECEIVED]
    assert shipment.last_scan_at is None


async def test_source_http_turns_failures_into_typed_errors(aiohttp_server) -> None:
    async def handler(request: web.Request) -> web.Response:
        status = int(request.query["status"])
        if status == 429:
            return web.Response(status=429, headers={"Retry-After": "7"})
        if status == 299:
            return web.Response(status=200, text="<html>")
        return web.json_response({"ok": True}, status=status)

    app = web.Application()
    app.router.add_get("/", handler)
    server = await aiohttp_server(app)
    async with httpx.AsyncClient(timeout=5) as client:
        source = SourceHttp(client, "demo")
        url = str(server.make_url("/"))
        assert (await source.request("GET", url, params={"status": "200"})).body == {"ok": True}
        with pytest.raises(SourceRateLimited) as limited:
            await source.request("GET", url, params={"status": "429"})
        assert limited.value.retry_after == 7
        with pytest.raises(SourceUnavailable):
            await source.request("GET", url, params={"status": "503"})
        with pytest.raises(SourceRejected) as rejected:
            await source.request("GET", url, params={"status": "401"})
        assert not rejected.value.retryable
        with pytest.raises(MalformedResponse):
            await source.request("GET", url, params={"status": "299"})
        with pytest.raises(SourceUnavailable, match="network"):
            await source.request("GET", "http://127.0.0.1:9/")
