"""Unsubscribe tokens: a subscription id signed with HMAC-SHA256, safe to put in a link."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

_PURPOSE: Final = b"wismo-unsubscribe:"
_DIGEST_BYTES: Final = 16  # 128 bits: far beyond guessing, and a short link


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(secret: bytes, subscription_id: int) -> bytes:
    message = _PURPOSE + str(subscription_id).encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).digest()[:_DIGEST_BYTES]


def unsubscribe_token(secret: bytes, subscription_id: int) -> str:
    """The token of a subscription's unsubscribe link."""
    return f"{subscription_id}.{_b64(_digest(secret, subscription_id))}"


def verified_subscription(secret: bytes, token: str) -> int | None:
    """The subscription id a token was signed for, or None when it is not one of ours."""
    ident, sep, signature = token.strip().partition(".")
    if not sep or not ident.isdigit() or len(ident) > 18:
        return None
    try:
        given = _unb64(signature)
    except ValueError:
        return None
    subscription_id = int(ident)
    if not hmac.compare_digest(given, _digest(secret, subscription_id)):
        return None
    return subscription_id


__all__ = ["unsubscribe_token", "verified_subscription"]
