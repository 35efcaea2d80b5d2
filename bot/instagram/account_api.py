"""AccountApiClient: the Graph API calls that connect, check and keep alive one Instagram account.

Both flavours (docs/instagram.md, Connecting an account): Instagram Login (`graph.instagram.com`,
an Instagram User token) and Facebook Login (`graph.facebook.com`, a Page token). One client per
token; every call is one HTTP request through the injected httpx client and is never retried
here. Failures raise the errors of bot/errors.py, classified like the Send API's
(bot/instagram/graph_errors.py): SendRetryable (network, throttling, 5xx: try later) or
SendFinal (never as it stands). `reason` and `scope` say what happened: "token_invalid" (190),
"messaging_disabled_by_owner" (200/2534041, the Connected tools switch), "permission_denied" /
"permission_missing" (10, 200-299), "policy_blocked" (368), "account_restricted" (10/1893063);
`scope == "account"` means the whole account needs the merchant. Nothing here can have an
ambiguous outcome: every call can simply be made again.

The token travels in the `Authorization: Bearer` header, except where Meta's token endpoints
take it as a parameter (exchange, refresh, debug); those URLs are never logged and their
transport errors are raised without the httpx exception attached. The token appears in no
error, log line or repr.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from bot.errors import SendAmbiguous, SendError, SendFinal, SendRetryable
from bot.instagram.graph_answer import GraphAnswer
from bot.instagram.graph_errors import classify_error, classify_transport_error

logger = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)

GraphFlavour = Literal["instagram_login", "facebook_login"]
"""Which of Meta's APIs a token belongs to; the values match bot.accounts.Flavour's."""

WEBHOOK_FIELDS: tuple[str, ...] = (
    "messages",
    "messaging_postbacks",
    "messaging_seen",
    "message_reactions",
    "messaging_referral",
    "message_edit",
)
"""The fields an Instagram-Login account is subscribed to (README, Running for real)."""

PAGE_FIELDS: tuple[str, ...] = ("messages",)
"""What a Facebook-Login Page is subscribed to: Instagram's own fields are set on the app's
Instagram object in the App Dashboard and are refused on the Page edge (docs/instagram.md,
Connecting an account)."""

REQUIRED_PERMISSIONS: Mapping[GraphFlavour, tuple[str, ...]] = {
    "instagram_login": ("instagram_business_basic", "instagram_business_manage_messages"),
    "facebook_login": (
        "instagram_basic",
        "instagram_manage_messages",
        "pages_manage_metadata",
        "pages_show_list",
    ),
}
"""The permissions wismo needs per flavour (docs/instagram.md, Connecting an account)."""

LONG_LIVED_LIFETIME = timedelta(days=60)
"""How long a long-lived Instagram User token lasts, from its exchange or last refresh."""

REFRESH_MIN_AGE = timedelta(hours=24)
"""A long-lived Instagram User token can be refreshed only once it is at least this old."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def flavour_of(graph_url: str) -> GraphFlavour:
    """The flavour a Graph host serves: `graph.facebook.com` is Facebook Login, else Instagram."""
    host = urlsplit(graph_url).hostname or ""
    return "facebook_login" if host.endswith("facebook.com") else "instagram_login"


