"""DialogueResponder: from a buyer's turn to the reply, through orders, tracking and proofs.

What a buyer may be told: a tracking number is answered to anyone (the carrier shows it
publicly); an order only to its buyer — the sender's Instagram username is the order's, or the
buyer gave its email, the last four digits of its phone or its postcode. Failed proofs are
limited per conversation and per order, and a reply never says which detail was wrong.

The order of precedence in one message: a request for a person (or for a refund, a
cancellation or a change, which only a person can do) wins; then "stop updates"; then
tracking numbers; then order numbers; then an answer to a pending proof request; then likely
typos; then "where is it?" about the conversation's last subject or the buyer's linked orders;
then small talk. The responder only reads; every write goes back in the Reply.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialogue.effects import RecordAttempt, RememberProfile
from bot.dialogue.state import DialogueState, Subject, SubjectKind
from bot.instagram.sendapi import Profile
from bot.pipeline.dialogue_port import Effect, Reply, Turn, TurnKind
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply, HandoffReason, ReplyKind
from bot.replies.orders import OrderReplies
from bot.replies.payloads import REFRESH_PREFIX, STOP_UPDATES_PAYLOAD, TALK_TO_PERSON_PAYLOAD
from bot.replies.tracking import TrackingReplies
from bot.replies.updates import UpdateReplies
from bot.understanding import MessageParser, ParseResult
from bot.understanding.lexicon import Intent
from bot.updates.stop import is_stop_request
from carriers.catalog import carrier as carrier_named
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet
from carriers.models import Status, TrackingQuery
from carriers.numbers.detector import NumberDetector
from conversations.models import Conversation
from stores.attempts import failures_since
from stores.errors import StoreLookupFailed
from stores.fields import order_number_key
from stores.lookup import OrderLookup
from stores.models import FulfillmentStatus, Order
from stores.repository import OrderRepository
from stores.verification import ProofKind, SupportedProofs, check_proof, sender_matches

log = logging.getLogger(__name__)

MAX_NUMBERS = 10
"""Tracking numbers looked up from one message; more are a paste of something else."""

REFRESH_EVERY = timedelta(minutes=2)
"""A "Refresh" tap asks the carrier again at most this often per number; sooner, the cache."""

_HANDOFFS = {
    Intent.HUMAN: HandoffReason.BUYER_ASKED,
    Intent.REFUND_OR_RETURN: HandoffReason.REFUND_OR_RETURN,
    Intent.CANCEL_OR_CHANGE: HandoffReason.CANCEL_OR_CHANGE,
}
_CLOSED_ORDERS = frozenset({FulfillmentStatus.CANCELLED, FulfillmentStatus.REFUNDED})
# Something that can be a proof: an email address, or a run of four or more digits or a
# postcode-like word with digits ("SW1A 1AA").
_PROOF_LIKE = re.compile(r"@|\d{4,}|\b[A-Za-z]{1,2}\d[A-Za-z\d]?\b")


class TrackingLookup(Protocol):
    """What the dialogue needs of carriers.service.TrackingService."""

    async def lookup(
        self,
        query: TrackingQuery,
        *,
        candidates: Sequence[str] = (),
        refresh: bool = False,
        stale_ok: bool = True,
        provider: str | None = None,
    ) -> LookupResult: ...


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


@dataclass(frozen=True, slots=True)
class _Parcel:
    number: str
    carrier: str | None
    candidates: tuple[str, ...] = ()


@dataclass(slots=True)
class _Turn:
    """One turn being answered: what was understood and what the reply will record."""

    conversation: Conversation
    state: DialogueState
    now: datetime
    language: str | None
    parsed: ParseResult | None = None
    effects: list[Effect] = field(default_factory=list)
    based_on: dict[str, Any] = field(default_factory=dict)
    references: list[tuple[str, str]] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    username: str | None = None


class DialogueResponder:
    """The wismo dialogue, one turn at a time; see the module docstring."""

    def __init__(
        self,
        *,
        parser: MessageParser,
        detector: NumberDetector,
        orders: OrderLookup,
        repository: OrderRepository,
        tracking: TrackingLookup,
        tracking_replies: TrackingReplies,
        order_replies: OrderReplies,
        chat: ChatReplies,
        updates: UpdateReplies,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        profiles: ProfileReader | None = None,
        policy: VerificationPolicy = VerificationPolicy(),
    ) -> None:
        self._parser = parser
        self._detector = detector
        self._orders = orders
        self._repository = repository
        self._tracking = tracking
        self._tracking_replies = tracking_replies
        self._order_replies = order_replies
        self._chat = chat
        self._updates = updates
        self._sessions = sessions
        self._clock = clock
        self._profiles = profiles
        self._policy = policy

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        if turn.kind is TurnKind.EDIT:
            return Reply()  # the edited message was answered already; its new text is recorded
        now = self._clock()
        current = _Turn(
            conversation, DialogueState.load(conversation.state), now, conversation.language
        )
        composed = await self._answer(turn, current)
        if composed is None:
            return Reply()
        return self._reply(current, composed)

    # Routing -----------------------------------------------------------------------------

    async def _answer(self, turn: Turn, current: _Turn) -> ComposedReply | None:
        payload = turn.payload or ""
        if payload == TALK_TO_PERSON_PAYLOAD:
            return self._handoff(current, HandoffReason.BUYER_ASKED)
        if payload == STOP_UPDATES_PAYLOAD:
            return self._stop(current)
        if payload.startswith(REFRESH_PREFIX):
            numbers = [n for n in payload.removeprefix(REFRESH_PREFIX).split(",") if n]
            return await self._refresh(current, numbers)
        text = turn.text or ""
        if not text.strip():
            if turn.kind is TurnKind.REFERRAL or not current.state.greeted:
                return self._chat.greeting(current.language, first_time=True)
            # A picture or a sticker alone: we cannot read it, so say what we can read.
            return self._order_replies.ask_for_number(current.language)
        subject = current.state.current_subject(current.now)
        parsed = self._parser.parse(
            text, previous_language=current.language, tracking_context=subject is not None
        )
        current.parsed = parsed
        current.language = parsed.language
        current.based_on.update(_understood(parsed))
        return await self._route(current, parsed, text)

    async def _route(self, current: _Turn, parsed: ParseResult, text: str) -> ComposedReply:
        intent = parsed.intent
        if intent in _HANDOFFS and not (intent is Intent.HUMAN and parsed.tracking_numbers):
            return self._handoff(current, _HANDOFFS[intent])
        # The updates' own stop words agree with the intent lexicon on what "stop" means.
        if intent is Intent.STOP_UPDATES or is_stop_request(text, None):
            return self._stop(current)
        if parsed.tracking_numbers:
            parcels = [
                _Parcel(found.number, None, tuple(c.carrier for c in found.carriers))
                for found in parsed.tracking_numbers[:MAX_NUMBERS]
            ]
            return await self._track(current, parcels, not_received=parsed.delivered_not_received)
        if parsed.order_numbers:
            return await self._order(current, parsed.order_numbers[0].number, text)
        pending = current.state.pending_order
        if pending is not None and _PROOF_LIKE.search(text):
            return await self._order(current, pending, text)
        if parsed.likely_typos:
            return self._order_replies.likely_typo(current.language, parsed.likely_typos)
        if intent is Intent.WHERE_IS_MY_ORDER or parsed.delivered_not_received:
            return await self._where_is_it(current, not_received=parsed.delivered_not_received)
        if intent is Intent.GREETING:
            return self._chat.greeting(current.language, first_time=not current.state.greeted)
        if intent is Intent.THANKS:
            return self._chat.thanks(current.language)
        if pending is not None:
            return self._order_replies.verification_prompt(current.language, pending)
        return self._chat.other(current.language)

    # Hand-off and updates ------------------------------------------------------------------

    def _handoff(self, current: _Turn, reason: HandoffReason) -> ComposedReply:
        current.based_on["handoff"] = reason.value
        return self._chat.handoff(current.language, reason)

    def _stop(self, current: _Turn) -> ComposedReply:
        current.based_on["stop_updates"] = True
        return self._updates.updates_stopped(current.language)

    # Tracking numbers ----------------------------------------------------------------------

    async def _refresh(self, current: _Turn, numbers: Sequence[str]) -> ComposedReply:
        if not numbers:
            return self._order_replies.ask_for_number(current.language)
        subject = current.state.current_subject(current.now)
        known = _carriers_of(subject)
        parcels = [self._parcel(number, known.get(number)) for number in numbers[:MAX_NUMBERS]]
        refreshed = dict(current.state.refreshed)
        due = [
            parcel.number
            for parcel in parcels
            if (last := refreshed.get(parcel.number)) is None or current.now - last >= REFRESH_EVERY
        ]
        for number in due:
            refreshed[number] = current.now
        current.state = current.state.but(refreshed=_recent(refreshed, current.now))
        order = subject.values[0] if subject and subject.kind is SubjectKind.ORDER else None
        results = await self._lookups(parcels, refresh=set(due))
        current.based_on["refresh"] = due
        return self._parcels_reply(current, parcels, results, order_number=order)

    def _parcel(self, number: str, carrier_hint: str | None) -> _Parcel:
        """A parcel to look up: the store's carrier when we know it, else detection's guesses."""
        slug = carrier_hint if carrier_hint and carrier_named(carrier_hint) else None
        detection = self._detector.detect(number, tracking_context=True)
        guesses = tuple(
            candidate.carrier
            for found in detection.tracking_numbers
            if found.number == number
            for candidate in found.carriers
        )
        return _Parcel(number, slug, guesses)

    def _checked_number(self, number: str) -> bool:
        """Whether `number` is a tracking number whose check digit is right."""
        detection = self._detector.detect(number, tracking_context=True)
        return any(
            found.number == number and found.checksum == "valid"
            for found in detection.tracking_numbers
        )

    async def _track(
        self,
        current: _Turn,
        parcels: Sequence[_Parcel],
        *,
        not_received: bool = False,
        order: Order | None = None,
    ) -> ComposedReply:
        results = await self._lookups(parcels)
        order_number = order.order_number if order is not None else None
        if not_received and len(results) == 1:
            found = results[0]
            if isinstance(found, Found) and found.shipment.status is Status.DELIVERED:
                self._note_lookups(current, parcels, results, order_number)
                return self._not_received(current, found)
        unshipped = order is not None and (
            order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
        )
        return self._parcels_reply(
            current, parcels, results, order_number=order_number, unshipped=unshipped
        )

    def _parcels_reply(
        self,
        current: _Turn,
        parcels: Sequence[_Parcel],
        results: Sequence[LookupResult],
        *,
        order_number: str | None = None,
        unshipped: bool = False,
    ) -> ComposedReply:
        self._note_lookups(current, parcels, results, order_number)
        if len(results) == 1 and not unshipped:
            return self._tracking_replies.lookup(current.language, results[0])
        return self._tracking_replies.parcels(
            current.language, results, order_number=order_number, unshipped_items=unshipped
        )

    def _not_received(self, current: _Turn, found: Found) -> ComposedReply:
        """Delivered but not received: first the steps that find most parcels, then a person."""
        number = found.shipment.number
        if current.state.not_received_told == number:
            return self._handoff(current, HandoffReason.NOT_RECEIVED)
        current.state = current.state.but(not_received_told=number)
        return self._chat.delivered_not_received(current.language, found.shipment)

    async def _lookups(
        self, parcels: Sequence[_Parcel], *, refresh: set[str] | None = None
    ) -> list[LookupResult]:
        forced = refresh or set()
        return list(
            await asyncio.gather(
                *(
                    self._tracking.lookup(
                        TrackingQuery(number=parcel.number, carrier=parcel.carrier),
                        candidates=parcel.candidates,
                        refresh=parcel.number in forced,
                    )
                    for parcel in parcels
                )
            )
        )

    def _note_lookups(
        self,
        current: _Turn,
        parcels: Sequence[_Parcel],
        results: Sequence[LookupResult],
        order_number: str | None,
    ) -> None:
        """Remember what was answered, for the next turn, the console and the updates."""
        if order_number is not None:
            subject = Subject(kind=SubjectKind.ORDER, values=(order_number,), at=current.now)
        else:
            subject = Subject(
                kind=SubjectKind.TRACKING,
                values=tuple(parcel.number for parcel in parcels),
                carriers=tuple(parcel.carrier for parcel in parcels),
                at=current.now,
            )
        current.state = current.state.but(subject=subject)
        current.references += [("tracking", parcel.number) for parcel in parcels]
        current.based_on["shipments"] = [_snapshot(result) for result in results]
        current.follow += [
            parcel.number
            for parcel, result in zip(parcels, results, strict=True)
            if not isinstance(result, Found) or not result.shipment.status.is_terminal
        ]

    # Orders and proofs ---------------------------------------------------------------------

    async def _order(self, current: _Turn, given: str, text: str) -> ComposedReply:
        key = order_number_key(given) or given
        current.references.append(("order", key))
        try:
            order = await self._orders.find(key)
        except StoreLookupFailed as exc:
            log.warning("dialogue: store could not answer (%s)", exc.reason)
            return self._chat.temporary_problem(current.language)
        if order is None:
            if current.state.pending_order == key:
                current.state = current.state.but(pending_order=None)
            parcel = self._parcel(key, None)
            if parcel.candidates and self._checked_number(key):
                # "a encomenda 794612345680": no such order, but a valid tracking number.
                current.references.remove(("order", key))
                return await self._track(current, [parcel])
            return self._order_replies.order_not_found(current.language, given.lstrip("#"))
        shown = order.order_number
        if current.state.is_verified(shown, current.now):
            current.based_on["verification"] = "earlier"
            return await self._order_answer(current, order)
        username = await self._username(current)
        if sender_matches(order, username) is not None:
            current.based_on["verification"] = ProofKind.INSTAGRAM_USERNAME.value
            self._verified(current, shown)
            return await self._order_answer(current, order)
        locked = await self._locked(current, shown)
        if locked is not None:
            current.based_on["verification"] = "locked"
            return self._order_replies.locked_out(
                current.language, retry_after=locked - current.now
            )
        if not SupportedProofs.of(order).verifiable:
            # Nothing on the order can prove it: only the shop can tell who the buyer is.
            current.based_on["verification"] = "unverifiable"
            return self._handoff(current, HandoffReason.BUYER_ASKED)
        proof = check_proof(order, text)
        if proof is not None:
            current.based_on["verification"] = proof.value
            current.effects.append(RecordAttempt(shown, matched=True))
            self._verified(current, shown)
            answer = await self._order_answer(current, order)
            return self._order_replies.verification_passed(current.language).followed_by(answer)
        if not _offers_proof(text, current.parsed):
            current.state = current.state.but(pending_order=shown)
            current.based_on["verification"] = "asked"
            return self._order_replies.verification_prompt(current.language, shown)
        return self._failed_proof(current, shown)

    def _failed_proof(self, current: _Turn, order_number: str) -> ComposedReply:
        current.effects.append(RecordAttempt(order_number, matched=False))
        failures = dict(current.state.failures)
        failures[order_number] = failures.get(order_number, 0) + 1
        left = self._policy.per_conversation - failures[order_number]
        current.based_on["verification"] = "failed"
        if left <= 0:
            until = current.now + self._policy.lock
            locks = {**current.state.locked_until, order_number: until}
            failures.pop(order_number)
            current.state = current.state.but(
                failures=failures, locked_until=locks, pending_order=None
            )
            return self._order_replies.locked_out(current.language, retry_after=self._policy.lock)
        current.state = current.state.but(failures=failures, pending_order=order_number)
        return self._order_replies.verification_failed(current.language, left)

    def _verified(self, current: _Turn, order_number: str) -> None:
        verified = {
            number: at
            for number, at in current.state.verified.items()
            if current.state.is_verified(number, current.now)
        }
        verified[order_number] = current.now
        failures = {k: v for k, v in current.state.failures.items() if k != order_number}
        current.state = current.state.but(verified=verified, failures=failures, pending_order=None)

    async def _locked(self, current: _Turn, order_number: str) -> datetime | None:
        """Until when proofs for this order are refused here; None when they are not."""
        mine = current.state.lock_of(order_number, current.now)
        if mine is not None:
            return mine
        since = current.now - self._policy.window
        async with self._sessions() as session:
            failed = await failures_since(session, order_number, since)
        if failed >= self._policy.per_order:
            return current.now + self._policy.lock
        return None

    async def _order_answer(
        self, current: _Turn, order: Order, *, not_received: bool = False
    ) -> ComposedReply:
        if not order.parcels:
            current.state = current.state.but(
                subject=Subject(
                    kind=SubjectKind.ORDER, values=(order.order_number,), at=current.now
                )
            )
            if order.fulfillment_status in _CLOSED_ORDERS:
                return self._order_replies.order_closed(
                    current.language,
                    order.order_number,
                    refunded=order.fulfillment_status is FulfillmentStatus.REFUNDED,
                )
            return self._order_replies.not_shipped(
                current.language, order_number=order.order_number, ordered_at=order.ordered_at
            )
        parcels = [self._parcel(parcel.tracking_number, parcel.carrier) for parcel in order.parcels]
        return await self._track(current, parcels, not_received=not_received, order=order)

    async def _username(self, current: _Turn) -> str | None:
        """The sender's Instagram username: known, or read once from the profile API."""
        conversation = current.conversation
        if conversation.username or current.state.profile_read or self._profiles is None:
            return conversation.username
        current.state = current.state.but(profile_read=True)
        try:
            profile = await self._profiles.profile(conversation.igsid)
        except Exception as exc:  # a profile is optional enrichment
            log.info("dialogue: no profile for the buyer (%s)", type(exc).__name__)
            return None
        current.effects.append(RememberProfile(profile.username, profile.name))
        return profile.username

    # "Where is it?" without a number --------------------------------------------------------

    async def _where_is_it(self, current: _Turn, *, not_received: bool) -> ComposedReply:
        subject = current.state.current_subject(current.now)
        if subject is not None and subject.kind is SubjectKind.TRACKING:
            known = _carriers_of(subject)
            parcels = [self._parcel(number, known.get(number)) for number in subject.values]
            return await self._track(current, parcels, not_received=not_received)
        if subject is not None and subject.values:
            number = subject.values[0]
            if current.state.is_verified(number, current.now):
                found = await self._find_quietly(number)
                if found is not None:
                    current.references.append(("order", number))
                    current.based_on["verification"] = "earlier"
                    return await self._order_answer(current, found, not_received=not_received)
        username = await self._username(current)
        if username:
            linked = await self._repository.by_instagram_username(username)
            if linked:
                newest = max(linked, key=_order_time)
                current.references.append(("order", newest.order_number))
                current.based_on["verification"] = ProofKind.INSTAGRAM_USERNAME.value
                self._verified(current, newest.order_number)
                return await self._order_answer(current, newest, not_received=not_received)
        return self._order_replies.ask_for_number(current.language)

    async def _find_quietly(self, order_number: str) -> Order | None:
        try:
            return await self._orders.find(order_number)
        except StoreLookupFailed:
            return None

    # The reply -------------------------------------------------------------------------------

    def _reply(self, current: _Turn, composed: ComposedReply) -> Reply:
        state = current.state.but(greeted=True)
        handoff = current.based_on.get("handoff")
        based_on = {"responder": "dialogue", "reply": composed.kind.value, **current.based_on}
        return Reply(
            messages=composed.messages(),
            based_on=based_on,
            state=state.dump(),
            language=composed.language,
            handoff=handoff if isinstance(handoff, str) else None,
            references=tuple(dict.fromkeys(current.references)),
            follow=tuple(dict.fromkeys(current.follow)),
            stop_updates=composed.kind is ReplyKind.UPDATES_STOPPED,
            effects=tuple(current.effects),
        )


