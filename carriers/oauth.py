"""OAuth 2.0 client credentials for carrier APIs: one shared token per source, renewed in time.

UPS, FedEx and USPS each hand out a bearer token for a client id and secret (their sections
in docs/tracking-sources.md).
The token is fetched once for all concurrent callers, kept until shortly before `expires_in` runs
out (by the injected clock), and fetched again once when the API refuses a token from the cache.
Neither the secret nor the token ever appears in an error message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from carriers.errors import SourceRejected
from carriers.http import SourceHttp, SourceResponse, json_or_none, parse_body

# Renew this long before the source's own expiry, so a token never dies in flight.
RENEW_MARGIN = timedelta(seconds=60)
# When a source omits `expires_in`, the token is trusted this long (it is renewed on a 401 anyway).
DEFAULT_LIFETIME = timedelta(minutes=5)


class CredentialStyle(StrEnum):
    """How the client id and secret travel to the token endpoint."""

    BASIC = "basic"  # HTTP Basic client_id:client_secret, only grant_type in the form (UPS)
    FORM = "form"  # client_id and client_secret as form fields (FedEx, USPS)


class _TokenAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(min_length=1)
    # UPS sends the lifetime as a string ("14399"); lax validation reads both.
    expires_in: int | None = Field(None, ge=0)


@dataclass(frozen=True, slots=True)
class _Token:
    value: SecretStr
    renew_at: datetime


class OAuthClient:
    """Sends one source's API calls with a client-credentials bearer token.

    Concurrent callers that find no valid token share a single token request. A 401 from the API
    for a token that came from the cache renews the token once and repeats the call once; a 401
    for a token fetched for this very call is final.
    """

    def __init__(
        self,
        http: SourceHttp,
        *,
        token_url: str,
        client_id: SecretStr,
        client_secret: SecretStr,
        clock: Callable[[], datetime],
        style: CredentialStyle,
        scope: str | None = None,
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._style = style
        self._scope = scope
        self._current: _Token | None = None
        self._pending: asyncio.Task[_Token] | None = None

    @property
    def source(self) -> str:
        return self._http.source

    async def request(
        self,
        method: str,
        url: str,
        *,
        handled: Collection[int] = (200,),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> SourceResponse:
        """The API's answer, its body as text; statuses in `handled` are returned, others raise.

        Raises SourceRejected when the token endpoint refuses the credentials or the API refuses
        a fresh token, SourceUnavailable when either cannot be reached or fails (5xx),
        SourceRateLimited on 429 and MalformedResponse for a token answer of the wrong shape.
        """

        async def send(token: _Token) -> SourceResponse:
            bearer = f"Bearer {token.value.get_secret_value()}"
            return await self._http.request(
                method,
                url,
                handled={*handled, 401},
                headers={**(headers or {}), "Authorization": bearer},
                params=params,
                json_body=json_body,
                expect_json=False,
            )

        token, fetched = await self._token()
        response = await send(token)
        if response.status == 401 and not fetched:
            # The source revoked or expired the cached token early: one renewal, one more try.
            response = await send(await self._renew(token))
        if response.status == 401 and 401 not in handled:
            raise SourceRejected(self.source, "access token refused by the API (HTTP 401)")
        return response

    async def _token(self) -> tuple[_Token, bool]:
        """A valid token, and whether it was fetched while this caller waited."""
        current = self._current
        if current is not None and self._clock() < current.renew_at:
            return current, False
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._fetch_shared())
            self._pending.add_done_callback(_retrieve)
        # Shielded: one caller giving up must not cancel the request the others wait for.
        return await asyncio.shield(self._pending), True

    async def _renew(self, refused: _Token) -> _Token:
        if self._current is refused:
            self._current = None
        # Callers refused together share one renewal; a caller arriving after it reuses its token.
        token, _ = await self._token()
        return token

    async def _fetch_shared(self) -> _Token:
        try:
            token = await self._fetch()
        finally:
            self._pending = None
        self._current = token
        return token

    async def _fetch(self) -> _Token:
        asked_at = self._clock()
        form = {"grant_type": "client_credentials"}
        auth: tuple[str, str] | None = None
        if self._style is CredentialStyle.BASIC:
            auth = (self._client_id.get_secret_value(), self._client_secret.get_secret_value())
        else:
            form["client_id"] = self._client_id.get_secret_value()
            form["client_secret"] = self._client_secret.get_secret_value()
        if self._scope:
            form["scope"] = self._scope
        response = await self._http.request(
            "POST",
            self._token_url,
            handled=(200, 400, 401, 403),
            headers={"Accept": "application/json"},
            form=form,
            auth=auth,
            expect_json=False,
        )
        if response.status != 200:
            code = _error_code(response.body)
            detail = f", {code}" if code else ""
            raise SourceRejected(
                self.source, f"client credentials refused (HTTP {response.status}{detail})"
            )
        answer = parse_body(_TokenAnswer, json_or_none(response.body), self.source)
        lifetime = (
            timedelta(seconds=answer.expires_in)
            if answer.expires_in is not None
            else DEFAULT_LIFETIME
        )
        margin = min(RENEW_MARGIN, lifetime / 10)
        return _Token(SecretStr(answer.access_token), asked_at + lifetime - margin)


class OAuthSource:
    """The constructor every source shares whose API takes a client-credentials token.

    A subclass names its `slug`, its token endpoint's path under the base URL (`oauth_path`),
    how the credentials travel and the scope it asks for; its calls go through `self._oauth`.
    """

    slug: str
    oauth_path: ClassVar[str]
    credential_style: ClassVar[CredentialStyle]
    scope: ClassVar[str | None] = None

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: SecretStr,
        client_secret: SecretStr,
        base_url: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._oauth = OAuthClient(
            SourceHttp(http, self.slug),
            token_url=f"{self._base_url}{self.oauth_path}",
            client_id=client_id,
            client_secret=client_secret,
            clock=clock,
            style=self.credential_style,
            scope=self.scope,
        )


def _retrieve(task: asyncio.Task[_Token]) -> None:
    # Marks a failure as seen even when every waiter was cancelled before it arrived.
    if not task.cancelled():
        task.exception()


def _error_code(text: str) -> str | None:
    """The refusal's code (RFC 6749 `error`, or the source's own envelope), never its message."""
    body = json_or_none(text)
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str):
        return error[:64]
    nested = body.get("response")
    errors = body.get("errors") or (nested.get("errors") if isinstance(nested, dict) else None)
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = errors[0].get("code")
        return str(code)[:64] if code is not None else None
    return None
