"""The errors of the SMS channel.

SmsError
├── PhoneInvalid          a number phonenumbers cannot read or says is not valid
└── ProviderError         a provider call that did not create the message
    ├── ProviderUnavailable   429, 5xx, timeouts, connection errors: try again later
    ├── RecipientRefused      the provider refused this recipient for good (`code`):
    │                         21610 unsubscribed, 21211 invalid number, …
    └── ProviderRejected      our request or our account was refused (auth, sender, …)
"""

from __future__ import annotations


class SmsError(Exception):
    """Root of the SMS channel's errors."""


class PhoneInvalid(SmsError):
    """Not a phone number a text can be sent to."""


class ProviderError(SmsError):
    """A provider call that did not create the message. `code` is the provider's error code."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class ProviderUnavailable(ProviderError):
    """Throttled (429) or failing (5xx, timeout, connection): the message may be sent later.

    `retry_after` is the provider's hint in seconds, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after


class OutcomeUnknown(ProviderError):
    """The request went out but no answer came back (a read timeout, a dropped connection):
    the provider may have taken the text, so it is never sent again."""


class RecipientRefused(ProviderError):
    """The provider will not text this recipient (unsubscribed, invalid, not a mobile, …)."""


class ProviderRejected(ProviderError):
    """The request itself was refused (credentials, sender, account): an operator must act."""


__all__ = [
    "OutcomeUnknown",
    "PhoneInvalid",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "RecipientRefused",
    "SmsError",
]
