"""One HTTP call to a store's API, with transport and status failures turned into typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from stores.errors import (
    MalformedStoreResponse,
    StoreRateLimited,
    StoreRejected,
    StoreUnavailable,
)

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class StoreResponse:
    status: int
    body: Any
    headers: httpx.Headers


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
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
    return max(0.0, (when - now).total_seconds())


class StoreHttp:
    """Sends requests to one store; statuses in `handled` are returned, the others raise.

    Raises StoreUnavailable (network, timeout, 5xx), StoreRateLimited (429), StoreRejected
    (401/402/403/423 and other 4xx the caller does not handle), MalformedStoreResponse (a body
    that is not JSON).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        source: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = http
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
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> StoreResponse:
        try:
            response = await self._http.request(
                method, url, headers=headers, params=params, json=json_body, auth=auth
            )
        except httpx.TimeoutException as exc:
            raise StoreUnavailable(self.source, "timed out") from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(self.source, f"network error: {type(exc).__name__}") from exc
        if response.status_code not in handled:
            self._raise_for_status(response)
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise MalformedStoreResponse(
                    self.source, f"HTTP {response.status_code} body is not JSON"
                ) from exc
        return StoreResponse(status=response.status_code, body=body, headers=response.headers)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            raise StoreRateLimited(
                self.source,
                "rate limited (HTTP 429)",
                retry_after=retry_after_seconds(response.headers.get("Retry-After"), self._clock()),
            )
        if status >= 500:
            raise StoreUnavailable(self.source, f"HTTP {status}")
        if status in (401, 403):
            raise StoreRejected(self.source, f"credentials refused (HTTP {status})")
        if status in (402, 423):
            raise StoreRejected(self.source, f"the store is frozen or locked (HTTP {status})")
        if status == 404:
            raise StoreRejected(self.source, "API not found (HTTP 404): check the store URL")
        raise StoreRejected(self.source, f"unexpected HTTP {status}")


def parse_body(model: type[ModelT], body: Any, source: str) -> ModelT:
    """Validate a response body against its documented shape.

    Raises MalformedStoreResponse naming the first offending field.
    """
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedStoreResponse(
            source, f"unexpected shape at {where}: {first['msg']}"
        ) from exc
