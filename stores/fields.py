"""Normalising what stores and buyers write: order and tracking numbers, usernames, contact fields.

Every function is pure and total: it returns None (or a neutral value) for text it cannot use,
so callers decide whether that is a bad row, an unsupported proof or simply nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, tzinfo

from stores.models import FulfillmentStatus

# Spreadsheet exports write these for "no value"; treating them as blank avoids bogus proofs.
BLANK_MARKERS = frozenset({"", "-", "--", "—", "n/a", "na", "none", "null", "nil", "#n/a"})

_WHITESPACE = re.compile(r"\s+")
# Dashes, dots, slashes and underscores people put inside tracking numbers ("1Z 999-AA1 …").
_TRACKING_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe63\uff0d_./]+")
_TRACKING_NUMBER = re.compile(r"[A-Z0-9]{6,40}")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?E\+?\d+")
_ORDER_NUMBER = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")
_CARRIER_HINT = re.compile(r"[a-z0-9][a-z0-9&.+-]{0,39}")
_CARRIER_SPACES = re.compile(r"[\s_]+")
_INSTAGRAM_URL = re.compile(r"^(?:https?://)?(?:www\.|m\.)?(?:instagram\.com|instagr\.am)/", re.I)
_INSTAGRAM_USERNAME = re.compile(r"[a-z0-9._]{1,30}")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE_EXTENSION = re.compile(r"(?:ext\.?|extension|x|#|分机|轉|转)\s*\d+\s*$", re.I)
_PHONE_CHARACTERS = re.compile(r"[\d\s+\-().\/]+")
_POSTAL_CODE = re.compile(r"[A-Z0-9]{2,10}")
_POSTAL_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe63\uff0d]+")


def is_blank(value: str | None) -> bool:
    """Empty, whitespace or a spreadsheet's "no value" marker such as N/A."""
    return value is None or value.strip().casefold() in BLANK_MARKERS


def ascii_digits(text: str) -> str:
    """Any Unicode decimal digit (full-width, Arabic-Indic, …) as its ASCII digit."""
    if text.isascii():
        return text
    return "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char
        for char in text
    )


def _fold(text: str) -> str:
    if text.isascii():  # NFKC leaves ASCII unchanged; most cells are ASCII
        return text.strip()
    return ascii_digits(unicodedata.normalize("NFKC", text)).strip()


def order_number_key(value: str) -> str | None:
    """'#1042', ' 1042 ', '＃１０４２' → '1042'; 'so-1042' → 'SO-1042'. None if nothing usable."""
    text = _WHITESPACE.sub("", _fold(value)).lstrip("#").upper()
    return text if _ORDER_NUMBER.fullmatch(text) else None


def tracking_number_key(value: str) -> str | None:
    """Upper case with spaces and separators removed; None unless 6–40 letters and digits."""
    text = _TRACKING_SEPARATORS.sub("", _fold(value)).upper()
    return text if _TRACKING_NUMBER.fullmatch(text) else None


def looks_like_spreadsheet_number(value: str) -> bool:
    """'9.40011E+21': a long number a spreadsheet turned into scientific notation (digits lost)."""
    return bool(_SCIENTIFIC.fullmatch(_fold(value).upper()))


def carrier_hint(value: str) -> str | None:
    """'China Post' → 'china-post', 'USPS' → 'usps'; None for anything that is not a name."""
    text = _CARRIER_SPACES.sub("-", _fold(value).lower()).strip("-")
    return text if _CARRIER_HINT.fullmatch(text) else None


def instagram_username(value: str) -> str | None:
    """'@Jane.Doe', 'instagram.com/jane.doe/' → 'jane.doe'; None unless a valid username."""
    text = _INSTAGRAM_URL.sub("", _fold(value))
    text = text.split("?", 1)[0].strip("/").lstrip("@").lower()
    return text if _INSTAGRAM_USERNAME.fullmatch(text) else None


