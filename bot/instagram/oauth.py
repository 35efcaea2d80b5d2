"""Instagram Business Login: the authorization window's URL and the code-for-token exchange.

The merchant's browser goes to `authorize_url(...)`; Instagram sends it back to the redirect URI
with `code` and `state`; `exchange_code` trades the code (valid once, for minutes) for a
short-lived Instagram User token at `POST https://api.instagram.com/oauth/access_token`, which
tokens.connect then makes long-lived. Meta documents the answer both as
`{"access_token", "user_id"}` and wrapped in `{"data": [{…, "permissions"}]}`: both are read.
The code, the app secret and the token never reach an error or a log line.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from bot.errors import SendFinal, SendRetryable

AUTHORIZE_URL = "https://www.instagram.com/oauth/authorize"
SCOPES = ("instagram_business_basic", "instagram_business_manage_messages")


def authorize_url(app_id: str, redirect_uri: str, state: str) -> str:
    """Where to send the merchant's browser to grant wismo its permissions."""
    query = {
        "client_id": app_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "state": state,
    }
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def _token_of(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        body = body["data"][0]
    token = body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None


async def exchange_code(
    http: httpx.AsyncClient,
    token_url: str,
    *,
    app_id: str,
    app_secrets: tuple[SecretStr, ...],
    redirect_uri: str,
    code: str,
) -> SecretStr:
    """The short-lived token for `code`, trying each app secret in turn (the Instagram app's
    secret is one of META_APP_SECRET's).

    Raises SendFinal("code_refused") when Instagram refuses the code with every secret,
    SendRetryable when it cannot be reached or fails.
    """
    status: int | None = None
    for secret in app_secrets:
        form = {
            "client_id": app_id,
            "client_secret": secret.get_secret_value(),
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code,
        }
        try:
            response = await http.post(token_url, data=form)
        except httpx.HTTPError as exc:
            raise SendRetryable(None, None, "unreachable", scope="account") from exc
        if response.status_code >= 500:
            raise SendRetryable(None, None, "server_error", http_status=response.status_code)
        status = response.status_code
        if response.is_success:
            try:
                token = _token_of(response.json())
            except ValueError:
                token = None
            if token is None:
                raise SendFinal(None, None, "malformed_answer", http_status=status)
            return SecretStr(token)
    raise SendFinal(400, None, "code_refused", http_status=status, scope="account")


__all__ = ["AUTHORIZE_URL", "SCOPES", "authorize_url", "exchange_code"]