def _understood(parsed: ParseResult) -> dict[str, Any]:
    return {
        "intent": parsed.intent.value,
        "language": parsed.language,
        "tracking_numbers": [
            {
                "number": found.number,
                "carriers": [c.carrier for c in found.carriers],
                "checksum": found.checksum,
            }
            for found in parsed.tracking_numbers
        ],
        "order_numbers": [order.number for order in parsed.order_numbers],
        "likely_typos": [typo.number for typo in parsed.likely_typos],
        "delivered_not_received": parsed.delivered_not_received,
    }


def _snapshot(result: LookupResult) -> dict[str, Any]:
    """What a reply was based on for one parcel, as the merchant sees it in the console."""
    if isinstance(result, Found):
        shipment = result.shipment
        latest = shipment.events[0] if shipment.events else None
        return {
            "number": shipment.number,
            "found": True,
            "carrier": shipment.carrier,
            "status": shipment.status.value,
            "exception_reason": shipment.exception_reason.value
            if shipment.exception_reason
            else None,
            "source": shipment.source,
            "checked_at": shipment.checked_at.isoformat(),
            "age_seconds": int(result.age.total_seconds()),
            "served_from_cache": result.served_from_cache,
            "stale": result.stale,
            "last_scan_at": shipment.last_scan_at.isoformat() if shipment.last_scan_at else None,
            "latest_event": latest.description if latest else None,
        }
    if isinstance(result, NotFoundYet):
        return {
            "number": result.number,
            "found": False,
            "not_found_since": result.since.isoformat(),
            "sources": list(result.sources),
        }
    assert isinstance(result, Failed)
    return {
        "number": result.number,
        "found": False,
        "failed": result.reason,
        "cached_status": result.cached.status.value if result.cached else None,
    }


def _carriers_of(subject: Subject | None) -> dict[str, str | None]:
    if subject is None or subject.kind is not SubjectKind.TRACKING:
        return {}
    return dict(zip(subject.values, subject.carriers, strict=False))


def _recent(stamps: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """Refresh times still inside the refresh interval (older ones mean nothing any more)."""
    return {number: at for number, at in stamps.items() if now - at < REFRESH_EVERY}


def _offers_proof(text: str, parsed: ParseResult | None) -> bool:
    """Whether the message, beyond its order and tracking numbers, holds something proof-like."""
    if parsed is None:
        return bool(_PROOF_LIKE.search(text))
    spans = [(o.start, o.end) for o in parsed.order_numbers]
    spans += [(f.start, f.end) for f in parsed.tracking_numbers]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return bool(_PROOF_LIKE.search("".join(chars)))


def _order_time(order: Order) -> datetime:
    return order.ordered_at or order.updated_at


__all__ = ["DialogueResponder", "ProfileReader", "TrackingLookup", "VerificationPolicy"]
