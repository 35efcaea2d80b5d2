"""One HTTP call to a store's API, with transport and status failures turned into typed errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from foundation import http as foundation_http
from foundation.http import Failures, JsonHttp, ModelT
from stores.errors import (
    MalformedStoreResponse,
    StoreRateLimited,
    StoreRejected,
    StoreUnavailable,
)

STORE_FAILURES = Failures(
    unavailable=StoreUnavailable,
    rate_limited=StoreRateLimited,
    rejected=StoreRejected,
    malformed=MalformedStoreResponse,
    reasons={
        402: "the store is frozen or locked (HTTP 402)",
        423: "the store is frozen or locked (HTTP 423)",
        404: "API not found (HTTP 404): check the store URL",
    },
)


class StoreHttp(JsonHttp):
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
        super().__init__(http, source, STORE_FAILURES, clock=clock)


def parse_body(model: type[ModelT], body: Any, source: str) -> ModelT:
    """Validate a response body against its documented shape.

    Raises MalformedStoreResponse naming the first offending field.
    """
    return foundation_http.parse_body(model, body, source, STORE_FAILURES)
