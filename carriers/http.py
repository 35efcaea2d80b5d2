"""HTTP calls to a tracking source, with transport and status failures turned into typed errors."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from carriers.errors import (
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
)

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class SourceResponse:
    status: int
    body: Any
    headers: httpx.Headers


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class SourceHttp:
    """Sends requests for one source; statuses in `handled` are returned, the rest raise.

    Raises SourceUnavailable (network, timeout, 5xx), SourceRateLimited (429), SourceRejected
    (401/403 and other 4xx not handled by the caller), MalformedResponse (a body that is not JSON).
    """

    def __init__(self, http: httpx.AsyncClient, source: str) -> None:
        self._http = http
        self.source = source

    async def request(
        self,
        method: str,
        url: str,
        *,
        handled: Collection[int] = (200,),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        expect_json: bool = True,
    ) -> SourceResponse:
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
            raise SourceUnavailable(self.source, "timed out") from exc
        except httpx.TransportError as exc:
            raise SourceUnavailable(self.source, f"network error: {type(exc).__name__}") from exc
        status = response.status_code
        if status not in handled:
            self._raise_for_status(response)
        body: Any = None
        if expect_json and response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise MalformedResponse(self.source, f"HTTP {status} body is not JSON") from exc
        elif not expect_json:
            body = response.text
        return SourceResponse(status=status, body=body, headers=response.headers)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            raise SourceRateLimited(
                self.source,
                "rate limited (HTTP 429)",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise SourceUnavailable(self.source, f"HTTP {status}")
        if status in (401, 403):
            raise SourceRejected(self.source, f"credentials refused (HTTP {status})")
        raise SourceRejected(self.source, f"unexpected HTTP {status}")


def json_or_none(text: str) -> Any:
    """The JSON value of a body read as text, or None when it is empty or not JSON (an HTML
    error page, say), so the caller can decide by status what that means."""
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None


def parse_body(model: type[ModelT], body: Any, source: str) -> ModelT:
    """Validate a response body against its documented shape.

    Raises MalformedResponse naming the first offending field.
    """
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedResponse(source, f"unexpected shape at {where}: {first['msg']}") from exc
