"""Errors raised by the bot package.

BotError
├── ConfigurationInvalid     a setting is missing or malformed
├── DatabaseNotMigrated      the schema is behind the code's migrations
├── DatabaseUnusable         the database cannot be reached or written (down, read-only, full)
├── AccountError             a connected Instagram account cannot be used as stored
│   └── TokenUnreadable      a stored token does not decrypt with WISMO_SECRET_KEY
└── SendError                the Send API refused or could not be reached
    ├── SendRetryable        not delivered; worth retrying later (network, 5xx, throttling)
    ├── SendFinal            not delivered; never retried as it stands (window closed, …)
    │   └── SendAccountBlocked   the account cannot send at all (bad token, messaging turned
    │                            off, blocked): hold the message, pause the account's sends
    └── SendAmbiguous        may have been delivered (timeout after sending, 1/1357046):
                             reconcile against the echo before any resend
"""

from __future__ import annotations

from typing import Literal

SendScope = Literal["message", "recipient", "account"]
"""How far a Send API failure reaches: this message only, every send to this buyer, or every
send from this Instagram account (bad token, missing permission, throttling)."""


class BotError(Exception):
    """Root of every error the bot package raises."""


class ConfigurationInvalid(BotError):
    """A setting is missing or malformed; the message names it in one line."""


class DatabaseNotMigrated(BotError):
    """The database schema is missing or older than this code expects."""


class DatabaseUnusable(BotError):
    """The database cannot be reached or written now (down, read-only files, a full disk): a
    service that starts anyway would acknowledge nothing; the message says so in one line."""


class AccountError(BotError):
    """A connected Instagram account (bot/accounts) cannot be used as it is stored."""


class TokenUnreadable(AccountError):
    """A stored access token does not decrypt with WISMO_SECRET_KEY (another key encrypted it,
    or the row was altered); the message names the account, never the token."""


class SendError(BotError):
    """The Send API refused a request or could not be reached.

    Every attribute is safe to log: the access token, the message text and the buyer's ID are
    never part of an error. `reason` is a short, stable slug ("window_closed", "token_invalid",
    "rate_limited", …) to record and to map to words for the merchant; `code` and `subcode` are
    Meta's `code` and `error_subcode` (None for network failures); `fbtrace_id` is what Meta
    support asks for.
    """

    def __init__(
        self,
        code: int | None,
        subcode: int | None,
        reason: str,
        *,
        http_status: int | None = None,
        fbtrace_id: str | None = None,
        scope: SendScope = "message",
    ) -> None:
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id
        self.scope: SendScope = scope
        super().__init__(self._describe())

    def _describe(self) -> str:
        details = []
        if self.code is not None:
            details.append(f"code {self.code}" + (f"/{self.subcode}" if self.subcode else ""))
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        if self.fbtrace_id:
            details.append(f"fbtrace_id {self.fbtrace_id}")
        return f"{self.reason} ({', '.join(details)})" if details else self.reason


class SendRetryable(SendError):
    """The message was not delivered, and sending it again later may work.

    `retry_after` is the wait in seconds Meta asked for (Retry-After, or the usage header's
    estimated_time_to_regain_access), or None when it did not say; back off anyway.
    """

    def __init__(
        self,
        code: int | None,
        subcode: int | None,
        reason: str,
        retry_after: float | None = None,
        *,
        http_status: int | None = None,
        fbtrace_id: str | None = None,
        scope: SendScope = "message",
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            code, subcode, reason, http_status=http_status, fbtrace_id=fbtrace_id, scope=scope
        )

    def _describe(self) -> str:
        described = super()._describe()
        if self.retry_after is None:
            return described
        return f"{described}, retry after {self.retry_after:g} s"


class SendFinal(SendError):
    """The message was not delivered and never will be as it stands: do not retry it."""


class SendAccountBlocked(SendFinal):
    """No message from this Instagram account goes through until the account is fixed (token
    invalid or expired, the owner turned messaging off, blocked or restricted by Meta).

    Final for this try and never retried as such, but the message is not at fault: the sender
    holds it with `reason` and pauses the account's sends until a new token is connected or a
    probe send goes through (docs/instagram.md, Error codes: "account").
    """


class SendAmbiguous(SendError):
    """The message may have reached the buyer although the call failed.

    Resending blindly could send it twice: wait for its echo (or look it up with
    SendApiClient.recent_messages) and resend only when it is not there.
    """
