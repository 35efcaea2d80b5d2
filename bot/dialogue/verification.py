"""Proving an order is yours before anything about it is shown.

An order is answered only to its buyer: the sender's Instagram username is the order's, or the
buyer gave its email, the last four digits of its phone or its postcode. One message is one
guess: it is read as the single proof the buyer meant and compared once (stores.verification.
read_proof), rather than testing each detail it holds, so the limits bound the values tried.
Failed proofs are limited per conversation and per order; each attempt is recorded before its
proof is checked, so parallel guesses never pass the per-order limit. A reply never says which
detail was wrong. A number no order has gets the same prompts, failures and lock-outs as one that
exists, and one buyer may ask about only so many order numbers a day: order numbers cannot be
found out by trying them. A postcode that a scan of the order's parcels shows is public and is
no proof (the buyer is asked for the email or phone instead).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialogue.effects import RememberProfile
from bot.dialogue.exchange import Exchange
from bot.dialogue.handoff import Handoffs
from bot.instagram.sendapi import Profile
from bot.replies.composer import ComposedReply, HandoffReason
from bot.replies.orders import OrderReplies
from bot.understanding import ParseResult
from carriers.lookup import Failed, Found, LookupResult, TrackingLookup
from carriers.models import TrackingQuery
from conversations.store import ConversationStore
from stores.attempts import failures_since, matched, reserve_attempt
from stores.models import Order
from stores.verification import (
    TYPED_PROOFS,
    ProofKind,
    Reading,
    SupportedProofs,
    postal_code_in,
    read_proof,
    reading_matches,
    sender_matches,
)

log = logging.getLogger(__name__)

# Something that can be a proof: an email address, or a run of four or more digits or a
# postcode-like word with digits ("SW1A 1AA").
_PROOF_LIKE = re.compile(r"@|\d{4,}|\b[A-Za-z]{1,2}\d[A-Za-z\d]?\b")


@runtime_checkable
class ProfileReader(Protocol):
    """Reads a buyer's username (bot.instagram.sendapi.SendApiClient.profile)."""

    async def profile(self, igsid: str) -> Profile: ...


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """How many wrong proofs are allowed before an order is locked, and for how long."""

    per_conversation: int = 3
    per_order: int = 10  # by anyone, within `window`: someone guessing from many accounts
    lookups: int = 10  # different order numbers one buyer may ask about within `window`
    window: timedelta = timedelta(hours=24)
    lock: timedelta = timedelta(hours=24)


class Admitted(Enum):
    """How the sender was found to be the order's buyer."""

    EARLIER = "earlier"
    USERNAME = "username"
    PROOF = "proof"  # by this very message: thank them before the answer


def proof_like(text: str) -> bool:
    """Whether `text` holds something that can be a proof (an email, digits, a postcode)."""
    return bool(_PROOF_LIKE.search(text))


