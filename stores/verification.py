"""Deciding whether a buyer proved an order is theirs, without ever revealing the order's values.

An order number alone is not enough to disclose an order: the sender's Instagram
username must be the order's, or the buyer must give the order's email, the last four digits of
its phone or its postal code. These functions only answer "which kind of proof matched", so a
reply can never echo what was on the order. Limiting attempts is the dialogue's job; a message
is read as one proof and compared once (`read_proof`), so one message is one guess: a message
offering several candidates of one kind ("1234 or 5678") is no proof of that kind, and one
holding an email, a phone and a postcode is checked as the email alone.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from stores.fields import (
    ascii_digits,
    email_address,
    instagram_username,
    phone_digits,
    phone_last4,
    postal_code_key,
)
from stores.models import Order

# ASCII only, so an address written straight after other text ("邮箱是mei@example.com") is found.
_EMAIL_TOKEN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE_SPAN = re.compile(r"\+?\d[\d \t\-().]*\d")
_TOKEN = re.compile(r"[A-Z0-9]+")
_ALNUM = re.compile(r"[^A-Z0-9]+")


class ProofKind(StrEnum):
    """How a buyer showed an order is theirs (recorded with the conversation)."""

    INSTAGRAM_USERNAME = "instagram_username"
    EMAIL = "email"
    PHONE_LAST4 = "phone_last4"
    POSTAL_CODE = "postal_code"


# The proofs a buyer can type, in the order a reply should ask for them.
TYPED_PROOFS = (ProofKind.EMAIL, ProofKind.PHONE_LAST4, ProofKind.POSTAL_CODE)


@dataclass(frozen=True, slots=True)
class SupportedProofs:
    """Which proofs an order can be checked against; never the values themselves."""

    kinds: frozenset[ProofKind]

    @classmethod
    def of(cls, order: Order) -> SupportedProofs:
        kinds = set()
        if order.instagram_username:
            kinds.add(ProofKind.INSTAGRAM_USERNAME)
        if order.email and email_address(order.email):
            kinds.add(ProofKind.EMAIL)
        if phone_last4(order.phone):
            kinds.add(ProofKind.PHONE_LAST4)
        if order.postal_code and postal_code_key(order.postal_code):
            kinds.add(ProofKind.POSTAL_CODE)
        return cls(frozenset(kinds))

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    @property
    def askable(self) -> tuple[ProofKind, ...]:
        """The proofs a buyer could type for this order, in asking order."""
        return tuple(kind for kind in TYPED_PROOFS if kind in self.kinds)

    @property
    def verifiable(self) -> bool:
        """Whether any proof at all can unlock this order (else only the merchant can help)."""
        return bool(self.kinds)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def sender_matches(order: Order, sender_username: str | None) -> ProofKind | None:
    """INSTAGRAM_USERNAME when the sender's username is the one on the order ('@Jane' = 'jane')."""
    if not order.instagram_username or not sender_username:
        return None
    sender = instagram_username(sender_username)
    if sender is None or not _same(order.instagram_username, sender):
        return None
    return ProofKind.INSTAGRAM_USERNAME


def email_matches(expected: str | None, given: str) -> bool:
    """Same address ignoring case and surrounding space; dots and +tags in the local part count."""
    want = email_address(expected) if expected else None
    got = email_address(given)
    return want is not None and got is not None and _same(want.casefold(), got.casefold())


def phone_last4_matches(expected_phone: str | None, given: str) -> bool:
    """The last four digits of `given` (four digits, or a whole phone) are the phone's last four.

    Any formatting works on either side: '+86 138-0013-8000', '(415) 555-0100 ext. 7', '８０００'.
    """
    want = phone_last4(expected_phone)
    digits = phone_digits(given)
    return want is not None and len(digits) >= 4 and _same(want, digits[-4:])


def _postal_pair(expected: str | None, given: str) -> tuple[str, str] | None:
    """Both codes' keys made comparable (US ZIP+4, a dropped leading zero); None if either is
    not a postal code."""
    want = postal_code_key(expected) if expected else None
    got = postal_code_key(given)
    if want is None or got is None:
        return None
    if want.isdigit() and got.isdigit():
        if len(want) in (4, 8) and len(got) == len(want) + 1 and got.startswith("0"):
            want = "0" + want
        if len(want) == 9 and len(got) == 5:
            want = want[:5]
        elif len(want) == 5 and len(got) == 9:
            got = got[:5]
    return want, got


def postal_code_matches(expected: str | None, given: str) -> bool:
    """Same postal code ignoring case, spaces and dashes, for every country ('sw1a1aa' =
    'SW1A 1AA', 'k1a0b1' = 'K1A 0B1').

    A US ZIP matches its ZIP+4 either way round, and a code whose leading zero a spreadsheet
    dropped ('2134' stored for '02134') still matches what the buyer types.
    """
    pair = _postal_pair(expected, given)
    return pair is not None and _same(*pair)


