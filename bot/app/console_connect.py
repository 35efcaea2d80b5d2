"""Connecting an Instagram account from the console: a pasted token, the CLI's connect path.

`ConsolePorts.connect_account` lands here. The work is bot/accounts/tokens.connect, the same as
`wismo meta connect` (owner lookup, long-lived exchange, stored sealed, webhooks subscribed);
what this adds is the choice of Graph host for a flavour and the words for a merchant when
Meta refuses. Neither the token nor a URL carrying it reaches a result or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr

from bot.accounts import AccountStore, Flavour
from bot.accounts.tokens import Connected, MetaAccess, connect
from bot.errors import ConfigurationInvalid, SendError, SendRetryable
from bot.instagram.graph_errors import ACCOUNT_BLOCKED_REASONS
from bot.instagram.oauth import authorize_url, exchange_code
from conversations.console.ports import OAUTH_CALLBACK, ConnectOutcome

log = logging.getLogger(__name__)

GRAPH_HOSTS = {
    Flavour.INSTAGRAM_LOGIN: "https://graph.instagram.com",
    Flavour.FACEBOOK_LOGIN: "https://graph.facebook.com",
}
MAX_TOKEN_LENGTH = 4096
_NO_KEY = "wismo cannot store tokens: WISMO_SECRET_KEY is not set on this server."

_REFUSED = {
    "code_refused": (
        "Instagram did not accept the login's authorization code (it works once, for a few "
        "minutes, and only with this server's redirect URL and app): start the login again."
    ),
    "token_invalid": (
        "Meta refused this token: it is not a valid access token, it has expired, or it was "
        "revoked (a password change, or the app removed from the account). Check that you "
        "picked the right kind of login, copy a fresh token and try again."
    ),
    "permission_missing": (
        "The token lacks a permission wismo needs: instagram_business_basic and "
        "instagram_business_manage_messages (Instagram Login), or instagram_basic, "
        "instagram_manage_messages, pages_manage_metadata and pages_show_list (Facebook Login)."
    ),
    "permission_denied": (
        "Meta says this app may not do that for the account: check the app's permissions and "
        "that the account has a role on the app while the app is not live."
    ),
    "invalid_request": (
        "Meta did not accept the request with this token: check that you picked the right kind "
        "of login (an Instagram Login token for graph.instagram.com, a Page token for Facebook "
        "Login)."
    ),
}


@dataclass(frozen=True, slots=True)
class BusinessLogin:
    """Instagram Business Login's settings: META_APP_ID, where codes are exchanged, and
    WISMO_PUBLIC_URL (the redirect URI is it plus OAUTH_CALLBACK)."""

    app_id: str
    token_url: str
    public_url: str

    @property
    def redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + OAUTH_CALLBACK


def graph_url_for(flavour: Flavour, configured: str) -> str:
    """The Graph host for `flavour`: META_GRAPH_URL when it serves that flavour (a proxy, a
    test double), else Meta's own host."""
    configured = configured.rstrip("/")
    return configured if Flavour.of_host(configured) is flavour else GRAPH_HOSTS[flavour]


def plain_words(exc: SendError) -> str:
    """What went wrong with a token, for a merchant (Meta's code and trace id appended)."""
    if isinstance(exc, SendRetryable) or exc.code is None:
        return f"Meta could not be reached or is busy; try again in a minute ({exc})."
    words = _REFUSED.get(exc.reason)
    if words is None and exc.reason in ACCOUNT_BLOCKED_REASONS:
        words = "Meta refuses to work with this account for now (a restriction on it)."
    return f"{words or 'Meta refused this token.'} ({exc})"


def _connected(done: Connected) -> ConnectOutcome:
    account = done.saved.account
    problem = None
    if done.fields is None:
        problem = (
            f"the webhook subscription failed ({done.subscribe_error}): messages will not "
            "arrive until it is done; run `wismo meta subscribe` or connect again"
        )
    return ConnectOutcome(
        True,
        account_id=account.account_id,
        username=account.username,
        created=done.saved.created,
        fields=done.fields or (),
        subscribe_problem=problem,
    )


class AccountConnector:
    """Connects pasted tokens through tokens.connect, into the store that seals them."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        store: AccountStore,
        *,
        version: str,
        app_secrets: tuple[SecretStr, ...],
        graph_url: str,
        clock: Callable[[], datetime],
        login: BusinessLogin | None = None,
    ) -> None:
        self._http = http
        self._access = MetaAccess(http, version, app_secrets, clock)
        self._store = store
        self._graph_url = graph_url
        self._login = login

    def _refusal(self, token: str, flavour: str) -> str | None:
        """Why the form cannot be tried at all, before asking Meta."""
        if flavour not in {f.value for f in Flavour}:
            return "Pick Instagram Login or Facebook Login."
        if not token:
            return "Paste an access token first."
        if len(token) > MAX_TOKEN_LENGTH or not token.isprintable() or " " in token:
            return "That is not an access token: paste it again."
        if not self._store.seals:
            return _NO_KEY
        return None

    async def connect(self, token: str, flavour: str, *, by: str) -> ConnectOutcome:
        token = token.strip()
        refusal = self._refusal(token, flavour)
        if refusal is not None:
            return ConnectOutcome(False, problem=refusal)
        try:
            done = await connect(
                self._access,
                self._store,
                SecretStr(token),
                graph_url_for(Flavour(flavour), self._graph_url),
            )
        except ConfigurationInvalid as exc:
            return ConnectOutcome(False, problem=f"wismo is not configured for this: {exc}.")
        except SendError as exc:
            log.info("console user %s: token refused (%s)", by, exc)
            return ConnectOutcome(False, problem=plain_words(exc))
        log.info("console user %s connected account %s", by, done.saved.account.account_id)
        return _connected(done)

    def oauth_url(self, state: str) -> str | None:
        if self._login is None:
            return None
        return authorize_url(self._login.app_id, self._login.redirect_uri, state)

    async def connect_code(self, code: str, *, by: str) -> ConnectOutcome:
        if self._login is None:
            return ConnectOutcome(False, problem="Instagram Login is off: META_APP_ID is not set.")
        if not self._store.seals:
            return ConnectOutcome(False, problem=_NO_KEY)
        try:
            token = await exchange_code(
                self._http,
                self._login.token_url,
                app_id=self._login.app_id,
                app_secrets=self._access.app_secrets,
                redirect_uri=self._login.redirect_uri,
                code=code.strip()[:MAX_TOKEN_LENGTH],
            )
        except SendError as exc:
            log.info("console user %s: login code refused (%s)", by, exc)
            return ConnectOutcome(False, problem=plain_words(exc))
        return await self.connect(token.get_secret_value(), Flavour.INSTAGRAM_LOGIN.value, by=by)


__all__ = ["GRAPH_HOSTS", "AccountConnector", "BusinessLogin", "graph_url_for", "plain_words"]
