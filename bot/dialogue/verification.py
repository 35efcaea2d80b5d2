"""Proving an order is yours before anything about it is shown.

An order is answered only to its buyer: the sender's Instagram username is the order's, or the
buyer gave its email, the last four digits of its phone or its postcode. Failed proofs are
limited per conversation and per order, and a reply never says which detail was wrong.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialogue.effects import RecordAttempt, RememberProfile
from bot.dialogue.exchange import Exchange
from bot.dialogue.handoff import Handoffs
from bot.instagram.sendapi import Profile
from bot.replies.composer import ComposedReply, HandoffReason
from bot.replies.orders import OrderReplies
from bot.understanding import ParseResult
from stores.attempts import failures_since
from stores.models import Order
from stores.verification import ProofKind, SupportedProofs, check_proof, sender_matches

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
        policy: VerificationPolicy = VerificationPolicy(),
    ) -> None:
        self._replies = replies
        self._handoffs = handoffs
        self._sessions = sessions
        self._profiles = profiles
        self._policy = policy

    async def admit(self, exchange: Exchange, order: Order, text: str) -> Admitted | ComposedReply:
        """Whether the sender may see `order`, and how they proved it; else what to say
        instead: locked, handed to a person, asked for a proof or told the proof failed."""
        known = await self._known(exchange, order)
        if known is not None:
            return known
        return await self._challenge(exchange, order, text)

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
        self, exchange: Exchange, order: Order, text: str
    ) -> Admitted | ComposedReply:
        """The proof in `text` admits the sender; else locked, handed over, asked or failed."""
        shown = order.order_number
        locked = await self._locked(exchange, shown)
        if locked is not None:
            exchange.based_on["verification"] = "locked"
            return self._replies.locked_out(exchange.language, retry_after=locked - exchange.now)
        if not SupportedProofs.of(order).verifiable:
            # Nothing on the order can prove it: only the shop can tell who the buyer is.
            exchange.based_on["verification"] = "unverifiable"
            return self._handoffs.hand_off(exchange, HandoffReason.BUYER_ASKED)
        proof = check_proof(order, text)
        if proof is not None:
            exchange.based_on["verification"] = proof.value
            exchange.effects.append(RecordAttempt(shown, matched=True))
            self.verified(exchange, shown)
            return Admitted.PROOF
        if not _offers_proof(text, exchange.parsed):
            exchange.state = exchange.state.but(pending_order=shown)
            exchange.based_on["verification"] = "asked"
            return self._replies.verification_prompt(exchange.language, shown)
        return self._failed(exchange, shown)

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
        exchange.effects.append(RecordAttempt(order_number, matched=False))
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
