"""What a request sends, read strictly: row ids, days, tokens and search text.

An odd value is refused here with BadInput (the routes answer 400) or read as nothing, so it
never reaches the database: ids beyond a 64-bit integer, days whose neighbours do not exist
(9999-12-31 + 1 day), NUL characters (PostgreSQL refuses them in text) and header values that
are not ASCII (aiohttp hands non-UTF-8 bytes over as lone surrogates, which cannot be encoded).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from conversations.console.errors import BadInput

MAX_ID = 2**63 - 1
# Far enough from date.min and date.max that a period around a day can always be computed.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,19}")


def row_id(text: str) -> int | None:
    """A database id from a path segment; None unless ASCII digits from 1 to 2**63 - 1."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD day, or None when not given. Raises BadInput for anything else."""
    if not value:
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name} is a day written YYYY-MM-DD") from None
    if not FIRST_DAY <= found <= LAST_DAY:
        raise BadInput(f"{name} is a day from {FIRST_DAY} to {LAST_DAY}")
    return found


def instant_in_range(at: datetime) -> bool:
    """Whether a time (from a cursor) lies within the days this console can ask about."""
    try:
        return FIRST_DAY <= at.astimezone(UTC).date() <= LAST_DAY
    except OverflowError:
        return False


def plain_text(value: str | None, limit: int) -> str | None:
    """Search text without control characters (NUL included), trimmed, at most `limit`."""
    cleaned = _CONTROL.sub("", value or "").strip()[:limit]
    return cleaned or None


def ascii_token(value: str | None) -> str | None:
    """A cookie or header token, or None when it is not printable ASCII (tokens wismo issues
    always are; anything else cannot be one of them)."""
    if value is None or not value.isascii() or not value.isprintable():
        return None
    return value


__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_ID",
    "ascii_token",
    "day",
    "instant_in_range",
    "plain_text",
    "row_id",
]
