"""Connected Instagram accounts as plain frozen values: what the store returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import SecretStr

from bot.instagram.account_api import flavour_of

SHORTCUT_ID = "me"
"""The account id of the one-account shortcut (META_ACCESS_TOKEN) when META_IG_ACCOUNT_ID is
not set: it answers every webhook account id that no other stored account claims."""


class Flavour(StrEnum):
    """Which of Meta's APIs an account is reached through (docs/instagram.md, API flavour and
    settings)."""

    INSTAGRAM_LOGIN = "instagram_login"  # graph.instagram.com, an Instagram User token
    FACEBOOK_LOGIN = "facebook_login"  # graph.facebook.com, a Page token

    @classmethod
    def of_host(cls, graph_url: str) -> Flavour:
        return cls(flavour_of(graph_url))


class TokenKind(StrEnum):
    SHORT_LIVED = "short_lived"  # an Instagram User token of about an hour
    LONG_LIVED = "long_lived"  # an Instagram User token of 60 days, refreshable
    PAGE = "page"  # a Facebook Page token


class AccountStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # connected, but its sends wait (status_reason says why)
    DISCONNECTED = "disconnected"  # its events are stored and flagged, never answered


@dataclass(frozen=True, slots=True)
class Account:
    """A connected account, without its token."""

    account_id: str
    username: str | None
    flavour: Flavour
    graph_url: str
    token_kind: TokenKind
    token_expires_at: datetime | None
    status: AccountStatus
    status_reason: str | None
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def answers(self) -> bool:
        """Whether its buyers are answered (a paused account's replies wait in the outbox)."""
        return self.status is not AccountStatus.DISCONNECTED

    @property
    def path_id(self) -> str:
        """The node in Send API paths: the IG_ID with Instagram Login; `me` (the Page the token
        belongs to) with Facebook Login (docs/instagram.md, API flavour and settings)."""
        return self.account_id if self.flavour is Flavour.INSTAGRAM_LOGIN else "me"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account with its decrypted token (a SecretStr: never shown by repr or logs)."""

    account: Account
    token: SecretStr


@dataclass(frozen=True, slots=True)
class Saved:
    """What storing an account did: created it, replaced its token, or neither."""

    account: Account
    created: bool
    token_replaced: bool


__all__ = [
    "SHORTCUT_ID",
    "Account",
    "AccountStatus",
    "Credentials",
    "Flavour",
    "Saved",
    "TokenKind",
]
