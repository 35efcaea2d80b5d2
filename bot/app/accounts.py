"""The connected Instagram accounts' cleanup steps: their store, and the one-account shortcut.

META_ACCESS_TOKEN / META_IG_ACCOUNT_ID are the shortcut for one account. With
WISMO_SECRET_KEY set, each start stores that token (sealed anew) as the account
META_IG_ACCOUNT_ID, a changed token replacing the stored one, and the workers answer each
account with its own stored token. Without the key nothing is stored and the shortcut's token
answers every account, as before accounts were stored; a database that holds accounts then
refuses to start, since their tokens could not be read.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.accounts import SHORTCUT_ID, AccountStore, Flavour, SecretBox, TokenKind
from bot.app import keys
from bot.app.resources import Step
from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid

log = logging.getLogger(__name__)


def secret_box(settings: Settings) -> SecretBox | None:
    """The box that seals tokens, None without WISMO_SECRET_KEY; raises ConfigurationInvalid
    for a key that is not one."""
    return SecretBox(settings.secret_key) if settings.secret_key is not None else None


def instagram_accounts(box: SecretBox | None, *, clock: Callable[[], datetime]) -> Step:
    """Publishes the AccountStore (ACCOUNTS); reads nothing yet (the webhook starts on a
    database that is not migrated, and says so on /healthz)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        app[keys.ACCOUNTS] = AccountStore(app[keys.SESSIONS], box, clock=clock)
        yield

    return step


def account_shortcut(settings: Settings) -> Step:
    """Before the workers answer anyone: stores the shortcut's account when WISMO_SECRET_KEY
    is set; without it, raises ConfigurationInvalid when accounts are stored."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        store = app[keys.ACCOUNTS]
        if not store.seals:
            stored = sum((await store.counts()).values())
            if stored:
                raise ConfigurationInvalid(
                    f"WISMO_SECRET_KEY: not set, and {stored} Instagram accounts are stored "
                    "with tokens encrypted by it; set the key they were stored with"
                )
        else:
            await _store_shortcut(store, settings)
        yield

    return step


async def _store_shortcut(store: AccountStore, settings: Settings) -> None:
    token = settings.meta_access_token
    if not token.get_secret_value():
        return
    digest = hashlib.sha256(token.get_secret_value().encode()).hexdigest()
    if await store.seed_digest(settings.meta_ig_account_id) == digest:
        # The same setting as last start: the stored token may be its refreshed successor.
        await store.move_to(settings.meta_ig_account_id, settings.meta_graph_url)
        return
    flavour = Flavour.of_host(settings.meta_graph_url)
    saved = await store.connect(
        settings.meta_ig_account_id,
        token=token,
        graph_url=settings.meta_graph_url,
        flavour=flavour,
        token_kind=TokenKind.PAGE if flavour is Flavour.FACEBOOK_LOGIN else TokenKind.LONG_LIVED,
        seed_digest=digest,
    )
    if saved.account.account_id != SHORTCUT_ID and await store.disconnect(
        SHORTCUT_ID, "META_IG_ACCOUNT_ID set"
    ):
        # It answered every account while the shortcut had no account id; now it has one.
        log.info("accounts: the shortcut's catch-all account `me` is disconnected")
    if saved.created or saved.token_replaced:
        log.info(
            "accounts: META_ACCESS_TOKEN stored for account %s (%s)",
            saved.account.account_id,
            "new" if saved.created else "token replaced",
        )


__all__ = ["account_shortcut", "instagram_accounts", "secret_box"]
