"""One HTTP call to a remote JSON API, its failures raised as the calling package's own errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class _Failure(Protocol):
    def __call__(self, source: str, reason: str) -> Exception: ...


class _RateLimited(Protocol):
    def __call__(self, source: str, reason: str, *, retry_after: float | None) -> Exception: ...


@dataclass(frozen=True, slots=True)
class Failures:
    """The exception each kind of failure becomes, in the calling package's own hierarchy.

    Each is called with the source's name and a reason safe to show (no secrets, no bodies).
    """

    unavailable: _Failure  # network, timeout, 5xx
    rate_limited: _RateLimited  # 429
    rejected: _Failure  # 401/403 and other 4xx the caller does not handle
    malformed: _Failure  # a body that is not JSON, or not of the documented shape
    # Reasons for statuses that deserve their own words, e.g. {404: "check the URL"}.
    reasons: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    body: Any
    headers: httpx.Headers


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class JsonHttp:
    """Sends requests to one source; statuses in `handled` are returned, the others raise.

    Raises, as `failures` names them: unavailable (network, timeout, 5xx), rate_limited (429),
    rejected (4xx not handled by the caller), malformed (a body that is not JSON).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        source: str,
        failures: Failures,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = http
        self._failures = failures
        self._clock = clock
        self.source = source

    async def request(
        self,
        method: str,
        url: str,
        *,
        handled: Collection[int] = (200,),
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        expect_json: bool = True,
    ) -> JsonResponse:
        """The answer, its body parsed as JSON (None when empty) or, without `expect_json`, text."""
        fail = self._failures
        try:
            response = await self._http.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json_body,
                data=form,
                auth=auth,
            )
        except httpx.TimeoutException as exc:
            raise fail.unavailable(self.source, "timed out") from exc
        except httpx.TransportError as exc:
            raise fail.unavailable(self.source, f"network error: {type(exc).__name__}") from exc
        status = response.status_code
        if status not in handled:
            raise self._failure_for(response)
        body: Any = None
        if expect_json and response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise fail.malformed(self.source, f"HTTP {status} body is not JSON") from exc
        elif not expect_json:
            body = response.text
        return JsonResponse(status=status, body=body, headers=response.headers)

    def _failure_for(self, response: httpx.Response) -> Exception:
        fail = self._failures
        status = response.status_code
        if status == 429:
            return fail.rate_limited(
                self.source,
                "rate limited (HTTP 429)",
                retry_after=retry_after_seconds(response.headers.get("Retry-After"), self._clock()),
            )
        if status >= 500:
            return fail.unavailable(self.source, f"HTTP {status}")
        if status in (401, 403):
            return fail.rejected(self.source, f"credentials refused (HTTP {status})")
        if status in fail.reasons:
            return fail.rejected(self.source, fail.reasons[status])
        return fail.rejected(self.source, f"unexpected HTTP {status}")


def parse_body(model: type[ModelT], body: Any, source: str, failures: Failures) -> ModelT:
    """Validate a response body against its documented shape.

    Raises `failures.malformed` naming the first offending field.
    """
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        reason = f"unexpected shape at {where}: {first['msg']}"
        raise failures.malformed(source, reason) from exc
