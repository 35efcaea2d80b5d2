"""Numbers that are something else: phones, dates, prices, IBANs, postcodes, order ids.

See docs/tracking-number-formats.md, Look-alikes.

`lookalike_spans` runs over the upper-case normalised text and returns the spans no tracking
number may overlap; a candidate touching one is dropped, so two adjacent numbers are never joined
across a phone number or a postcode, while a real tracking number next to one is still found.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

_B = r"(?<![A-Z0-9])"  # our own boundaries: `\b` misfires next to CJK text
_E = r"(?![A-Z0-9])"
_CURRENCY_CODES = "USD|EUR|GBP|RMB|CNY|CAD|AUD|MXN|BRL|SAR|AED|CHF|JPY"
_CURRENCY_BEFORE = (
    r"(?:[$€£¥￥₹₽₩₺]|US\$|R\$|C\$|A\$|(?<![A-Z])(?:" + _CURRENCY_CODES + r")(?![A-Z]))"
)
_CURRENCY_AFTER = (
    r"(?:[$€£¥￥₹₽₩₺元円块塊]|(?<![A-Z])(?:" + _CURRENCY_CODES + r"|"
    r"DOLLARS?|EUROS?|REAIS|REAL|PESOS|DIRHAMS?|RIYALS?|YUAN)(?![A-Z])|ريال|درهم|دولار|جنيه)"
)
_AMOUNT = r"[0-9]{1,3}(?:[.,' ][0-9]{3})+(?:[.,][0-9]{1,2})?|[0-9]+(?:[.,][0-9]{1,2})?"
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
_IBAN_CANDIDATE = re.compile(
    r"[A-Z](?<![A-Z0-9][A-Z])[A-Z][0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?" + _E
)
# A card's four groups stand alone: a fifth group on either side ("9405 5931 8759 0217 5916 00")
# makes them part of a longer grouped number, such as a USPS label.
_CARD_CANDIDATE = re.compile(
    r"[3-6](?<![0-9][3-6])(?<![0-9][ \-][3-6])[0-9]{3}([ \-]?)[0-9]{4}\1[0-9]{4}\1[0-9]{4}"
    r"(?![0-9])(?![ \-][0-9])"
)


class Lookalike(StrEnum):
    PHONE = "phone"
    DATE = "date"
    PRICE = "price"
    IBAN = "iban"
    CARD = "card"
    POSTCODE = "postcode"
    ORDER = "order"
    EMAIL = "email"


# What every match of a pattern must contain, searched first so that a message without it
# skips the pattern (most chat has no "@", "#", date separator or currency).
# Every branch starts with a literal character (the symbols are branches of their own, not a
# class), so the engine scans for the branches' first characters in one quick pass.
_CURRENCY_MARK = re.compile(
    "|".join(map(re.escape, "$€£¥￥₹₽₩₺元円块塊"))
    + "|"
    + _CURRENCY_CODES
    + r"|DOLLAR|EURO|REAIS|REAL|PESOS|DIRHAM|RIYAL|YUAN|ريال|درهم|دولار|جنيه"
)
# Gates that are literal strings, any one of which opens them: looked for with `in`, each
# literal once per message, which is several times cheaper than a regular expression search.
_AT = frozenset({"@"})
_PLUS = frozenset({"+"})
_PARENTHESIS = frozenset({"("})
_DOT_OR_DASH = frozenset({".", "-"})
_DASH = frozenset({"-"})
_HASH = frozenset({"#"})
_DATE_SEPARATOR = frozenset({"-", ".", "/"})
_CENTURY = frozenset({"19", "20"})
_FIVE_DIGITS = re.compile(r"[ ,][0-9]{5}(?![0-9])")  # a US ZIP after "<state> " or ", "
_DIGIT_TWO_LETTERS = re.compile("[0-9][A-Z]{2}")  # how a UK postcode ends ("SW1A 1AA")
_DIGIT_LETTER_DIGIT = re.compile("[0-9][A-Z][0-9]")  # how a Canadian one ends ("K1A 0B1")

# A pattern whose match must not follow some character starts with its first character (or
# fixed-width group) and only then looks behind it ("[0-9](?<![A-Z0-9][0-9])" rather than
# "(?<![A-Z0-9])[0-9]"): the same matches, but the engine can scan for that first character
# instead of trying the pattern at every position.
# (kind, pattern, gate): the pattern runs only where its gate finds something, and is compiled
# the first time one does (most messages open a gate or two, and compiling them all took a
# fiftieth of `wismo parse`'s start-up).
_Gate = frozenset[str] | re.Pattern[str]
_PATTERNS: tuple[tuple[Lookalike, str, _Gate], ...] = (
    (
        Lookalike.EMAIL,
        r"[A-Z0-9._%+\-]+@[A-Z0-9\-]+(?:\.[A-Z0-9\-]+)*\.[A-Z]{2,}",
        _AT,
    ),
    # E.164 allows at most 15 digits after the "+", so a phone never swallows a long number.
    (Lookalike.PHONE, r"\+[ ]?\(?[0-9](?:\)?[ .\-]?\(?[0-9]){6,14}", _PLUS),
    (
        Lookalike.PHONE,
        _B + r"\([0-9]{2,4}\)[ ]?[0-9]{3,4}[ .\-]?[0-9]{3,4}" + _E,
        _PARENTHESIS,
    ),
    (
        Lookalike.PHONE,
        r"[0-9](?<![A-Z0-9.\-][0-9])[0-9]{2}([.\-])[0-9]{3,4}\1[0-9]{4}(?![A-Z0-9]|[.\-][0-9])",
        _DOT_OR_DASH,
    ),
    (
        Lookalike.ORDER,
        r"[0-9](?<![A-Z0-9\-][0-9])[0-9]{2}-[0-9]{7}-[0-9]{7}(?![A-Z0-9\-])",
        _DASH,
    ),
    (Lookalike.ORDER, r"#[ ]?[0-9]+(?:-[0-9]+)?" + _E, _HASH),
    (
        Lookalike.DATE,
        r"(?:19|20)(?<![A-Z0-9.\-/](?:19|20))[0-9]{2}[\-./](?:0?[1-9]|1[0-2])[\-./]"
        r"(?:0?[1-9]|[12][0-9]|3[01])(?![A-Z0-9]|[.\-/][0-9])",
        _DATE_SEPARATOR,
    ),
    (
        Lookalike.DATE,
        r"[0-9](?<![A-Z0-9.\-/][0-9])[0-9]?[\-./][0-9]{1,2}[\-./](?:19|20)?[0-9]{2}"
        r"(?![A-Z0-9]|[.\-/][0-9])",
        _DATE_SEPARATOR,
    ),
    (
        Lookalike.DATE,
        r"(?:19|20)(?<![A-Z0-9](?:19|20))[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
        r"(?:(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9])?)?" + _E,
        _CENTURY,
    ),
    (
        Lookalike.PRICE,
        _CURRENCY_BEFORE + r"[ ]?(?:" + _AMOUNT + ")",
        _CURRENCY_MARK,
    ),
    (
        Lookalike.PRICE,
        _B + r"(?:" + _AMOUNT + r")[ ]?" + _CURRENCY_AFTER,
        _CURRENCY_MARK,
    ),
    (
        Lookalike.POSTCODE,
        r"(?<![A-Z])(?:" + _US_STATES + r")[ ,]+([0-9]{5}(?:-[0-9]{4})?)(?![0-9])",
        _FIVE_DIGITS,
    ),
    (
        Lookalike.POSTCODE,
        r"[0-9](?<![A-Z0-9\-][0-9])[0-9]{4}-(?:[0-9]{4}|[0-9]{3})(?![A-Z0-9\-])",
        _DASH,
    ),
    (
        Lookalike.POSTCODE,
        r"[0-9](?<![A-Z0-9\-][0-9])[0-9]{2}-[0-9]{4}(?![A-Z0-9\-])",
        _DASH,
    ),
    (
        Lookalike.POSTCODE,
        _B + r"[A-Z]{1,2}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{2}" + _E,
        _DIGIT_TWO_LETTERS,
    ),
    (
        Lookalike.POSTCODE,
        _B + r"[A-Z][0-9][A-Z][ ]?[0-9][A-Z][0-9]" + _E,
        _DIGIT_LETTER_DIGIT,
    ),
)

_PHONE_SHAPED = re.compile(
    r"[2-9][0-9]{2}[2-9][0-9]{6}"  # North American number
    r"|1[2-9][0-9]{2}[2-9][0-9]{6}"  # the same with its country code
    r"|(?:86)?1[3-9][0-9]{9}"  # Chinese mobile
    r"|0[1-9][0-9]{8,9}"  # a national number with its trunk 0 (UK, FR, DE, SA, AE …)
    r"|(?:55)?[1-9]{2}9[0-9]{8}"  # Brazilian mobile
    r"|(?:44|33|49|34|39|31|32|966|971|52|91)[1-9][0-9]{8,9}"  # common country codes, no "+"
)


# Each distinct gate once (by identity: a compiled pattern's hash reads its whole program), and
# each pattern with its gate's place among them.
_GATES: tuple[_Gate, ...] = tuple({id(gate): gate for _, _, gate in _PATTERNS}.values())
_PATTERN_GATES: tuple[tuple[Lookalike, str, int], ...] = tuple(
    (kind, source, next(at for at, known in enumerate(_GATES) if known is gate))
    for kind, source, gate in _PATTERNS
)
_GATE_LITERALS = frozenset().union(
    *(gate for _, _, gate in _PATTERNS if isinstance(gate, frozenset))
)


@dataclass(frozen=True, slots=True)
class LookalikeSpan:
    start: int
    end: int
    kind: Lookalike


# Countries that issue IBANs (SWIFT registry, plus the "partial" African and Middle East ones).
# Without this, any "two letters + digits" tracking number (YunExpress YT…, Cainiao LP…) passes
# the mod-97 test about once in 97 and would be vetoed as an IBAN.
_IBAN_COUNTRIES = frozenset(
    [
        "AD",
        "AE",
        "AL",
        "AO",
        "AT",
        "AZ",
        "BA",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BR",
        "BY",
        "CF",
        "CG",
        "CH",
        "CI",
        "CM",
        "CR",
        "CV",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DO",
        "DZ",
        "EE",
        "EG",
        "ES",
        "FI",
        "FK",
        "FO",
        "FR",
        "GA",
        "GB",
        "GE",
        "GI",
        "GL",
        "GQ",
        "GR",
        "GT",
        "GW",
        "HN",
        "HR",
        "HU",
        "IE",
        "IL",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JO",
        "KM",
        "KW",
        "KZ",
        "LB",
        "LC",
        "LI",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MG",
        "MK",
        "ML",
        "MN",
        "MR",
        "MT",
        "MU",
        "MZ",
        "NE",
        "NI",
        "NL",
        "NO",
        "OM",
        "PK",
        "PL",
        "PS",
        "PT",
        "QA",
        "RO",
        "RS",
        "RU",
        "SA",
        "SC",
        "SD",
        "SE",
        "SI",
        "SK",
        "SM",
        "SN",
        "SO",
        "ST",
        "SV",
        "TD",
        "TG",
        "TL",
        "TN",
        "TR",
        "UA",
        "VA",
        "VG",
        "XK",
        "YE",
    ]
)


def _iban_valid(compact: str) -> bool:
    if compact[:2] not in _IBAN_COUNTRIES:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@functools.cache  # one per entry of _PATTERNS
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def lookalike_spans(upper: str) -> list[LookalikeSpan]:
    """Spans of `upper` that are phones, dates, prices, IBANs, cards, postcodes or order ids."""
    spans: list[LookalikeSpan] = []
    present = {literal for literal in _GATE_LITERALS if literal in upper}
    # Gates shared by several patterns are asked once, by their place in _GATES (a compiled
    # pattern hashes its whole program: a dict keyed by the gates cost more than the search).
    opened: list[bool | None] = [None] * len(_GATES)
    for kind, source, at in _PATTERN_GATES:
        is_open = opened[at]
        if is_open is None:
            gate = _GATES[at]
            is_open = opened[at] = (
                not gate.isdisjoint(present)
                if isinstance(gate, frozenset)
                else gate.search(upper) is not None
            )
        if not is_open:
            continue
        pattern = _compiled(source)
        for match in pattern.finditer(upper):
            group = 1 if kind is Lookalike.POSTCODE and pattern.groups == 1 else 0
            spans.append(LookalikeSpan(match.start(group), match.end(group), kind))
    for match in _IBAN_CANDIDATE.finditer(upper):
        compact = match.group().replace(" ", "")
        if 15 <= len(compact) <= 34 and _iban_valid(compact):
            spans.append(LookalikeSpan(match.start(), match.end(), Lookalike.IBAN))
    for match in _CARD_CANDIDATE.finditer(upper):
        digits = re.sub(r"[ \-]", "", match.group())
        if _luhn_valid(digits):
            spans.append(LookalikeSpan(match.start(), match.end(), Lookalike.CARD))
    return spans


def phone_shaped(digits: str) -> bool:
    """Whether an all-digit string has the shape of a phone number written without a "+"."""
    return _PHONE_SHAPED.fullmatch(digits) is not None
