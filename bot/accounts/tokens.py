"""Tokens of connected accounts over their lifetime: connecting one, refreshing, noting failures.

What `wismo meta connect|refresh|subscribe` and the daily token job do, with Graph reached
through AccountApiClient (bot/instagram/account_api.py) and the accounts table through
AccountStore. No token appears
in a result, an error or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from bot.accounts.models import Account, Credentials, Flavour, Saved, TokenKind
from bot.accounts.store import REFRESH_FAILED, AccountStore
from bot.errors import ConfigurationInvalid, SendError, SendFinal
from bot.instagram.account_api import (
    LONG_LIVED_LIFETIME,
    REFRESH_MIN_AGE,
    AccountApiClient,
    LongLivedToken,
)

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(days=15)
"""The token job refreshes an Instagram-Login token once it has this little left."""

EXPIRY_WARNING = timedelta(days=7)
"""A token this close to expiry makes /healthz degraded."""


_UNKNOWN_AGE_LEFT = LONG_LIVED_LIFETIME - REFRESH_MIN_AGE
"""A long-lived token Meta will not refresh yet is younger than 24 h: at least this is left."""


@dataclass(frozen=True, slots=True)
class MetaAccess:
    """What every Graph call for accounts shares: the HTTP client, the API version, the app
    secrets (META_APP_SECRET, in order: Meta's, then Instagram's) and the clock."""

    http: httpx.AsyncClient
    version: str
    app_secrets: tuple[SecretStr, ...]
    clock: Callable[[], datetime]

    def client(
        self,
        token: SecretStr,
        graph_url: str,
        *,
        account_id: str = "me",
        secret: SecretStr | None = None,
        flavour: Flavour | None = None,
    ) -> AccountApiClient:
        """A client for `token` (the flavour is read from the host unless given)."""
        return AccountApiClient(
            self.http,
            graph_url=graph_url,
            version=self.version,
            access_token=token,
            account_id=account_id,
            flavour=flavour.value if flavour else None,  # None: the client reads the host
            app_secret=secret or (self.app_secrets[0] if self.app_secrets else None),
            clock=self.clock,
        )

    def client_for(
        self, credentials: Credentials, graph_url: str | None = None
    ) -> AccountApiClient:
        account = credentials.account
        return self.client(
            credentials.token,
            graph_url or account.graph_url,
            account_id=account.path_id,
            flavour=account.flavour,
        )


@dataclass(frozen=True, slots=True)
class Connected:
    """What `connect` did: the stored account, and the webhook fields subscribed (None when the
    subscription failed: `subscribe_error` says why)."""

    saved: Saved
    fields: tuple[str, ...] | None
    subscribe_error: SendError | None = None


def issued_at(account: Account) -> datetime | None:
    """When a long-lived Instagram-Login token was obtained or last refreshed (its expiry less
    60 days); None when not known."""
    if account.token_kind is not TokenKind.LONG_LIVED or account.token_expires_at is None:
        return None
    return account.token_expires_at - LONG_LIVED_LIFETIME


def refreshable(account: Account, now: datetime) -> bool:
    """Whether Meta would refresh the token now: a long-lived Instagram-Login token at least
    24 hours old and not expired."""
    if account.flavour is not Flavour.INSTAGRAM_LOGIN:
        return False
    if account.token_kind is not TokenKind.LONG_LIVED:
        return False
    expires = account.token_expires_at
    if expires is not None and expires <= now:
        return False
    issued = issued_at(account)
    return issued is None or now - issued >= REFRESH_MIN_AGE


def refresh_due(account: Account, now: datetime, ahead: timedelta = REFRESH_AHEAD) -> bool:
    """Whether the token job refreshes it now: refreshable, answering, and `ahead` or less left."""
    expires = account.token_expires_at
    return (
        account.answers
        and refreshable(account, now)
        and (expires is None or expires - now <= ahead)
    )


def days_left(account: Account, now: datetime) -> float | None:
    """Days until the token expires (negative once expired); None when it does not expire."""
    if account.token_expires_at is None:
        return None
    return (account.token_expires_at - now).total_seconds() / 86400


def refresh_failed(account: Account) -> bool:
    return (account.last_error or "").startswith(REFRESH_FAILED)


def token_alerts(accounts: list[Account], now: datetime) -> dict[str, list[str]]:
    """The answering accounts whose token is within EXPIRY_WARNING of expiry (or expired), and
    those whose last refresh failed, by account id (what /healthz reports)."""
    expiring = [
        account.account_id
        for account in accounts
        if account.answers
        and (left := days_left(account, now)) is not None
        and left <= EXPIRY_WARNING.days
    ]
    failed = [a.account_id for a in accounts if a.answers and refresh_failed(a)]
    return {"expiring": expiring, "refresh_failed": failed}


async def long_lived(
    access: MetaAccess, token: SecretStr, graph_url: str
) -> tuple[SecretStr, TokenKind, datetime | None]:
    """The token to store for `token` (Instagram Login): exchanged when short-lived, else
    refreshed when Meta allows it, else kept as it is (then younger than 24 h).

    Raises ConfigurationInvalid without an app secret, SendError when Graph refuses the token.
    """
    if not access.app_secrets:
        raise ConfigurationInvalid(
            "META_APP_SECRET: not set, and a short-lived token is exchanged with it"
        )
    refused: SendError | None = None
    for secret in access.app_secrets:
        try:
            found = await access.client(token, graph_url, secret=secret).exchange_token()
        except SendFinal as exc:
            if exc.reason == "token_invalid":
                raise
            refused = exc  # another secret, or not a short-lived token
            continue
        return found.token, TokenKind.LONG_LIVED, found.expires_at
    try:
        found = await access.client(token, graph_url).refresh_token()
    except SendFinal:
        log.info("token not exchanged (%s) nor refreshable yet: stored as it is", refused)
        return token, TokenKind.LONG_LIVED, access.clock() + _UNKNOWN_AGE_LEFT
    return found.token, TokenKind.LONG_LIVED, found.expires_at


async def connect(
    access: MetaAccess,
    store: AccountStore,
    token: SecretStr,
    graph_url: str,
    flavour: Flavour | None = None,
) -> Connected:
    """Who `token` belongs to, its long-lived form (Instagram Login), stored (replacing the
    account's token), then the account subscribed to its webhook fields. `flavour` is read
    from the host unless given (a proxy in front of Graph hides the host).

    Raises ConfigurationInvalid (no WISMO_SECRET_KEY or META_APP_SECRET) and SendError when
    Graph refuses the token; a failed subscription is in the result, after storing.
    """
    flavour = flavour or Flavour.of_host(graph_url)
    owner = await access.client(token, graph_url, flavour=flavour).owner()
    kind, expires = TokenKind.PAGE, None
    if flavour is Flavour.INSTAGRAM_LOGIN:
        token, kind, expires = await long_lived(access, token, graph_url)
    else:
        expires = await _page_token_expiry(access.client(token, graph_url, flavour=flavour))
    saved = await store.connect(
        owner.account_id,
        token=token,
        graph_url=graph_url,
        token_kind=kind,
        flavour=flavour,
        username=owner.username,
        token_expires_at=expires,
    )
    client = access.client(token, graph_url, account_id=saved.account.path_id, flavour=flavour)
    try:
        await client.subscribe()
    except SendError as exc:
        return Connected(saved, None, exc)
    return Connected(saved, client.default_fields())


async def _page_token_expiry(client: AccountApiClient) -> datetime | None:
    try:
        return (await client.debug_token()).expires_at
    except SendError:
        return None  # only informative: a Page token read with a long-lived user token lasts


async def refresh(
    access: MetaAccess, store: AccountStore, credentials: Credentials, graph_url: str | None = None
) -> LongLivedToken:
    """Refresh one account's token and store it; a failure is noted on the account and raised.

    Raises SendError when Meta refuses or cannot be reached, ConfigurationInvalid without
    WISMO_SECRET_KEY.
    """
    account = credentials.account
    try:
        renewed = await access.client_for(credentials, graph_url).refresh_token()
    except SendFinal as exc:
        if account.token_expires_at is None and exc.reason != "token_invalid":
            # A token stored without its expiry (META_ACCESS_TOKEN) that Meta will not refresh
            # yet is younger than 24 h: kept, with at least that much of its life left.
            kept = LongLivedToken(credentials.token, access.clock() + _UNKNOWN_AGE_LEFT)
            await store.refreshed(account.account_id, kept)
            log.info("account %s: token too young to refresh; kept", account.account_id)
            return kept
        await _note_failure(store, account.account_id, exc)
        raise
    except SendError as exc:
        await _note_failure(store, account.account_id, exc)
        raise
    await store.refreshed(account.account_id, renewed)
    log.info("account %s: token refreshed", account.account_id)
    return renewed


async def _note_failure(store: AccountStore, account_id: str, exc: SendError) -> None:
    if await store.failed(account_id, str(exc)):
        log.warning("account %s: %s: %s", account_id, REFRESH_FAILED, exc)


class TokenKeeper:
    """The token job's work: refresh every answering Instagram-Login token that is due
    (`refresh_due`: 15 days or less left, at least 24 h old) and store the new one. A failure
    is noted on its account (logged once) and the others go on."""

    def __init__(
        self,
        store: AccountStore,
        access: MetaAccess,
        *,
        ahead: timedelta = REFRESH_AHEAD,
    ) -> None:
        self._store = store
        self._access = access
        self._ahead = ahead

    async def run_once(self) -> tuple[int, int]:
        """Refresh what is due; returns how many were refreshed and how many failed."""
        found, _ = await self._store.credentials()
        now = self._access.clock()
        refreshed = failed = 0
        for credentials in found:
            if not refresh_due(credentials.account, now, self._ahead):
                continue
            try:
                await refresh(self._access, self._store, credentials)
            except SendError:
                failed += 1
                continue
            refreshed += 1
        return refreshed, failed


__all__ = [
    "EXPIRY_WARNING",
    "REFRESH_AHEAD",
    "REFRESH_FAILED",
    "Connected",
    "MetaAccess",
    "TokenKeeper",
    "connect",
    "days_left",
    "issued_at",
    "long_lived",
    "refresh",
    "refresh_due",
    "refresh_failed",
    "refreshable",
    "token_alerts",
]
