"""Deciding whether a buyer proved an order is theirs, without ever revealing the order's values.

An order number alone is not enough to disclose an order: the sender's Instagram
username must be the order's, or the buyer must give the order's email, the last four digits of
its phone or its postal code. These functions only answer "which kind of proof matched", so a
reply can never echo what was on the order. Limiting attempts is the dialogue's job; a message
that offers several candidates of one kind ("1234 or 5678") counts as no proof of that kind, so
one message is one guess.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
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


def postal_code_matches(expected: str | None, given: str) -> bool:
    """Same postal code ignoring case, spaces and dashes ('sw1a1aa' = 'SW1A 1AA').

    A US ZIP matches its ZIP+4 either way round, and a code whose leading zero a spreadsheet
    dropped ('2134' stored for '02134') still matches what the buyer types.
    """
    want = postal_code_key(expected) if expected else None
    got = postal_code_key(given)
    if want is None or got is None:
        return False
    if want.isdigit() and got.isdigit():
        if len(want) in (4, 8) and len(got) == len(want) + 1 and got.startswith("0"):
            want = "0" + want
        if len(want) == 9 and len(got) == 5:
            want = want[:5]
        elif len(want) == 5 and len(got) == 9:
            got = got[:5]
    return _same(want, got)


def check_proof(order: Order, text: str) -> ProofKind | None:
    """Which proof in the buyer's message matches the order, if any.

    `text` is the buyer's whole message ("it's jane@example.com", "last 4: 8000", "SW1A 1AA").
    One candidate of each kind is tried: the one email address, the one phone-like number and
    the one postal-code-like word (or two adjacent ones: "SW1A 1AA", "94105 1234"). A message
    offering more than one of a kind is no proof of that kind. The order's own number, which
    buyers often repeat, is not counted as a candidate.
    """
    folded = ascii_digits(unicodedata.normalize("NFKC", text))
    emails = [token.rstrip(".!?") for token in _EMAIL_TOKEN.findall(folded)]
    rest = _EMAIL_TOKEN.sub(" ", folded)

    if len(emails) == 1 and email_matches(order.email, emails[0]):
        return ProofKind.EMAIL

    spans = [
        span
        for span in _PHONE_SPAN.findall(rest)
        if len(digits := phone_digits(span)) >= 4 and digits != order.order_number
    ]
    if len(spans) == 1 and phone_last4_matches(order.phone, spans[0]):
        return ProofKind.PHONE_LAST4

    tokens = [token for token in _TOKEN.findall(rest.upper()) if token != order.order_number]
    coded = [index for index, token in enumerate(tokens) if any(c.isdigit() for c in token)]
    candidates: list[str] = []
    if len(coded) == 1:
        index = coded[0]
        candidates.append(tokens[index])
        if index + 1 < len(tokens):
            candidates.append(tokens[index] + tokens[index + 1])
    elif len(coded) == 2 and coded[1] == coded[0] + 1:
        candidates.append(tokens[coded[0]] + tokens[coded[1]])
    if any(postal_code_matches(order.postal_code, candidate) for candidate in candidates):
        return ProofKind.POSTAL_CODE
    return None