class Verifier:
    def __init__(
        self,
        replies: OrderReplies,
        handoffs: Handoffs,
        sessions: async_sessionmaker[AsyncSession],
        *,
        profiles: ProfileReader | None = None,
        tracking: TrackingLookup | None = None,
        policy: VerificationPolicy = VerificationPolicy(),
    ) -> None:
        self._replies = replies
        self._handoffs = handoffs
        self._sessions = sessions
        self._profiles = profiles
        self._tracking = tracking
        self._policy = policy

    async def admit(self, exchange: Exchange, order: Order, text: str) -> Admitted | ComposedReply:
        """Whether the sender may see `order`, and how they proved it; else what to say
        instead: locked, handed to a person, asked for a proof or told the proof failed."""
        known = await self._known(exchange, order)
        if known is not None:
            return known
        if not SupportedProofs.of(order).verifiable:
            # Nothing on the order can prove it: only the shop can tell who the buyer is.
            exchange.based_on["verification"] = "unverifiable"
            return self._handoffs.hand_off(exchange, HandoffReason.BUYER_ASKED)
        return await self._challenge(exchange, order.order_number, order, text)

    async def admit_unknown(
        self, exchange: Exchange, order_number: str, text: str
    ) -> ComposedReply:
        """An order number no order has, answered exactly as a known order before its proof
        (asked, failed, locked), so order numbers cannot be found out by trying them."""
        admitted = await self._challenge(exchange, order_number, None, text)
        assert isinstance(admitted, ComposedReply)  # no proof can admit to no order
        return admitted

    async def lookups_limited(self, exchange: Exchange, order_number: str) -> ComposedReply | None:
        """The lock-out reply when this buyer already asked about `lookups` other order
        numbers within `window` (someone trying numbers); None while they may ask."""
        since = exchange.now - self._policy.window
        async with self._sessions() as session:
            asked = await ConversationStore(session).references_since(
                exchange.conversation.id, "order", since
            )
        if order_number in asked or len(set(asked)) < self._policy.lookups:
            return None
        exchange.based_on["verification"] = "lookups_limited"
        return self._replies.locked_out(exchange.language, retry_after=self._policy.window)

    async def _known(self, exchange: Exchange, order: Order) -> Admitted | None:
        """Admitted without asking: proved here earlier, or the sender's username is on it."""
        shown = order.order_number
        if exchange.state.is_verified(shown, exchange.now):
            exchange.based_on["verification"] = "earlier"
            return Admitted.EARLIER
        username = await self.username(exchange)
        if sender_matches(order, username) is not None:
            exchange.based_on["verification"] = ProofKind.INSTAGRAM_USERNAME.value
            self.verified(exchange, shown)
            return Admitted.USERNAME
        return None

    async def _challenge(
        self, exchange: Exchange, shown: str, order: Order | None, text: str
    ) -> Admitted | ComposedReply:
        """The proof in `text` admits the sender; else locked, asked or failed. `order` is None
        for a number no order has: everything but the comparison happens the same."""
        locked = await self._locked(exchange, shown)
        if locked is not None:
            exchange.based_on["verification"] = "locked"
            return self._replies.locked_out(exchange.language, retry_after=locked - exchange.now)
        if not _offers_proof(text, exchange.parsed):
            exchange.state = exchange.state.but(pending_order=shown)
            exchange.based_on["verification"] = "asked"
            return self._replies.verification_prompt(exchange.language, shown)
        reading = _reading(order, text)
        if (
            order is not None
            and reading is not None
            and await self._postcode_public(order, reading)
        ):
            # Anyone with the tracking number sees this postcode: it proves nothing.
            exchange.state = exchange.state.but(pending_order=shown)
            exchange.based_on["verification"] = "postcode_public"
            return self._replies.verification_contact_prompt(exchange.language, shown)
        attempt = await reserve_attempt(
            self._sessions,
            shown,
            f"conversation:{exchange.conversation.id}",
            at=exchange.now,
            since=exchange.now - self._policy.window,
            limit=self._policy.per_order,
        )
        if attempt is None:
            exchange.based_on["verification"] = "locked"
            return self._replies.locked_out(exchange.language, retry_after=self._policy.lock)
        if order is not None and reading is not None and reading_matches(order, reading):
            await matched(self._sessions, attempt)
            exchange.based_on["verification"] = reading.kind.value
            self.verified(exchange, shown)
            return Admitted.PROOF
        return self._failed(exchange, shown)

    async def _postcode_public(self, order: Order, reading: Reading) -> bool:
        """Whether `reading` is a postcode and a scan of the order's parcels shows the order's
        postcode (the tracking page is public); only the cached or looked-up scans are read."""
        if reading.kind is not ProofKind.POSTAL_CODE or self._tracking is None:
            return False
        tracking = self._tracking
        results = await asyncio.gather(
            *(
                tracking.lookup(
                    TrackingQuery(number=parcel.tracking_number, carrier=parcel.carrier)
                )
                for parcel in order.parcels
            )
        )
        places = [place for result in results for place in _scan_places(result)]
        return postal_code_in(order.postal_code, places)

    def verified(self, exchange: Exchange, order_number: str) -> None:
        """Remember the order as proved here (and forget its failures and expired proofs)."""
        state = exchange.state
        verified = {
            number: at
            for number, at in state.verified.items()
            if state.is_verified(number, exchange.now)
        }
        verified[order_number] = exchange.now
        failures = {k: v for k, v in state.failures.items() if k != order_number}
        exchange.state = state.but(verified=verified, failures=failures, pending_order=None)

    async def username(self, exchange: Exchange) -> str | None:
        """The sender's Instagram username: known, or read once from the profile API."""
        conversation = exchange.conversation
        if conversation.username or exchange.state.profile_read or self._profiles is None:
            return conversation.username
        exchange.state = exchange.state.but(profile_read=True)
        try:
            profile = await self._profiles.profile(conversation.igsid)
        except Exception as exc:  # a profile is optional enrichment
            log.info("dialogue: no profile for the buyer (%s)", type(exc).__name__)
            return None
        exchange.effects.append(RememberProfile(profile.username, profile.name))
        return profile.username

    def _failed(self, exchange: Exchange, order_number: str) -> ComposedReply:
        failures = dict(exchange.state.failures)
        failures[order_number] = failures.get(order_number, 0) + 1
        left = self._policy.per_conversation - failures[order_number]
        exchange.based_on["verification"] = "failed"
        if left <= 0:
            until = exchange.now + self._policy.lock
            locks = {**exchange.state.locked_until, order_number: until}
            failures.pop(order_number)
            exchange.state = exchange.state.but(
                failures=failures, locked_until=locks, pending_order=None
            )
            return self._replies.locked_out(exchange.language, retry_after=self._policy.lock)
        exchange.state = exchange.state.but(failures=failures, pending_order=order_number)
        return self._replies.verification_failed(exchange.language, left)

    async def _locked(self, exchange: Exchange, order_number: str) -> datetime | None:
        """Until when proofs for this order are refused here; None when they are not."""
        mine = exchange.state.lock_of(order_number, exchange.now)
        if mine is not None:
            return mine
        since = exchange.now - self._policy.window
        async with self._sessions() as session:
            failed = await failures_since(session, order_number, since)
        if failed >= self._policy.per_order:
            return exchange.now + self._policy.lock
        return None


def _reading(order: Order | None, text: str) -> Reading | None:
    """The one proof `text` is read as; for an unknown order, as if it supported every kind."""
    if order is None:
        return read_proof("", text, TYPED_PROOFS, stored_postal_code=None)
    return read_proof(
        order.order_number,
        text,
        SupportedProofs.of(order).kinds,
        stored_postal_code=order.postal_code,
    )


def _scan_places(result: LookupResult) -> list[str]:
    """The locations (and descriptions, which often name the place) of a parcel's scans."""
    shipment = result.shipment if isinstance(result, Found) else None
    if isinstance(result, Failed):
        shipment = result.cached
    if shipment is None:
        return []
    return [
        text for event in shipment.events for text in (event.location, event.description) if text
    ]


def _offers_proof(text: str, parsed: ParseResult | None) -> bool:
    """Whether the message, beyond its order and tracking numbers, holds something proof-like."""
    if parsed is None:
        return proof_like(text)
    spans = [(o.start, o.end) for o in parsed.order_numbers]
    spans += [(f.start, f.end) for f in parsed.tracking_numbers]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return proof_like("".join(chars))


__all__ = ["Admitted", "ProfileReader", "VerificationPolicy", "Verifier", "proof_like"]
