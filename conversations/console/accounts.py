"""The connected accounts as the console shows them: one row each, and the banners they raise.

A banner stands on every console page while an account the user may see is paused, silent
(no webhook delivery for longer than its usual quiet), or holds a token that expires within
TOKEN_WARNING. The words for merchants live here; the rules that decide pausing and silence
live in the bot (they arrive through `ConsolePorts.accounts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.console.ports import AccountHealth

TOKEN_WARNING = timedelta(days=7)

SILENCE_CAUSES = (
    "The access token expired or was revoked (a password change, or the app removed from the "
    "account's settings).",
    "The app's webhook subscription for the account was lost: subscribe it again.",
    "The Meta app is not live, or has no Advanced Access to instagram_manage_messages: only "
    "people with a role on the app reach it.",
    'The account\'s "Connected tools" switch (Settings › Messages › Allow access to messages) '
    "is off.",
    "This server's public URL is unreachable from Meta (DNS, TLS certificate, firewall or "
    "proxy), so Meta's deliveries fail.",
)
"""Why Meta would stop delivering an account's webhooks, most likely first."""

FLAVOURS = {"instagram_login": "Instagram Login", "facebook_login": "Facebook Login (Page)"}


@dataclass(frozen=True, slots=True)
class AccountAlert:
    """One banner: what is wrong with which account, how bad, and what to look at."""

    account_id: str
    severity: str  # "bad" or "warn"
    title: str
    detail: str
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One line of the accounts page."""

    health: AccountHealth
    name: str  # "@username" or the account id
    flavour: str
    days_left: int | None  # whole days until the token expires (negative: expired)
    alerts: tuple[AccountAlert, ...]


def name_of(account: AccountHealth) -> str:
    return f"@{account.username}" if account.username else f"account {account.account_id}"


def days_left(expires_at: datetime | None, now: datetime) -> int | None:
    if expires_at is None:
        return None
    return (expires_at - now) // timedelta(days=1)


def _hours(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"


def _paused(account: AccountHealth) -> AccountAlert:
    reason = account.status_reason or account.last_error or "an account-level error"
    return AccountAlert(
        account.account_id,
        "bad",
        f"Instagram account {name_of(account)} is paused",
        f"Its replies wait and go out once it works again. Reason: {reason}.",
    )


def _silent(account: AccountHealth, quiet: timedelta) -> AccountAlert:
    usual = account.usual_quiet
    return AccountAlert(
        account.account_id,
        "bad",
        f"No webhook delivery for {name_of(account)} for {_hours(quiet)}",
        "Meta has sent nothing for this account for longer than usual"
        + (f" (its usual quiet is at most {_hours(usual)})" if usual else "")
        + ": buyers' messages may not be reaching wismo.",
        SILENCE_CAUSES,
    )


def _token(account: AccountHealth, expires_at: datetime, now: datetime) -> AccountAlert | None:
    left = expires_at - now
    if left > TOKEN_WARNING:
        return None
    when = expires_at.strftime("%Y-%m-%d")
    if left <= timedelta(0):
        return AccountAlert(
            account.account_id,
            "bad",
            f"The access token of {name_of(account)} expired on {when}",
            "Nothing can be sent as this account until a new token is connected.",
        )
    days = left // timedelta(days=1)
    return AccountAlert(
        account.account_id,
        "warn",
        f"The access token of {name_of(account)} expires in "
        + ("less than a day" if days < 1 else f"{days} day{'s' if days != 1 else ''}")
        + f" ({when})",
        "Refresh it or connect a new token before then, or replies stop.",
    )


def alerts_of(account: AccountHealth, now: datetime) -> tuple[AccountAlert, ...]:
    """The banners one account raises (a disconnected account raises none: it is not
    answered on purpose)."""
    if account.status == "disconnected":
        return ()
    found: list[AccountAlert] = []
    if account.status == "paused":
        found.append(_paused(account))
    if account.silent_for is not None:
        found.append(_silent(account, account.silent_for))
    if account.token_expires_at is not None:
        token = _token(account, account.token_expires_at, now)
        if token is not None:
            found.append(token)
    return tuple(found)


def rows_of(accounts: Sequence[AccountHealth], now: datetime) -> list[AccountRow]:
    return [
        AccountRow(
            health=account,
            name=name_of(account),
            flavour=FLAVOURS.get(account.flavour, account.flavour),
            days_left=days_left(account.token_expires_at, now),
            alerts=alerts_of(account, now),
        )
        for account in accounts
    ]


def banners(accounts: Sequence[AccountHealth], now: datetime) -> list[AccountAlert]:
    """Every banner the accounts raise, the worst first."""
    found = [alert for account in accounts for alert in alerts_of(account, now)]
    return sorted(found, key=lambda alert: alert.severity != "bad")


__all__ = [
    "FLAVOURS",
    "SILENCE_CAUSES",
    "TOKEN_WARNING",
    "AccountAlert",
    "AccountRow",
    "alerts_of",
    "banners",
    "days_left",
    "rows_of",
]