def appsecret_proof(token: SecretStr, app_secret: SecretStr) -> str:
    """The `appsecret_proof` parameter: HMAC-SHA256 of the token keyed by the app secret, hex."""
    key = app_secret.get_secret_value().encode()
    return hmac.new(key, token.get_secret_value().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """Who a token belongs to.

    `account_id` is the Instagram account id webhooks carry as `entry.id` (Instagram Login's
    `user_id`, not `/me?fields=id`; Facebook Login's `instagram_business_account.id`).
    `page_id` and `page_name` are set with Facebook Login only.
    """

    account_id: str
    username: str | None
    page_id: str | None = None
    page_name: str | None = None


@dataclass(frozen=True, slots=True)
class LongLivedToken:
    """A token from an exchange or a refresh; `expires_at` None means it does not expire.

    `token` is a SecretStr: its repr and str show asterisks only.
    """

    token: SecretStr
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """The webhook fields the account (or Page) has this app subscribed to; empty when none."""

    fields: frozenset[str]

    @property
    def subscribed(self) -> bool:
        return bool(self.fields)

    def missing(self, wanted: tuple[str, ...] = WEBHOOK_FIELDS) -> tuple[str, ...]:
        """The fields of `wanted` not subscribed, in `wanted`'s order."""
        return tuple(name for name in wanted if name not in self.fields)


@dataclass(frozen=True, slots=True)
class Permissions:
    """The permissions granted to (and declined by) the person who issued the token."""

    granted: frozenset[str]
    declined: frozenset[str] = frozenset()

    def missing(self, required: tuple[str, ...]) -> tuple[str, ...]:
        """The permissions of `required` not granted, in `required`'s order."""
        return tuple(name for name in required if name not in self.granted)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What `debug_token` says of a token (Facebook Login).

    `expires_at` None means it never expires (Meta writes 0); `kind` is Meta's type ("PAGE",
    "USER", …). When `valid` is false, `error_code`/`error_subcode` say why (190/463: expired).
    """

    valid: bool
    kind: str | None
    app_id: str | None
    expires_at: datetime | None
    data_access_expires_at: datetime | None
    scopes: frozenset[str]
    error_code: int | None = None
    error_subcode: int | None = None


@dataclass(frozen=True, slots=True)
class PageAccount:
    """A Page a Facebook user token manages, with its Page token and linked Instagram account
    (None when the Page has none)."""

    page_id: str
    name: str | None
    token: SecretStr
    instagram: TokenOwner | None


# The account calls (connecting, checks, token refreshes) happen a few times a day at most, and
# not at all on a service whose accounts need none: their answers' validators are built at
# first use (defer_build), not by every service at import.
class _AccountAnswer(GraphAnswer):
    model_config = ConfigDict(defer_build=True)


class _IgMe(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)

    user_id: str = Field(min_length=1)
    username: str | None = None


class _IgAccount(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)

    id: str = Field(min_length=1)
    username: str | None = None


class _PageMe(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)

    id: str = Field(min_length=1)
    name: str | None = None
    instagram_business_account: _IgAccount | None = None


class _Page(_PageMe):
    access_token: SecretStr


class _Pages(_AccountAnswer):
    data: list[_Page] = Field(default_factory=list)


class _TokenAnswer(_AccountAnswer):
    access_token: SecretStr
    expires_in: int | None = Field(default=None, ge=0)


class _SubscribedApp(_AccountAnswer):
    subscribed_fields: list[str] = Field(default_factory=list)


class _SubscribedApps(_AccountAnswer):
    data: list[_SubscribedApp] = Field(default_factory=list)


class _Success(_AccountAnswer):
    success: bool


class _Permission(_AccountAnswer):
    permission: str
    status: str


class _PermissionList(_AccountAnswer):
    data: list[_Permission] = Field(default_factory=list)


class _DebugError(_AccountAnswer):
    code: int | None = None
    subcode: int | None = None


class _DebugData(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)

    is_valid: bool
    type: str | None = None
    app_id: str | None = None
    expires_at: int | None = None
    data_access_expires_at: int | None = None
    scopes: list[str] = Field(default_factory=list)
    error: _DebugError | None = None


class _Debug(_AccountAnswer):
    data: _DebugData


class _Conversations(_AccountAnswer):
    data: list[dict[str, object]] = Field(default_factory=list)


class AccountApiClient:
    """Graph API calls for managing one connected account, in either flavour.

    `http` is the process's shared httpx client. `graph_url` and `version` are the settings
    (META_GRAPH_URL, META_GRAPH_VERSION); `flavour` defaults to the host's (`flavour_of`).
    `account_id` is the node in paths: the IG_ID (webhooks' `entry.id`) or "me" with
    Instagram Login, the Page ID or "me" with Facebook Login. `app_secret` is the Instagram app
    secret (Instagram Login) or the Meta app secret (Facebook Login): needed to exchange
    tokens, and with Facebook Login added as `appsecret_proof` to every call. `app_id` is
    needed by Facebook Login's exchange and `debug_token`. `clock` turns `expires_in` into
    `expires_at`.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        graph_url: str,
        version: str,
        access_token: SecretStr,
        account_id: str = "me",
        flavour: GraphFlavour | None = None,
        app_id: str | None = None,
        app_secret: SecretStr | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._http = http
        self._host = graph_url.rstrip("/")
        self._base = f"{self._host}/{quote(version, safe='')}"
        self._account_id = account_id
        self._token = access_token
        self.flavour: GraphFlavour = flavour or flavour_of(graph_url)
        self._app_id = app_id
        self._app_secret = app_secret
        self._clock = clock

    def __repr__(self) -> str:
        return f"AccountApiClient({self._base!r}, {self.flavour}, account_id={self._account_id!r})"

    @property
    def required_permissions(self) -> tuple[str, ...]:
        """The permissions wismo needs in this client's flavour."""
        return REQUIRED_PERMISSIONS[self.flavour]

    @property
    def _node(self) -> str:
        return f"{self._base}/{quote(self._account_id, safe='')}"

    # -- who and what ----------------------------------------------------------------------

    async def owner(self) -> TokenOwner:
        """Who the token belongs to: the account id webhooks carry, and the username.

        Instagram Login: `GET /me?fields=user_id,username`. Facebook Login: `GET /me` with the
        Page's id and name and its `instagram_business_account{id,username}`; a Page without a
        linked Instagram account raises SendFinal("page_not_linked", scope "account"). A bad
        or expired token raises SendFinal("token_invalid").
        """
        if self.flavour == "instagram_login":
            me = await self._get(
                f"{self._base}/me", {"fields": "user_id,username"}, _IgMe, what="owner"
            )
            return TokenOwner(account_id=me.user_id, username=me.username or None)
        fields = "id,name,instagram_business_account{id,username}"
        page = await self._get(f"{self._base}/me", {"fields": fields}, _PageMe, what="owner")
        if page.instagram_business_account is None:
            raise SendFinal(None, None, "page_not_linked", scope="account")
        linked = page.instagram_business_account
        return TokenOwner(linked.id, linked.username or None, page.id, page.name or None)

    async def pages(self) -> list[PageAccount]:
        """Facebook Login, with a user token: the Pages it manages (`GET /me/accounts`), each
        with its Page token and linked Instagram account. Raises ValueError with Instagram
        Login, and SendRetryable/SendFinal on Graph failures."""
        self._require("facebook_login", "pages")
        fields = "id,name,access_token,instagram_business_account{id,username}"
        found = await self._get(
            f"{self._base}/me/accounts", {"fields": fields}, _Pages, what="pages"
        )
        return [
            PageAccount(
                page.id,
                page.name or None,
                page.access_token,
                None
                if page.instagram_business_account is None
                else TokenOwner(
                    page.instagram_business_account.id,
                    page.instagram_business_account.username or None,
                    page.id,
                    page.name or None,
                ),
            )
            for page in found.data
        ]

    # -- token lifetime --------------------------------------------------------------------

    async def exchange_token(self) -> LongLivedToken:
        """Exchange this client's short-lived token for a long-lived one.

        Instagram Login: `GET /access_token?grant_type=ig_exchange_token` with the Instagram app
        secret; the answer lasts 60 days. Facebook Login: `GET /oauth/access_token?grant_type=
        fb_exchange_token` with the app id and secret, for a user token (Page tokens read with a
        long-lived user token do not expire). Raises ValueError without the app secret (or app
        id), SendFinal("token_invalid") for a bad or expired token, SendRetryable when it may
        work later. The old token is not revoked.
        """
        secret = self._need_secret("exchange_token")
        if self.flavour == "instagram_login":
            url = f"{self._host}/access_token"
            params = {
                "grant_type": "ig_exchange_token",
                "client_secret": secret,
                "access_token": self._token.get_secret_value(),
            }
        else:
            if self._app_id is None:
                raise ValueError("exchange_token with Facebook Login needs the app id")
            url = f"{self._base}/oauth/access_token"
            params = {
                "grant_type": "fb_exchange_token",
                "client_id": self._app_id,
                "client_secret": secret,
                "fb_exchange_token": self._token.get_secret_value(),
            }
        return await self._token_call(url, params, what="exchange_token")

    async def refresh_token(self) -> LongLivedToken:
        """Instagram Login: refresh this long-lived token for another 60 days
        (`GET /refresh_access_token?grant_type=ig_refresh_token`).

        Meta refuses a token younger than REFRESH_MIN_AGE (24 h) or already expired: check the
        age first (`refresh_allowed`). Raises ValueError with Facebook Login (use
        `exchange_token`), SendFinal when Meta refuses, SendRetryable when it may work later.
        """
        self._require("instagram_login", "refresh_token")
        params = {
            "grant_type": "ig_refresh_token",
            "access_token": self._token.get_secret_value(),
        }
        return await self._token_call(
            f"{self._host}/refresh_access_token", params, what="refresh_token"
        )

    def refresh_allowed(self, issued_at: datetime) -> bool:
        """Whether a token obtained (or last refreshed) at `issued_at` is old enough to refresh."""
        return self._clock() - issued_at >= REFRESH_MIN_AGE

    async def debug_token(self) -> TokenInfo:
        """Facebook Login: what `GET /debug_token` says of this token: validity, kind, expiry
        and scopes.

        Called with the app token (`app_id|app_secret`) when both are configured, else with the
        token itself. An invalid or expired token is a TokenInfo with `valid` False, not an
        error. Raises ValueError with Instagram Login, SendFinal/SendRetryable when Graph
        refuses the call itself.
        """
        self._require("facebook_login", "debug_token")
        caller = self._token
        if self._app_id is not None and self._app_secret is not None:
            caller = SecretStr(f"{self._app_id}|{self._app_secret.get_secret_value()}")
        found = await self._get(
            f"{self._base}/debug_token",
            {"input_token": self._token.get_secret_value()},
            _Debug,
            what="debug_token",
            token=caller,
            hide_url=True,
        )
        data = found.data
        return TokenInfo(
            valid=data.is_valid,
            kind=data.type,
            app_id=data.app_id,
            expires_at=_from_unix(data.expires_at),
            data_access_expires_at=_from_unix(data.data_access_expires_at),
            scopes=frozenset(data.scopes),
            error_code=data.error.code if data.error else None,
            error_subcode=data.error.subcode if data.error else None,
        )

    async def permissions(self) -> Permissions:
        """Facebook Login: the permissions granted and declined (`GET /me/permissions`).

        Instagram Login documents no such read: raises ValueError there (probe with
        `conversations_probe` instead, which needs the messaging permission). Raises
        SendFinal/SendRetryable on Graph failures.
        """
        self._require("facebook_login", "permissions")
        found = await self._get(
            f"{self._base}/me/permissions", {}, _PermissionList, what="permissions"
        )
        granted = frozenset(p.permission for p in found.data if p.status == "granted")
        declined = frozenset(p.permission for p in found.data if p.status != "granted")
        return Permissions(granted, declined)

    # -- webhooks and health ---------------------------------------------------------------

    def default_fields(self) -> tuple[str, ...]:
        """The fields `subscribe` uses by default in this flavour."""
        return WEBHOOK_FIELDS if self.flavour == "instagram_login" else PAGE_FIELDS

    async def subscribe(self, fields: tuple[str, ...] | None = None) -> None:
        """Subscribe the account (Instagram Login) or the Page (Facebook Login) to this app's
        webhooks: `POST /{node}/subscribed_apps?subscribed_fields=…` (default_fields()).

        Idempotent: subscribing again replaces the field list. Raises SendFinal when Graph
        refuses (bad token, missing permission, a field the edge does not know), SendRetryable
        when it may work later.
        """
        wanted = ",".join(fields or self.default_fields())
        answer = await self._request(
            "POST",
            f"{self._node}/subscribed_apps",
            {"subscribed_fields": wanted},
            what="subscribe",
            token=self._token,
        )
        result = _parse(answer, _Success, what="subscribe")
        if not result.success:
            raise SendFinal(None, None, "subscribe_refused", scope="account")

    async def subscriptions(self) -> Subscriptions:
        """The fields this app is subscribed to (`GET /{node}/subscribed_apps`); empty when the
        account is not subscribed (Meta unsubscribes it after an hour of failed deliveries).
        Raises SendFinal/SendRetryable on Graph failures."""
        found = await self._get(
            f"{self._node}/subscribed_apps", {}, _SubscribedApps, what="subscriptions"
        )
        return Subscriptions(
            frozenset(name for app in found.data for name in app.subscribed_fields)
        )

    async def conversations_probe(self) -> int:
        """Read the newest conversations (`GET /{node}/conversations?platform=instagram`) as a
        health probe; returns how many the first page holds.

        It needs the messaging permission and the Connected tools switch: raises
        SendFinal("messaging_disabled_by_owner") when that is off, SendFinal with a permission
        reason when the permission is missing, SendRetryable when it may work later. The
        Conversations API allows 2 calls/s per account.
        """
        found = await self._get(
            f"{self._node}/conversations",
            {"platform": "instagram", "limit": "1"},
            _Conversations,
            what="conversations_probe",
        )
        return len(found.data)

    # -- plumbing --------------------------------------------------------------------------

    def _require(self, flavour: GraphFlavour, call: str) -> None:
        if self.flavour != flavour:
            raise ValueError(f"{call} is not available with {self.flavour}")

    def _need_secret(self, call: str) -> str:
        if self._app_secret is None:
            raise ValueError(f"{call} needs the app secret")
        return self._app_secret.get_secret_value()

    async def _token_call(
        self, url: str, params: Mapping[str, str], *, what: str
    ) -> LongLivedToken:
        answer = await self._request("GET", url, params, what=what, token=None, hide_url=True)
        found = _parse(answer, _TokenAnswer, what=what)
        expires_at = (
            None
            if found.expires_in is None or found.expires_in == 0
            else self._clock() + timedelta(seconds=found.expires_in)
        )
        return LongLivedToken(found.access_token, expires_at)

    async def _get(
        self,
        url: str,
        params: Mapping[str, str],
        model: type[_Model],
        *,
        what: str,
        token: SecretStr | None = None,
        hide_url: bool = False,
    ) -> _Model:
        answer = await self._request(
            "GET", url, params, what=what, token=token or self._token, hide_url=hide_url
        )
        return _parse(answer, model, what=what)

    async def _request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str],
        *,
        what: str,
        token: SecretStr | None,
        hide_url: bool = False,
    ) -> httpx.Response:
        """One Graph call with `token` in the Authorization header; None sends none (the token
        endpoints take their credentials as parameters). `hide_url` drops the httpx exception
        from the raised error because that URL carries a secret."""
        query = dict(params)
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
            if self.flavour == "facebook_login" and self._app_secret is not None:
                query["appsecret_proof"] = appsecret_proof(token, self._app_secret)
        try:
            response = await self._http.request(method, url, params=query, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = _as_read_error(classify_transport_error(exc))
            logger.warning("Graph API %s failed: %s (%s)", what, error, type(exc).__name__)
            if hide_url:
                raise error from None
            raise error from exc
        if response.is_success and _is_json_object(response):
            return response
        error = _as_read_error(
            classify_error(
                response.status_code,
                response.content,
                headers=response.headers,
                now=self._clock(),
            )
        )
        logger.warning("Graph API %s failed: %s", what, error)
        raise error


def _parse(response: httpx.Response, model: type[_Model], *, what: str) -> _Model:
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        error = SendRetryable(None, None, "malformed_response", http_status=response.status_code)
        logger.warning("Graph API %s failed: %s", what, error)
        # The validation error could quote a token from the answer: it is not attached.
        raise error from None


def _as_read_error(error: SendError) -> SendError:
    """These calls have no side effect to be unsure about: an ambiguous outcome is retryable."""
    if not isinstance(error, SendAmbiguous):
        return error
    return SendRetryable(
        error.code,
        error.subcode,
        error.reason,
        http_status=error.http_status,
        fbtrace_id=error.fbtrace_id,
        scope=error.scope,
    )


def _is_json_object(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "error" not in body


def _from_unix(seconds: int | None) -> datetime | None:
    return None if not seconds else datetime.fromtimestamp(seconds, UTC)


__all__ = [
    "LONG_LIVED_LIFETIME",
    "PAGE_FIELDS",
    "REFRESH_MIN_AGE",
    "REQUIRED_PERMISSIONS",
    "WEBHOOK_FIELDS",
    "AccountApiClient",
    "GraphFlavour",
    "LongLivedToken",
    "PageAccount",
    "Permissions",
    "Subscriptions",
    "TokenInfo",
    "TokenOwner",
    "appsecret_proof",
    "flavour_of",
]
