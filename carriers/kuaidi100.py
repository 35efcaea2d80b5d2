"""Kuaidi100 (快递100): real-time queries, push subscriptions and signed push callbacks.

Facts relied on: docs/tracking-sources.md, Kuaidi100.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from pydantic import SecretStr, ValidationError

from carriers.assemble import build_shipment, newest_first
from carriers.base import PushOutcome
from carriers.catalog import CARRIERS, carrier
from carriers.errors import (
    CarrierError,
    PushRejected,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.http import SourceHttp, parse_body
from carriers.kuaidi100_states import status_of
from carriers.lenient import LenientStrings
from carriers.models import (
    ExceptionReason,
    RawCodes,
    Shipment,
    Status,
    TrackingEvent,
    TrackingQuery,
)
from carriers.reasons import reason_from_text
from carriers.times import CHINA_OFFSET, EventTime

SLUG = "kuaidi100"
# Chinese domestic carriers: Kuaidi100's strength, and the legs whose naive times are China time.
DOMESTIC = frozenset(
    {"sf-express", "jt-express", "yto", "zto", "sto", "yunda", "jd", "china-post", "china-ems"}
)
ACKNOWLEDGEMENT = {"result": True, "returnCode": "200", "message": "成功"}
LOCK_SECONDS = 30 * 60  # Kuaidi100 locks a number queried more often than every 30 minutes

# Built from the end so that a code shared by two catalog entries maps to the first of them.
_OUR_SLUGS: dict[str, str] = {c.kuaidi100: c.slug for c in reversed(CARRIERS) if c.kuaidi100}
_DOMESTIC_CODES = frozenset(c.kuaidi100 for c in CARRIERS if c.slug in DOMESTIC and c.kuaidi100)
_COVERED = frozenset(c.slug for c in CARRIERS if c.slug in DOMESTIC and c.kuaidi100)

_NOT_FOUND = "500"
_QUERY_ERRORS: dict[str, tuple[type[CarrierError], str]] = {
    "400": (SourceRejected, "incomplete data or account not authorised"),
    "408": (SourceRejected, "phone check failed: the carrier needs the recipient's phone digits"),
    "501": (SourceUnavailable, "Kuaidi100 server error"),
    "502": (SourceRateLimited, "Kuaidi100 is busy"),
    "503": (SourceRejected, "signature refused: check the key and customer"),
    "601": (SourceRejected, "key expired or balance used up"),
}
_ALREADY_SUBSCRIBED = "501"
_SUBSCRIBE_ERRORS: dict[str, tuple[type[CarrierError], str]] = {
    "500": (SourceUnavailable, "Kuaidi100 server error"),
    "600": (SourceRejected, "key refused"),
    "601": (SourceRejected, "key expired"),
    "700": (SourceRejected, "bad data or callback URL"),
    "701": (SourceRejected, "the company refused the subscription"),
    "702": (SourceRejected, "company not recognisable"),
}
_TOO_FREQUENT = ("频繁", "频率", "锁定", "frequent")


class _Record(LenientStrings):
    time: str | None = None
    ftime: str | None = None
    context: str | None = None
    location: str | None = None
    areaCode: str | None = None  # noqa: N815 - Kuaidi100's field name
    areaName: str | None = None  # noqa: N815
    status: str | None = None
    statusCode: str | None = None  # noqa: N815


class QueryResult(LenientStrings):
    """A query answer, also a push's `lastResult` / `destResult`."""

    nu: str
    com: str | None = None
    state: str | None = None
    data: list[_Record] = []


class _Failure(LenientStrings):
    result: bool | None = None
    returnCode: str  # noqa: N815
    message: str | None = None


class _PushParam(LenientStrings):
    status: str
    message: str | None = None
    autoCheck: str | None = None  # noqa: N815
    comNew: str | None = None  # noqa: N815
    lastResult: QueryResult  # noqa: N815
    destResult: QueryResult | None = None  # noqa: N815


def sign_query(param: str, key: SecretStr, customer: SecretStr) -> str:
    """UPPER(hex(MD5(param + key + customer))) over the exact `param` string sent."""
    text = param + key.get_secret_value() + customer.get_secret_value()
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def _push_signature(param: str, salt: str) -> str:
    return hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()


