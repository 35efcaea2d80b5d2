"""X-Hub-Signature-256: checking Meta's signature over a webhook body, and signing one."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE_PREFIX = "sha256="


def signature_valid(raw: bytes, header: str | None, secrets: Sequence[bytes]) -> bool:
    """Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of the raw body under any secret.

    The HMAC is over the raw bytes as received, never a re-serialisation, and every secret is
    compared in constant time so timing reveals neither which secret nor how much matched.
    """
    if not header or not header.startswith(_SIGNATURE_PREFIX):
        return False
    try:
        given = header.removeprefix(_SIGNATURE_PREFIX).strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    digests = [hmac.new(secret, raw, hashlib.sha256).hexdigest().encode() for secret in secrets]
    matches = [hmac.compare_digest(digest, given) for digest in digests]
    return any(matches)


def sign(raw: bytes, secret: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta would send for `raw` (demo, tests, benchmarks)."""
    return _SIGNATURE_PREFIX + hmac.new(secret, raw, hashlib.sha256).hexdigest()


__all__ = ["SIGNATURE_HEADER", "sign", "signature_valid"]
