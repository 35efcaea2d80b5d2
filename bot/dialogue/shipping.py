"""Delivery times before purchase: "how long does shipping to Brazil take?", answered from the
merchant's table of shipping times (WISMO_DELIVERY_TIMES), or honestly without one.

The table is a CSV file with a header row: `destination` (ISO 3166 country codes separated by
spaces or "|", `EU` for the European Union, `*` for everywhere else), `method` (as the shop
names it: Standard, Express …), `min_days` and `max_days` (business days) and `quiet` (yes when
tracking usually shows nothing for days on the way, as on cross-border postal lines). A
question is one that names a country (in any of the reply languages, as Babel's locale data
names it) beside a word about shipping time, or asks how long delivery takes with no parcel in
the conversation.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from bot.dialogue.exchange import Exchange
from bot.errors import ConfigurationInvalid
from bot.replies.composer import ComposedReply
from bot.replies.shipping import ShippingReplies
from bot.understanding.language import LANGUAGES

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
EVERYWHERE = "*"
TRUE = frozenset({"yes", "y", "true", "1", "quiet"})

SHIPPING_WORDS = re.compile(
    r"\b(?:how long|shipping|ship to|deliver(?:y|ed)? to|arrive in|"
    r"cuanto tarda|cuanto tiempo|envio|envian|envias|llega a|"
    r"quanto tempo|prazo|frete|entrega|enviam|"
    r"combien de temps|delai|livraison|expedition|livrez|"
    r"wie lange|lieferzeit|versand|liefert|dauert|"
    r"كم يستغرق|كم يوم|الشحن|التوصيل)\b"
    r"|多久|几天|幾天|寄到|送到|发到|發到|运到|運到|配送|运输|運輸"
)
"""Words about shipping time or a destination, over the folded text (no accents, lower case)."""


@dataclass(frozen=True, slots=True)
class ShippingTime:
    """One row of the table: a way of shipping to some destinations, in business days."""

    destinations: frozenset[str]
    method: str
    min_days: int
    max_days: int
    quiet: bool


@dataclass(frozen=True, slots=True)
class ShippingTable:
    rows: tuple[ShippingTime, ...]

    def to(self, country: str) -> list[ShippingTime]:
        """The rows for `country` (ISO code): its own, else its region's, else everywhere's."""
        for wanted in (country, "EU" if country in EU else None, EVERYWHERE):
            found = [row for row in self.rows if wanted in row.destinations]
            if wanted is not None and found:
                return found
        return []


def load_table(path: Path) -> ShippingTable:
    """Read the CSV table at `path`. Raises ConfigurationInvalid naming the file and the row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigurationInvalid(f"WISMO_DELIVERY_TIMES: cannot read {path}: {exc}") from exc
    rows = []
    for line, record in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            rows.append(_row(record))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationInvalid(
                f"WISMO_DELIVERY_TIMES: {path} line {line}: {exc} (columns: destination, method,"
                " min_days, max_days, quiet)"
            ) from exc
    return ShippingTable(tuple(rows))


def _row(record: dict[str, str]) -> ShippingTime:
    destinations = frozenset(
        part.strip().upper() for part in re.split(r"[\s|,;]+", record["destination"]) if part
    )
    low, high = int(record["min_days"]), int(record["max_days"])
    if not destinations or not 0 < low <= high:
        raise ValueError("a destination and 0 < min_days <= max_days are needed")
    quiet = (record.get("quiet") or "").strip().lower() in TRUE
    return ShippingTime(destinations, record["method"].strip(), low, high, quiet)


class ShippingFlow:
    """Answers pre-purchase shipping-time questions; `table` None: the shop listed none."""

    def __init__(self, replies: ShippingReplies, table: ShippingTable | None) -> None:
        self._replies = replies
        self._table = table

    def answer(self, exchange: Exchange, country: str) -> ComposedReply:
        exchange.based_on["shipping_to"] = country
        if self._table is None:
            return self._replies.no_table(exchange.language)
        rows = self._table.to(country)
        return self._replies.times(
            exchange.language,
            country,
            [(row.method, row.min_days, row.max_days) for row in rows],
            quiet=any(row.quiet for row in rows),
        )


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def _countries() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every country's name in every reply language (folded) → its code, and one pattern."""
    names: dict[str, str] = {"usa": "US", "the us": "US", "uk": "GB", "the uk": "GB", "eeuu": "US"}
    for language in LANGUAGES:
        for code, name in Locale.parse(language, sep="-").territories.items():
            if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "ZZ"}:
                names.setdefault(fold(name), code)
    alternatives = sorted(names, key=len, reverse=True)
    pattern = re.compile(
        "|".join(
            re.escape(name) if not name.isascii() else rf"\b{re.escape(name)}\b"
            for name in alternatives
        )
    )
    return pattern, names


def country_in(text: str) -> str | None:
    """The ISO code of the first country `text` names, if any."""
    pattern, names = _countries()
    found = pattern.search(fold(text))
    return names[found.group(0)] if found else None


def asks_shipping_time(text: str) -> str | None:
    """The country a pre-purchase shipping-time question is about, else None."""
    folded = fold(text)
    if not SHIPPING_WORDS.search(folded):
        return None
    return country_in(text)


__all__ = [
    "EU",
    "SHIPPING_WORDS",
    "ShippingFlow",
    "ShippingTable",
    "ShippingTime",
    "asks_shipping_time",
    "country_in",
    "load_table",
]