def _event(record: _Record, domestic: bool) -> TrackingEvent | None:
    text = record.ftime or record.time
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    in_china = domestic or (record.areaCode or "").upper().startswith("CN")
    # Kuaidi100 never sends an offset; only events known to be in China get +08:00 (inferred).
    try:
        moment = EventTime.from_naive(local, CHINA_OFFSET if in_china else None)
    except ValueError:
        return None  # a time no calendar holds (year 1 at +08:00)
    status, reason = status_of(record.statusCode, record.status)
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=record.location or record.areaName or None,
        country="CN" if (record.areaCode or "").upper().startswith("CN") else None,
        description=record.context or "",
        status=status,
        reason=reason,
        raw=RawCodes(status=record.status, event_code=record.statusCode),
    )


def _unexplained_problem(
    status: Status, reason: ExceptionReason | None, newest: TrackingEvent
) -> bool:
    """State 2 (疑难) names no reason; the newest event's advanced code (an attempt, a locker
    past its time, …) says what the problem is (docs/tracking-sources.md, Kuaidi100)."""
    return (
        status is Status.EXCEPTION
        and reason is None
        and newest.status in (Status.EXCEPTION, Status.FAILED_ATTEMPT)
        and newest.reason is not None
    )


def shipment_from(
    result: QueryResult,
    checked_at: datetime,
    *,
    company: str | None = None,
    destination: QueryResult | None = None,
    stopped: bool = False,
) -> Shipment:
    """Normalise a query answer (or a push's results; `stopped` marks an `abort`)."""
    com = company or result.com
    domestic = com in _DOMESTIC_CODES
    legs = [result] + ([destination] if destination is not None and destination.data else [])
    events = newest_first(
        event for leg in legs for event in (_event(r, domestic) for r in leg.data) if event
    )
    # With an international push the destination leg is the later one and the better status.
    current = legs[-1].state
    status, reason = status_of(current)
    if events and (status is Status.UNKNOWN or _unexplained_problem(status, reason, events[0])):
        status, reason = events[0].status, events[0].reason
    if stopped and not status.is_terminal:
        status, reason = Status.EXPIRED, ExceptionReason.STALLED
    if reason is ExceptionReason.OTHER:
        texts = (event.description for event in events[:3])
        reason = next(filter(None, map(reason_from_text, texts)), ExceptionReason.OTHER)
    ours = _OUR_SLUGS.get(com or "")
    return build_shipment(
        number=result.nu,
        carrier=ours,
        status=status,
        reason=reason,
        source=SLUG,
        checked_at=checked_at,
        events=events,
        raw=RawCodes(status=current, carrier=com if ours is None else None),
    )


def _failure(body: Any) -> _Failure | None:
    """The error answer, when the body is one (`returnCode` other than 200)."""
    if not isinstance(body, dict) or body.get("returnCode") in (None, "", "200", 200):
        return None
    return parse_body(_Failure, body, SLUG)


def _query_error(number: str, failure: _Failure) -> CarrierError:
    code = failure.returnCode
    # Which code a lock for querying too often comes with is undocumented; its wording is not.
    if any(word in (failure.message or "") for word in _TOO_FREQUENT):
        return SourceRateLimited(SLUG, f"queried too often ({code})", retry_after=LOCK_SECONDS)
    if code == _NOT_FOUND:
        return TrackingNotFound(number, SLUG, "Kuaidi100 has no result yet")
    kind, reason = _QUERY_ERRORS.get(code, (SourceRejected, "request refused"))
    return kind(SLUG, f"{reason} ({code})")