def _postal_shape_fits(expected: str | None, given: str) -> bool:
    """Whether `given` has the shape of the stored code (letters and digits in its places)."""
    pair = _postal_pair(expected, given)
    if pair is None:
        return False
    want, got = pair
    return len(want) == len(got) and all(
        a.isdigit() == b.isdigit() for a, b in zip(want, got, strict=True)
    )


def postal_code_in(code: str | None, places: Iterable[str]) -> bool:
    """Whether a postal code shows in any of `places` (scan locations), ignoring case, spaces
    and punctuation: such a code is public to anyone holding the tracking number."""
    key = postal_code_key(code) if code else None
    if key is None:
        return False
    # A ZIP+4's five-digit ZIP is what buyers type and what scans show.
    shown = key[:5] if len(key) == 9 and key.isdigit() else key
    return any(shown in _ALNUM.sub("", place.upper()) for place in places)


@dataclass(frozen=True, slots=True)
class Reading:
    """The one proof a message is read as: its kind and the value to compare."""

    kind: ProofKind
    value: str


def read_proof(
    order_number: str, text: str, kinds: Collection[ProofKind], *, stored_postal_code: str | None
) -> Reading | None:
    """The single proof the buyer meant in `text`, among `kinds`; None when there is none.

    One message is one guess and one comparison, however many details it holds: the first kind
    in asking order (email, phone, postcode) that the message offers exactly one candidate of,
    except that a postcode with letters shaped like the stored one ("1012 AB") goes before a
    phone. A phone reading is four digits or a whole phone number (7 digits or more). Of the two
    ways to read a postcode word followed by another ("1012 AB", "8000 thanks") the one shaped
    like the stored code is taken. The order's own number, which buyers often repeat, is never a
    candidate. Which reading is taken never changes how many guesses the message costs.
    """
    folded = ascii_digits(unicodedata.normalize("NFKC", text))
    emails = [token.rstrip(".!?") for token in _EMAIL_TOKEN.findall(folded)]
    rest = _EMAIL_TOKEN.sub(" ", folded)
    if ProofKind.EMAIL in kinds and len(emails) == 1:
        return Reading(ProofKind.EMAIL, emails[0])
    postal: list[str] = []
    if ProofKind.POSTAL_CODE in kinds:
        candidates = _postal_candidates(order_number, rest)
        fitting = [c for c in candidates if _postal_shape_fits(stored_postal_code, c)]
        postal = fitting or candidates
        if fitting and not fitting[0].isdigit():
            return Reading(ProofKind.POSTAL_CODE, fitting[0])  # "1012 AB" is no phone's 1012
    spans = [
        span
        for span in _PHONE_SPAN.findall(rest)
        if len(digits := phone_digits(span)) >= 4 and digits != order_number
    ]
    if (
        ProofKind.PHONE_LAST4 in kinds
        and len(spans) == 1
        and (len(digits := phone_digits(spans[0])) == 4 or len(digits) >= 7)
    ):
        return Reading(ProofKind.PHONE_LAST4, spans[0])
    return Reading(ProofKind.POSTAL_CODE, postal[0]) if postal else None


def _postal_candidates(order_number: str, rest: str) -> list[str]:
    """The ways to read one postcode in `rest`: a word with digits, alone or with the next one
    ('SW1A 1AA', '94105 1234', '1012 AB'); none when several words with digits are apart."""
    tokens = [token for token in _TOKEN.findall(rest.upper()) if token != order_number]
    coded = [index for index, token in enumerate(tokens) if any(c.isdigit() for c in token)]
    if len(coded) == 2 and coded[1] == coded[0] + 1:
        return [tokens[coded[0]] + tokens[coded[1]]]
    if len(coded) != 1:
        return []
    index = coded[0]
    candidates = [tokens[index]]
    if index + 1 < len(tokens):
        candidates.append(tokens[index] + tokens[index + 1])
    return candidates


def reading_matches(order: Order, reading: Reading) -> bool:
    """Whether the reading is the order's own detail (one constant-time comparison)."""
    if reading.kind is ProofKind.EMAIL:
        return email_matches(order.email, reading.value)
    if reading.kind is ProofKind.PHONE_LAST4:
        return phone_last4_matches(order.phone, reading.value)
    if reading.kind is ProofKind.POSTAL_CODE:
        return postal_code_matches(order.postal_code, reading.value)
    return False


def check_proof(
    order: Order, text: str, kinds: Collection[ProofKind] | None = None
) -> ProofKind | None:
    """Which proof in the buyer's message matches the order, if any (see `read_proof`: one
    reading, one comparison). `kinds` defaults to every proof the order supports."""
    allowed = SupportedProofs.of(order).kinds if kinds is None else kinds
    reading = read_proof(order.order_number, text, allowed, stored_postal_code=order.postal_code)
    if reading is None or not reading_matches(order, reading):
        return None
    return reading.kind
