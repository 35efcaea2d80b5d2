"""Kuaidi100 against a loopback server playing its documented API, and its signed push callbacks."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from carriers.base import Provider, PushReceiver
from carriers.errors import (
    MalformedResponse,
    PushRejected,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.kuaidi100 import DOMESTIC, Kuaidi100, Kuaidi100Push, sign_query
from carriers.kuaidi100_states import BASIC, CODES, status_of
from carriers.models import ExceptionReason, Status, TimeSource, TrackingQuery
from tests.carriers.source_server import CASES_DIRECTORY, load_cases

DATA = CASES_DIRECTORY / "kuaidi100"
REFERENCE, OURS = load_cases("kuaidi100")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
QUERY = REFERENCE["query_request"]["request"]
KEY = QUERY["key_used"]
CUSTOMER = QUERY["form"]["customer"]
PUSH = REFERENCE["push_callback_out_for_delivery"]
SALT = PUSH["salt"]

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeKuaidi100:
    """A loopback Kuaidi100: records each form it is sent and answers with `replies`, in order."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


def answer(body: Any, status: int = 200, **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers, dumps=_chinese)

    return reply


def _chinese(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def failure(code: str, message: str) -> Reply:
    return answer({"result": False, "returnCode": code, "message": message})


@pytest.fixture
async def fake(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeKuaidi100:
    app = web.Application()
    holder: list[FakeKuaidi100] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        source = holder[0]
        form = {key: str(value) for key, value in (await request.post()).items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        source.received.append(Received(request.path, headers, form))
        reply = source.replies.pop(0) if len(source.replies) > 1 else source.replies[0]
        return await reply(request)

    app.router.add_route("*", "/{tail:.*}", handle)
    holder.append(FakeKuaidi100(await aiohttp_server(app)))
    return holder[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def kuaidi100(http: httpx.AsyncClient, fake: FakeKuaidi100, **kwargs: Any) -> Kuaidi100:
    return Kuaidi100(
        http,
        api_key=SecretStr(KEY),
        customer=SecretStr(CUSTOMER),
        base_url=fake.url,
        clock=lambda: NOW,
        **kwargs,
    )


YTO = TrackingQuery(number="YT7500000000001", carrier="yto")
OUR_SLUG_FOR = {"yuantong": "yto", "zhongtong": "zto", "ems": "china-ems", "shunfeng": "sf-express"}
OUR_SLUG_FOR |= {"usps": "usps", "debangwuliu": None}  # type: ignore[dict-item]

STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_answer_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    body = case["body"]
    fake.replies.append(answer(body))
    query = TrackingQuery(number=body["nu"], carrier=OUR_SLUG_FOR[body["com"]] or "yto")
    shipment = await kuaidi100(http, fake).track(query)
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert shipment.source == "kuaidi100"
    assert shipment.checked_at == NOW
    assert shipment.raw.status == body["state"]


def test_the_query_signature_is_md5_of_param_key_customer_in_upper_case_hex() -> None:
    form = QUERY["form"]
    assert sign_query(form["param"], SecretStr(KEY), SecretStr(CUSTOMER)) == form["sign"]


async def test_a_query_posts_the_signed_form_as_documented(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(REFERENCE["in_transit"]["body"]))
    await kuaidi100(http, fake).track(YTO.model_copy(update={"phone_last4": "1234"}))
    [request] = fake.received
    assert request.path == "/poll/query.do"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert set(request.form) == {"customer", "sign", "param"}
    assert request.form["customer"] == CUSTOMER
    expected = hashlib.md5((request.form["param"] + KEY + CUSTOMER).encode()).hexdigest().upper()
    assert request.form["sign"] == expected
    param = json.loads(request.form["param"])
    assert param["com"] == "yuantong"
    assert param["num"] == "YT7500000000001"
    assert param["phone"] == "1234"
    assert (param["resultv2"], param["show"], param["order"]) == ("4", "0", "desc")


async def test_domestic_times_are_china_time_inferred_and_carrier_comes_from_the_company(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(REFERENCE["delivered"]["body"]))
    shipment = await kuaidi100(http, fake).track(YTO)
    assert shipment.carrier == "yto"
    signed = shipment.events[0]
    assert signed.description.startswith("您的快件已签收")
    assert signed.local_iso == "2025-06-07T15:22:05+08:00"
    assert signed.occurred_at_utc == datetime(2025, 6, 7, 7, 22, 5, tzinfo=UTC)
    assert signed.time_source is TimeSource.INFERRED
    assert signed.country == "CN"
    assert signed.location == "上海市"
    assert [e.status for e in shipment.events][-1] is Status.IN_TRANSIT  # 揽收
    assert shipment.last_scan_at == signed.occurred_at_utc


async def test_an_international_leg_outside_china_keeps_its_naive_time(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(OURS["international_leg_outside_china"]["body"]))
    shipment = await kuaidi100(http, fake).track(TrackingQuery(number="9400", carrier="usps"))
    abroad, in_china = shipment.events
    assert abroad.utc_offset is None
    assert abroad.time_source is TimeSource.UNKNOWN
    assert in_china.time_source is TimeSource.INFERRED
    assert in_china.local_iso == "2025-06-05T21:14:33+08:00"


async def test_an_unknown_company_code_keeps_the_raw_code(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(OURS["unknown_company_code"]["body"]))
    shipment = await kuaidi100(http, fake).track(YTO)
    assert shipment.carrier is None
    assert shipment.raw.carrier == "debangwuliu"


async def test_no_result_is_not_found(http: httpx.AsyncClient, fake: FakeKuaidi100) -> None:
    fake.replies.append(answer(REFERENCE["not_found"]["body"]))
    with pytest.raises(TrackingNotFound):
        await kuaidi100(http, fake).track(YTO)


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (answer(REFERENCE["bad_signature"]["body"]), SourceRejected, "signature"),
        (failure("400", "找不到对应公司"), SourceRejected, "not authorised"),
        (failure("408", "电话号码校验失败"), SourceRejected, "phone"),
        (failure("601", "POLL:KEY已过期"), SourceRejected, "expired"),
        (failure("501", "服务器错误"), SourceUnavailable, "server error"),
        (failure("502", "服务器繁忙"), SourceRateLimited, "busy"),
        (answer({"message": "oops"}, status=500), SourceUnavailable, "HTTP 500"),
    ],
    ids=["503-signature", "400", "408-phone", "601-key", "501", "502-busy", "http-500"],
)
async def test_error_codes_become_typed_errors(
    reply: Reply, error: type[Exception], words: str, http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(reply)
    with pytest.raises(error, match=words):
        await kuaidi100(http, fake).track(YTO)


async def test_querying_a_number_too_often_is_rate_limited_for_the_lock_period(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(failure("500", "查询过于频繁，单号已锁定，请30分钟后再查"))
    with pytest.raises(SourceRateLimited) as limited:
        await kuaidi100(http, fake).track(YTO)
    assert limited.value.retry_after == 30 * 60


async def test_http_429_carries_retry_after(http: httpx.AsyncClient, fake: FakeKuaidi100) -> None:
    fake.replies.append(answer({}, status=429, **{"Retry-After": "9"}))
    with pytest.raises(SourceRateLimited) as limited:
        await kuaidi100(http, fake).track(YTO)
    assert limited.value.retry_after == 9


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeKuaidi100) -> None:
    async def never(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    fake.replies.append(never)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await kuaidi100(impatient, fake).track(YTO)


async def html(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")


@pytest.mark.parametrize(
    "reply",
    [
        html,
        answer({"message": "ok", "state": "0", "data": []}),
        answer({"nu": "Y", "data": "none"}),
    ],
    ids=["html", "no-number", "data-not-a-list"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(reply)
    with pytest.raises(MalformedResponse):
        await kuaidi100(http, fake).track(YTO)


async def test_without_a_known_carrier_nothing_is_sent_and_the_query_is_refused(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(REFERENCE["in_transit"]["body"]))
    with pytest.raises(SourceRejected, match="carrier"):
        await kuaidi100(http, fake).track(TrackingQuery(number="YT7500000000001"))
    assert fake.received == []


def test_it_serves_the_chinese_domestic_carriers_and_pushes_only_with_a_callback(
    http: httpx.AsyncClient,
) -> None:
    plain = Kuaidi100(
        http,
        api_key=SecretStr(KEY),
        customer=SecretStr(CUSTOMER),
        base_url="http://x",
        clock=lambda: NOW,
    )
    assert plain.carriers == DOMESTIC
    assert not plain.supports_push
    pushing = Kuaidi100(
        http,
        api_key=SecretStr(KEY),
        customer=SecretStr(CUSTOMER),
        base_url="http://x",
        clock=lambda: NOW,
        callback_url="https://shop.example/push/kuaidi100",
    )
    assert pushing.supports_push


async def test_register_subscribes_with_the_callback_and_salt(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer({"result": True, "returnCode": "200", "message": "提交成功"}))
    source = kuaidi100(
        http, fake, callback_url="https://shop.example/push/kuaidi100", push_salt=SecretStr(SALT)
    )
    await source.register(YTO)
    [request] = fake.received
    assert request.path == "/poll"
    assert request.form["schema"] == "json"
    param = json.loads(request.form["param"])
    assert param["company"] == "yuantong"
    assert param["number"] == "YT7500000000001"
    assert param["key"] == KEY
    assert param["parameters"] == {
        "callbackurl": "https://shop.example/push/kuaidi100",
        "salt": SALT,
        "resultv2": "4",
    }


async def test_register_lets_kuaidi100_detect_an_unknown_company(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer({"result": True, "returnCode": "200", "message": "提交成功"}))
    await kuaidi100(http, fake, callback_url="https://shop.example/k").register(
        TrackingQuery(number="YT7500000000001")
    )
    param = json.loads(fake.received[0].form["param"])
    assert param["company"] == ""
    assert param["parameters"]["autoCom"] == "1"


async def test_a_duplicate_subscription_is_success(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(answer(REFERENCE["subscribe_duplicate"]["body"]))
    await kuaidi100(http, fake, callback_url="https://shop.example/k").register(YTO)


async def test_a_refused_subscription_raises(http: httpx.AsyncClient, fake: FakeKuaidi100) -> None:
    fake.replies.append(failure("700", "回调地址错误"))
    with pytest.raises(SourceRejected, match="callback"):
        await kuaidi100(http, fake, callback_url="https://shop.example/k").register(YTO)


async def test_register_without_a_callback_sends_nothing(
    http: httpx.AsyncClient, fake: FakeKuaidi100
) -> None:
    fake.replies.append(failure("700", "unused"))
    await kuaidi100(http, fake).register(YTO)
    assert fake.received == []


def reference_rows() -> list[tuple[str, str, str | None]]:
    """(code, status, reason) for every row of both state tables in data/kuaidi100/states.md."""
    rows = []
    for line in (DATA / "states.md").read_text().splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            reason = cells[-1] if re.fullmatch(r"[a-z_]+", cells[-1]) else None
            rows.append((cells[0], cells[-2].split()[0], reason))
    return rows


@pytest.mark.parametrize(("code", "status", "reason"), reference_rows())
def test_every_documented_state_maps_as_the_reference_table_says(
    code: str, status: str, reason: str | None
) -> None:
    assert status_of(code) == (Status(status), reason and ExceptionReason(reason))


def test_the_tables_have_no_code_the_reference_does_not_document() -> None:
    assert set(CODES) == {code for code, _, _ in reference_rows()}


@pytest.mark.parametrize(
    ("code", "name", "mapping"), [(code, name, mapping) for code, (name, mapping) in BASIC.items()]
)
def test_an_event_with_only_the_chinese_state_name_maps_like_its_code(
    code: str, name: str, mapping: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(None, name) == mapping == status_of(code)


def test_an_unknown_state_is_unknown() -> None:
    assert status_of("999", "外星") == (Status.UNKNOWN, None)


def receiver() -> Kuaidi100Push:
    return Kuaidi100Push(salt=SecretStr(SALT), clock=lambda: NOW)


def test_a_push_signed_as_documented_is_accepted_and_acknowledged_as_required() -> None:
    outcome = receiver().receive(PUSH["raw_body"].encode(), PUSH["headers"])
    [shipment] = outcome.shipments
    assert shipment.number == "YT7500000000001"
    assert shipment.status == PUSH["expected_normalized_status"]
    assert shipment.carrier == "yto"
    assert shipment.events[0].local_iso == "2025-06-07T08:31:47+08:00"
    assert outcome.stopped == ()
    assert outcome.response_status == 200
    assert outcome.response_content_type == "application/json"
    assert json.loads(outcome.response_body) == PUSH["expected_ack"]


def form(param: dict[str, Any] | str, salt: str = SALT, sign: str | None = None) -> bytes:
    text = param if isinstance(param, str) else json.dumps(param, ensure_ascii=False)
    signature = (
        sign if sign is not None else hashlib.md5((text + salt).encode()).hexdigest().upper()
    )
    return urlencode({"sign": signature, "param": text}).encode()


def fixture_param() -> dict[str, Any]:
    [param] = parse_qs(PUSH["raw_body"])["param"]
    return json.loads(param)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "body",
    [
        PUSH["raw_body"].replace("polling", "shutdown").encode(),
        PUSH["raw_body"].split("&", 1)[1].encode(),
        form(fixture_param(), salt="another-salt"),
        form(fixture_param(), sign=""),
    ],
    ids=["tampered-param", "missing-sign", "wrong-salt", "empty-sign"],
)
def test_a_forged_or_missing_signature_is_rejected(body: bytes) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(body, PUSH["headers"])
    assert rejected.value.bad_signature


@pytest.mark.parametrize(
    "param", ["not json", '{"status": "polling"}', '{"lastResult": {"nu": "Y"}}']
)
def test_a_correctly_signed_param_of_the_wrong_shape_is_rejected_as_such(param: str) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(form(param), PUSH["headers"])
    assert not rejected.value.bad_signature


def test_an_aborted_number_is_reported_stopped_and_expired() -> None:
    param = fixture_param() | {"status": "abort", "message": "60天无变化"}
    param["lastResult"] = param["lastResult"] | {"state": "0"}
    outcome = receiver().receive(form(param), {})
    assert outcome.stopped == ("YT7500000000001",)
    [shipment] = outcome.shipments
    assert shipment.status is Status.EXPIRED
    assert json.loads(outcome.response_body) == PUSH["expected_ack"]


def test_an_abort_before_any_record_only_stops_the_number() -> None:
    param = fixture_param() | {"status": "abort", "message": "3天查询无记录"}
    param["lastResult"] = param["lastResult"] | {"state": "0", "data": []}
    outcome = receiver().receive(form(param), {})
    assert outcome.stopped == ("YT7500000000001",)
    assert outcome.shipments == ()


def test_a_company_corrected_by_kuaidi100_is_taken() -> None:
    param = fixture_param() | {"autoCheck": "1", "comOld": "yuantong", "comNew": "zhongtong"}
    [shipment] = receiver().receive(form(param), {}).shipments
    assert shipment.carrier == "zto"


def test_it_is_a_provider_and_its_push_receiver_a_push_receiver(http: httpx.AsyncClient) -> None:
    source: Provider = Kuaidi100(
        http,
        api_key=SecretStr(KEY),
        customer=SecretStr(CUSTOMER),
        base_url="http://x",
        clock=lambda: NOW,
    )
    push: PushReceiver = receiver()
    assert isinstance(source, Provider)
    assert source.slug == push.source == "kuaidi100"