class Kuaidi100:
    """Kuaidi100 as the source for Chinese domestic carriers.

    The real-time query costs per call and a number may be queried at most once per 30 minutes
    (pacing is the tracking service's job). With a callback URL, `register` subscribes the number
    so Kuaidi100 pushes every change instead.
    """

    slug = SLUG
    carriers: frozenset[str] | None = _COVERED
    supports_push: bool

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: SecretStr,
        customer: SecretStr,
        base_url: str,
        clock: Callable[[], datetime],
        callback_url: str | None = None,
        push_salt: SecretStr | None = None,
    ) -> None:
        self._http = SourceHttp(http, SLUG)
        self._key = api_key
        self._customer = customer
        self._root = base_url.rstrip("/")
        self._clock = clock
        self._callback_url = callback_url
        self._salt = push_salt
        self.supports_push = callback_url is not None

    async def track(self, query: TrackingQuery) -> Shipment:
        """Raises TrackingNotFound when Kuaidi100 has no result, SourceError subclasses otherwise
        (SourceRateLimited when the number was queried too often)."""
        company = self._company(query)
        if company is None:
            raise SourceRejected(SLUG, "Kuaidi100 needs the carrier, and this one is not known")
        param = _compact(
            {
                "com": company,
                "num": query.number,
                "phone": query.phone_last4 or "",
                "resultv2": "4",
                "show": "0",
                "order": "desc",
            }
        )
        response = await self._http.request(
            "POST",
            f"{self._root}/poll/query.do",
            form={
                "customer": self._customer.get_secret_value(),
                "sign": sign_query(param, self._key, self._customer),
                "param": param,
            },
        )
        failure = _failure(response.body)
        if failure is not None:
            raise _query_error(query.number, failure)
        result = parse_body(QueryResult, response.body, SLUG)
        return shipment_from(result, self._clock(), company=result.com or company)

    async def register(self, query: TrackingQuery) -> None:
        """Subscribe the number for pushes (no-op without a callback URL); a duplicate is fine.

        Raises SourceError subclasses when Kuaidi100 refuses.
        """
        if self._callback_url is None:
            return
        parameters: dict[str, str] = {"callbackurl": self._callback_url, "resultv2": "4"}
        if self._salt is not None:
            parameters["salt"] = self._salt.get_secret_value()
        if query.phone_last4:
            parameters["phone"] = query.phone_last4
        company = self._company(query)
        if company is None:
            parameters["autoCom"] = "1"
        param = _compact(
            {
                "company": company or "",
                "number": query.number,
                "key": self._key.get_secret_value(),
                "parameters": parameters,
            }
        )
        response = await self._http.request(
            "POST", f"{self._root}/poll", form={"schema": "json", "param": param}
        )
        answer = parse_body(_Failure, response.body, SLUG)
        if answer.returnCode in ("200", _ALREADY_SUBSCRIBED):
            return
        kind, reason = _SUBSCRIBE_ERRORS.get(answer.returnCode, (SourceRejected, "refused"))
        raise kind(SLUG, f"subscription {reason} ({answer.returnCode})")

    def _company(self, query: TrackingQuery) -> str | None:
        known = carrier(query.carrier) if query.carrier else None
        return known.kuaidi100 if known else None


def _compact(value: dict[str, Any]) -> str:
    # The signature covers this exact string, so it is built once and sent as is.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Kuaidi100Push:
    """Verifies and reads Kuaidi100 push callbacks: form `param` + `sign` = MD5(param + salt)."""

    source = SLUG

    def __init__(self, *, salt: SecretStr, clock: Callable[[], datetime]) -> None:
        self._salt = salt.get_secret_value()
        self._clock = clock

    def receive(self, body: bytes, headers: Mapping[str, str]) -> PushOutcome:
        """Raises PushRejected for a missing or forged signature, or a body of the wrong shape.

        The answer carries the acknowledgement body Kuaidi100 requires.
        """
        fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        param = fields.get("param", [""])[0]
        given = fields.get("sign", [""])[0]
        expected = _push_signature(param, self._salt).encode()
        if not given or not hmac.compare_digest(
            given.strip().upper().encode(errors="replace"), expected
        ):
            raise PushRejected(SLUG, "bad or missing signature", bad_signature=True)
        try:
            push = _PushParam.model_validate_json(param)
        except ValidationError as exc:
            raise PushRejected(SLUG, "param is not a Kuaidi100 push", bad_signature=False) from exc
        corrected = push.comNew if push.autoCheck == "1" and push.comNew else None
        stopped = push.status == "abort"
        shipments: tuple[Shipment, ...] = ()
        if push.lastResult.data or (push.destResult and push.destResult.data):
            shipment = shipment_from(
                push.lastResult,
                self._clock(),
                company=corrected,
                destination=push.destResult,
                stopped=stopped,
            )
            shipments = (shipment,)
        return PushOutcome(
            shipments=shipments,
            stopped=(push.lastResult.nu,) if stopped else (),
            response_body=json.dumps(ACKNOWLEDGEMENT, ensure_ascii=False),
            response_content_type="application/json",
        )
