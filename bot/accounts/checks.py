"""The checks of `wismo meta check`: one verdict per thing a connected account needs, with how
to fix it when it fails."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr

from bot.accounts.models import Credentials, Flavour
from bot.accounts.tokens import EXPIRY_WARNING, MetaAccess, days_left, refresh_failed
from bot.errors import SendError
from bot.instagram.account_api import AccountApiClient, TokenOwner
from bot.instagram.signature import SIGNATURE_HEADER, sign

WEBHOOK_PATH = "/webhooks/instagram"

SELF_TEST_BODY = b'{"object":"instagram","entry":[{"id":"0","time":0,"messaging":[]}]}'
"""A signed delivery holding no event: the webhook acknowledges it and nothing is answered."""

_PERMISSION_REASONS = frozenset({"permission_denied", "permission_missing"})

_FIXES = {
    "token_invalid": "the token expired or was revoked: connect a new one with "
    "`wismo meta connect --token …`",
    "messaging_disabled_by_owner": "in the Instagram app: Settings → Messages and story replies "
    '→ Message controls → Connected tools → turn on "Allow access to messages"',
    "permission_denied": "the app lacks instagram_business_manage_messages (or "
    "instagram_manage_messages): request Advanced Access in App Review, then connect a new "
    "token granting it",
    "permission_missing": "grant the messaging permission when issuing the token (and Advanced "
    "Access in App Review), then connect it again",
    "policy_blocked": "Meta blocked the account or app for a policy: see the app's Alerts in the "
    "App Dashboard",
    "account_restricted": "the account is restricted: check it in Meta Business Suite",
}


@dataclass(frozen=True, slots=True)
class Check:
    """One verdict: its name, whether it passed, what was found, and how to fix it if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where the service receives webhooks and how it proves them: WISMO_PUBLIC_URL,
    META_VERIFY_TOKEN (None: not set) and the secret deliveries are signed with."""

    public_url: str
    verify_token: SecretStr | None
    app_secret: SecretStr | None


def _failed(name: str, exc: SendError, fallback: str) -> Check:
    return Check(name, False, str(exc), _FIXES.get(exc.reason, fallback))


def _token_check(credentials: Credentials, now: datetime) -> Check:
    account = credentials.account
    left = days_left(account, now)
    if refresh_failed(account):
        return Check(
            "token",
            False,
            account.last_error or "",
            "run `wismo meta refresh`, or connect a new token with `wismo meta connect`",
        )
    if left is None:
        return Check("token", True, f"valid ({account.token_kind.value}, does not expire)")
    if left <= 0:
        return Check("token", False, "expired", _FIXES["token_invalid"])
    if left <= EXPIRY_WARNING.days:
        fix = "run `wismo meta refresh` (a daily job does it in `wismo serve`)"
        return Check("token", False, f"expires in {left:.1f} days", fix)
    return Check("token", True, f"valid, expires in {left:.0f} days")


async def _owner(client: AccountApiClient) -> TokenOwner | SendError:
    try:
        return await client.owner()
    except SendError as exc:
        return exc


def _owner_check(owner: TokenOwner | SendError, credentials: Credentials) -> Check:
    if isinstance(owner, SendError):
        return _failed("account", owner, "connect the account's token again")
    stored = credentials.account.account_id
    if owner.account_id != stored:
        return Check(
            "account",
            False,
            f"the token belongs to {owner.account_id}, not {stored}",
            "connect this account's own token with `wismo meta connect`",
        )
    return Check("account", True, f"{owner.account_id} @{owner.username or '?'}")


async def _permissions_check(client: AccountApiClient, probe: SendError | None) -> Check:
    if client.flavour == "instagram_login":
        # Instagram Login has no permissions read: the Conversations API read tells.
        if probe is not None and probe.reason in _PERMISSION_REASONS:
            return _failed("permissions", probe, _FIXES["permission_denied"])
        return Check("permissions", True, "messaging permission works (Conversations API read)")
    try:
        granted = await client.permissions()
    except SendError as exc:
        return _failed("permissions", exc, _FIXES["permission_denied"])
    missing = granted.missing(client.required_permissions)
    if missing:
        fix = (
            "grant them when issuing the token (Advanced Access in App Review for the "
            "messaging ones), then `wismo meta connect` again"
        )
        return Check("permissions", False, f"missing: {', '.join(missing)}", fix)
    return Check("permissions", True, ", ".join(client.required_permissions))


async def _subscriptions_check(client: AccountApiClient) -> Check:
    try:
        found = await client.subscriptions()
    except SendError as exc:
        return _failed("subscriptions", exc, "run `wismo meta subscribe`")
    missing = found.missing(client.default_fields())
    if missing:
        return Check(
            "subscriptions",
            False,
            f"not subscribed to {', '.join(missing)}",
            "run `wismo meta subscribe` (Meta unsubscribes apps whose deliveries keep failing)",
        )
    return Check("subscriptions", True, ", ".join(sorted(found.fields)))


async def _conversations(client: AccountApiClient) -> tuple[Check, SendError | None]:
    try:
        count = await client.conversations_probe()
    except SendError as exc:
        return _failed("conversations", exc, "try again later"), exc
    return Check("conversations", True, f"Conversations API read works ({count} read)"), None


async def _handshake_check(http: httpx.AsyncClient, webhook: Webhook) -> Check:
    url = webhook.public_url.rstrip("/") + WEBHOOK_PATH
    fix = (
        "WISMO_PUBLIC_URL must reach `wismo serve` over HTTPS, with the same META_VERIFY_TOKEN "
        "as the Callback URL in the App Dashboard"
    )
    if webhook.verify_token is None:
        return Check("webhook handshake", False, "META_VERIFY_TOKEN is not set", fix)
    challenge = secrets.token_hex(8)
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": webhook.verify_token.get_secret_value(),
        "hub.challenge": challenge,
    }
    try:
        response = await http.get(url, params=params)
    except httpx.HTTPError as exc:
        return Check("webhook handshake", False, f"{url}: {type(exc).__name__}", fix)
    if response.status_code != 200 or response.text != challenge:
        detail = f"{url} answered HTTP {response.status_code} without the challenge"
        return Check("webhook handshake", False, detail, fix)
    return Check("webhook handshake", True, f"{url} answered the challenge")


async def _self_test_check(http: httpx.AsyncClient, webhook: Webhook) -> Check:
    url = webhook.public_url.rstrip("/") + WEBHOOK_PATH
    fix = "the service must run at WISMO_PUBLIC_URL with META_APP_SECRET as the app's secret"
    if webhook.app_secret is None:
        return Check("webhook self-test", False, "META_APP_SECRET is not set", fix)
    signature = sign(SELF_TEST_BODY, webhook.app_secret.get_secret_value().encode())
    headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
    try:
        response = await http.post(url, content=SELF_TEST_BODY, headers=headers)
    except httpx.HTTPError as exc:
        return Check("webhook self-test", False, f"{url}: {type(exc).__name__}", fix)
    if response.status_code != 200:
        detail = f"{url} answered a signed delivery with HTTP {response.status_code}"
        return Check("webhook self-test", False, detail, fix)
    return Check("webhook self-test", True, "a signed delivery was acknowledged")


async def check_account(
    access: MetaAccess,
    credentials: Credentials,
    webhook: Webhook,
    *,
    graph_url: str | None = None,
) -> list[Check]:
    """Every check of one account, in a fixed order; none raises."""
    client = access.client_for(credentials, graph_url)
    owner = await _owner(client)
    token = _token_check(credentials, access.clock())
    if isinstance(owner, SendError) and owner.reason == "token_invalid":
        token = _failed("token", owner, _FIXES["token_invalid"])
    elif credentials.account.flavour is Flavour.FACEBOOK_LOGIN:
        token = await _debug_check(client, token)
    conversations, probe = await _conversations(client)
    return [
        token,
        _owner_check(owner, credentials),
        await _permissions_check(client, probe),
        await _subscriptions_check(client),
        conversations,
        await _handshake_check(access.http, webhook),
        await _self_test_check(access.http, webhook),
    ]


async def _debug_check(client: AccountApiClient, stored: Check) -> Check:
    """Facebook Login: what debug_token says outranks the stored expiry."""
    try:
        info = await client.debug_token()
    except SendError as exc:
        return _failed("token", exc, _FIXES["token_invalid"])
    if not info.valid:
        return Check("token", False, f"invalid (code {info.error_code})", _FIXES["token_invalid"])
    if info.expires_at is None:
        return Check("token", True, f"valid ({info.kind or 'token'}, does not expire)")
    return stored


def as_json(account_id: str, username: str | None, checks: list[Check]) -> str:
    return json.dumps(
        {
            "account": account_id,
            "username": username,
            "ok": all(check.ok for check in checks),
            "checks": [check.as_json() for check in checks],
        },
        ensure_ascii=False,
    )


__all__ = ["SELF_TEST_BODY", "WEBHOOK_PATH", "Check", "Webhook", "as_json", "check_account"]