def email_address(value: str) -> str | None:
    """Trimmed and lower-cased; None unless it looks like one address (local@domain.tld).

    The local part is kept exactly (dots and +tags included): Gmail ignores dots, other
    providers do not, and a proof must not accept an address the buyer does not own.
    """
    text = _fold(value).lower()
    return text if _EMAIL.fullmatch(text) else None


def phone_digits(value: str) -> str:
    """The ASCII digits of a phone number, without an extension ('… ext 12', '… 转 8')."""
    text = _PHONE_EXTENSION.sub("", _fold(value))
    return "".join(char for char in text if char.isascii() and char.isdigit())


def phone_number(value: str) -> str | None:
    """Trimmed; None unless it is written with phone characters and has at least 4 digits."""
    text = _fold(value)
    bare = _PHONE_EXTENSION.sub("", text).strip()
    if not _PHONE_CHARACTERS.fullmatch(bare) or len(phone_digits(bare)) < 4:
        return None
    return text


def phone_last4(value: str | None) -> str | None:
    """The last four digits of a phone number, when it has at least four."""
    if value is None:
        return None
    digits = phone_digits(value)
    return digits[-4:] if len(digits) >= 4 else None


def postal_code_key(value: str) -> str | None:
    """'sw1a 1aa' → 'SW1A1AA', '94105-1234' → '941051234'; None unless 2–10 letters/digits."""
    text = _POSTAL_SEPARATORS.sub("", _fold(value)).upper()
    return text if _POSTAL_CODE.fullmatch(text) else None


def postal_code(value: str) -> str | None:
    """Trimmed and upper-cased, as written; None unless it normalises to a postal code."""
    text = _WHITESPACE.sub(" ", _fold(value)).upper()
    return text if postal_code_key(text) is not None else None


_FULFILLMENT_WORDS: dict[str, FulfillmentStatus] = {
    **dict.fromkeys(
        (
            "unfulfilled",
            "not fulfilled",
            "unshipped",
            "not shipped",
            "awaiting shipment",
            "awaiting fulfillment",
            "pending",
            "pending fulfillment",
            "processing",
            "in progress",
            "open",
            "paid",
            "scheduled",
            "restocked",
            "request declined",
            "checkout draft",
            "pending payment",
            "payment review",
            "new",
            "未发货",
            "待发货",
        ),
        FulfillmentStatus.UNFULFILLED,
    ),
    **dict.fromkeys(
        ("partial", "partially fulfilled", "partially shipped", "partial shipped", "部分发货"),
        FulfillmentStatus.PARTIALLY_FULFILLED,
    ),
    **dict.fromkeys(
        (
            "fulfilled",
            "shipped",
            "sent",
            "dispatched",
            "complete",
            "completed",
            "delivered",
            "closed",
            "fulfillment not required",
            "已发货",
            "已完成",
        ),
        FulfillmentStatus.FULFILLED,
    ),
    **dict.fromkeys(("on hold", "hold", "holded", "held"), FulfillmentStatus.ON_HOLD),
    **dict.fromkeys(
        ("cancelled", "canceled", "voided", "void", "failed", "fraud", "已取消"),
        FulfillmentStatus.CANCELLED,
    ),
    **dict.fromkeys(("refunded", "已退款"), FulfillmentStatus.REFUNDED),
}


def fulfillment_status(value: str | None) -> FulfillmentStatus:
    """A store's or a spreadsheet's status word ('Shipped', 'on-hold', 'PARTIALLY_FULFILLED')."""
    if value is None:
        return FulfillmentStatus.UNKNOWN
    words = re.sub(r"[\s_\-]+", " ", _fold(value).lower()).strip()
    return _FULFILLMENT_WORDS.get(words, FulfillmentStatus.UNKNOWN)


def parse_time(value: str, default_zone: tzinfo) -> datetime:
    """An ISO 8601 date or date-time; one without an offset is read in `default_zone`.

    Raises ValueError for text that is not ISO 8601.
    """
    text = _fold(value)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_zone)
    return moment
