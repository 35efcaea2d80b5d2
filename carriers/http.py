"""HTTP calls to a tracking source, with transport and status failures turned into typed errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from carriers.errors import (
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
)
from foundation import http as foundation_http
from foundation.http import Failures, JsonHttp, JsonResponse, ModelT

SOURCE_FAILURES = Failures(
    unavailable=SourceUnavailable,
    rate_limited=SourceRateLimited,
    rejected=SourceRejected,
    malformed=MalformedResponse,
)

SourceResponse = JsonResponse


class SourceHttp(JsonHttp):
    """Sends requests for one source; statuses in `handled` are returned, the rest raise.

    Raises SourceUnavailable (network, timeout, 5xx), SourceRateLimited (429), SourceRejected
    (401/403 and other 4xx not handled by the caller), MalformedResponse (a body that is not JSON).
    """

    def __init__(self, http: httpx.AsyncClient, source: str) -> None:
        super().__init__(http, source, SOURCE_FAILURES)


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
    return foundation_http.parse_body(model, body, source, SOURCE_FAILURES)
