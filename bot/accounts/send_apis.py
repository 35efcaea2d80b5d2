"""AccountSendApis: a Send API client per connected account, following the accounts table.

The table is read at most every `refresh` (a few seconds), so a token connected by another
process (`wismo meta connect`, the console) is used within seconds; a client is rebuilt only
when its account's token, host or path changes. Facebook-Login accounts' clients add
`appsecret_proof` with `app_secret`: the first of META_APP_SECRET, Meta's app secret, which
issued their Page tokens (docs/instagram.md, API flavour and settings).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from bot.accounts.models import SHORTCUT_ID, AccountStatus, Credentials, Flavour
from bot.accounts.store import AccountStore
from bot.instagram.sendapi import SendApiClient

log = logging.getLogger(__name__)

REFRESH = timedelta(seconds=5)

_Identity = tuple[str, str, str, str]
"""What a client is rebuilt on when it changes: token, host, path and flavour."""


class AccountSendApis:
    """Implements the pipeline's SendApis and AccountStates (bot/pipeline/sender.py) over an
    AccountStore.

    A webhook account id with no stored account of its own is answered by the shortcut
    account stored as `me` when there is one (META_ACCESS_TOKEN without META_IG_ACCOUNT_ID,
    as before accounts were stored), else not at all. Disconnected accounts are not answered.
    """

    def __init__(
        self,
        store: AccountStore,
        http: httpx.AsyncClient,
        *,
        version: str,
        clock: Callable[[], datetime],
        refresh: timedelta = REFRESH,
        app_secret: SecretStr | None = None,
    ) -> None:
        self._store = store
        self._http = http
        self._app_secret = app_secret
        self._version = version
        self._clock = clock
        self._refresh = refresh
        self._read_at: datetime | None = None
        self._lock = asyncio.Lock()
        self._clients: dict[str, tuple[_Identity, SendApiClient]] = {}
        self._unreadable: set[str] = set()

    async def for_account(self, account_id: str) -> SendApiClient | None:
        """Raises whatever reading the accounts table raised (the caller retries later)."""
        if self._stale():
            async with self._lock:
                if self._stale():
                    await self._reload()
        found = self._clients.get(account_id) or self._clients.get(SHORTCUT_ID)
        return found[1] if found is not None else None

    async def paused(self, account_id: str, reason: str, error: str) -> None:
        await self._store.pause(account_id, reason, error)

    async def resumed(self, account_id: str) -> None:
        await self._store.activate(account_id)

    async def reconnected(self, paused: Mapping[str, datetime]) -> set[str]:
        """Those of the `paused` accounts stored as active and changed after their pause began:
        only a new token (AccountStore.connect) makes a paused account active. Their clients
        are rebuilt before this returns."""
        back = {
            account.account_id
            for account in await self._store.accounts()
            if account.account_id in paused
            and account.status is AccountStatus.ACTIVE
            and account.updated_at > paused[account.account_id]
        }
        if back:
            async with self._lock:
                await self._reload()
        return back

    def _stale(self) -> bool:
        now = self._clock()
        return self._read_at is None or not self._read_at <= now < self._read_at + self._refresh

    async def _reload(self) -> None:
        found, unreadable = await self._store.credentials()
        clients: dict[str, tuple[_Identity, SendApiClient]] = {}
        for credentials in found:
            if not credentials.account.answers:
                continue
            identity = _identity(credentials)
            cached = self._clients.get(credentials.account.account_id)
            clients[credentials.account.account_id] = (
                cached
                if cached is not None and cached[0] == identity
                else (identity, self._client(credentials))
            )
        for error in unreadable:
            if str(error) not in self._unreadable:
                log.error("accounts: %s; reconnect the account or restore the key", error)
        self._unreadable = {str(error) for error in unreadable}
        self._clients = clients
        self._read_at = self._clock()

    def _client(self, credentials: Credentials) -> SendApiClient:
        account = credentials.account
        return SendApiClient(
            self._http,
            graph_url=account.graph_url,
            version=self._version,
            account_id=account.path_id,
            access_token=credentials.token,
            flavour=(
                "facebook_login" if account.flavour is Flavour.FACEBOOK_LOGIN else "instagram_login"
            ),
            app_secret=self._app_secret,
        )


def _identity(credentials: Credentials) -> _Identity:
    account = credentials.account
    return (
        credentials.token.get_secret_value(),
        account.graph_url,
        account.path_id,
        account.flavour.value,
    )


__all__ = ["REFRESH", "AccountSendApis"]
