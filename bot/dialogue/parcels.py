"""The tracking-number answer: look the parcels up, answer, and remember what was answered.

A tracking number is answered to anyone (the carrier shows it publicly). The same flow answers
a "Refresh" tap, "where is it?" about the conversation's last parcels, and an order's parcels
once the order is proved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.dialogue.exchange import Exchange
from bot.dialogue.not_received import NotReceived
from bot.dialogue.state import Subject, SubjectKind
from bot.replies.composer import ComposedReply
from bot.replies.tracking import FOLLOW_UPS, TrackingReplies
from bot.understanding import ParseResult
from bot.understanding.lexicon import Aspect
from carriers.catalog import carrier as carrier_named
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet, TrackingLookup
from carriers.models import Shipment, Status, TrackingQuery
from carriers.numbers.detector import NumberDetector
from stores.models import FulfillmentStatus, Order

MAX_NUMBERS = 10
"""Tracking numbers looked up from one message; more are a paste of something else."""

REFRESH_EVERY = timedelta(minutes=2)
"""A "Refresh" tap asks the carrier again at most this often per number; sooner, the cache."""


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel to look up: its number, the carrier when known, detection's guesses."""

    number: str
    carrier: str | None
    candidates: tuple[str, ...] = ()


class ParcelFlow:
    def __init__(
        self,
        detector: NumberDetector,
        tracking: TrackingLookup,
        replies: TrackingReplies,
        not_received: NotReceived,
        *,
        has_sources: bool = True,
    ) -> None:
        """`has_sources` False: no tracking source is configured, and every parcel question is
        answered with that (and a person), never with a lookup."""
        self._detector = detector
        self._tracking = tracking
        self._replies = replies
        self._not_received = not_received
        self._has_sources = has_sources

    def in_message(self, parsed: ParseResult) -> list[Parcel]:
        """The parcels a message names (at most `MAX_NUMBERS`), with the carriers detected."""
        return [
            Parcel(found.number, None, tuple(c.carrier for c in found.carriers))
            for found in parsed.tracking_numbers[:MAX_NUMBERS]
        ]

    def parcel(self, number: str, carrier_hint: str | None) -> Parcel:
        """A parcel to look up: the store's carrier when we know it, else detection's guesses."""
        slug = carrier_hint if carrier_hint and carrier_named(carrier_hint) else None
        detection = self._detector.detect(number, tracking_context=True)
        guesses = tuple(
            candidate.carrier
            for found in detection.tracking_numbers
            if found.number == number
            for candidate in found.carriers
        )
        return Parcel(number, slug, guesses)

    def checked_number(self, number: str) -> bool:
        """Whether `number` is a tracking number whose check digit is right."""
        detection = self._detector.detect(number, tracking_context=True)
        return any(
            found.number == number and found.checksum == "valid"
            for found in detection.tracking_numbers
        )

    async def track(
        self,
        exchange: Exchange,
        parcels: Sequence[Parcel],
        *,
        not_received: bool = False,
        order: Order | None = None,
    ) -> ComposedReply:
        """Look the parcels up and answer; "delivered but not received" about one delivered
        parcel gets the steps to find it instead."""
        if not self._has_sources:
            return self._replies.no_tracking_source(exchange.language)
        results = await self._lookups(parcels)
        order_number = order.order_number if order is not None else None
        if not_received and len(results) == 1:
            found = results[0]
            if isinstance(found, Found) and found.shipment.status is Status.DELIVERED:
                self._note_lookups(exchange, parcels, results, order_number)
                return self._not_received.answer(exchange, found)
        unshipped = order is not None and (
            order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
        )
        return self._answer(
            exchange, parcels, results, order_number=order_number, unshipped=unshipped
        )

    async def last_asked(self, exchange: Exchange, *, not_received: bool) -> ComposedReply | None:
        """The conversation's last parcels answered again; None when it was not about parcels."""
        subject = exchange.state.current_subject(exchange.now)
        if subject is None or subject.kind is not SubjectKind.TRACKING:
            return None
        known = _carriers_of(subject)
        parcels = [self.parcel(number, known.get(number)) for number in subject.values]
        return await self.track(exchange, parcels, not_received=not_received)

    async def refresh(self, exchange: Exchange, numbers: Sequence[str]) -> ComposedReply:
        """A "Refresh" tap: the carrier asked again for numbers not refreshed just now."""
        if not self._has_sources:
            return self._replies.no_tracking_source(exchange.language)
        subject = exchange.state.current_subject(exchange.now)
        known = _carriers_of(subject)
        parcels = [self.parcel(number, known.get(number)) for number in numbers[:MAX_NUMBERS]]
        refreshed = dict(exchange.state.refreshed)
        due = [
            parcel.number
            for parcel in parcels
            if (last := refreshed.get(parcel.number)) is None
            or exchange.now - last >= REFRESH_EVERY
        ]
        for number in due:
            refreshed[number] = exchange.now
        exchange.state = exchange.state.but(refreshed=_recent(refreshed, exchange.now))
        order = subject.values[0] if subject and subject.kind is SubjectKind.ORDER else None
        results = await self._lookups(parcels, refresh=set(due))
        exchange.based_on["refresh"] = due
        return self._answer(exchange, parcels, results, order_number=order)

    def _answer(
        self,
        exchange: Exchange,
        parcels: Sequence[Parcel],
        results: Sequence[LookupResult],
        *,
        order_number: str | None = None,
        unshipped: bool = False,
    ) -> ComposedReply:
        said_before = exchange.state
        self._note_lookups(exchange, parcels, results, order_number)
        numbers = tuple(parcel.number for parcel in parcels)
        exchange.shown += numbers
        aspect = exchange.parsed.aspect if exchange.parsed is not None else None
        shipments = _shipments(results)
        exchange.latest = {s.number: _newest_scan(s) for s in shipments}
        if aspect is not None and aspect in FOLLOW_UPS and said_before.described(numbers):
            exchange.based_on["follow_up"] = aspect.value
            if shipments:
                return self._replies.follow_up(exchange.language, shipments, aspect)
        parsed = exchange.parsed
        asked_again = (
            parsed is not None and not parsed.tracking_numbers and aspect in {None, Aspect.STATUS}
        )
        if asked_again and shipments and said_before.unchanged(exchange.latest):
            # "Any update?" with nothing new: say so, rather than the same card again.
            exchange.based_on["follow_up"] = "unchanged"
            return self._replies.unchanged(exchange.language, shipments)
        if len(results) == 1 and not unshipped:
            return self._replies.lookup(exchange.language, results[0])
        return self._replies.parcels(
            exchange.language, results, order_number=order_number, unshipped_items=unshipped
        )

    async def _lookups(
        self, parcels: Sequence[Parcel], *, refresh: set[str] | None = None
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
        exchange: Exchange,
        parcels: Sequence[Parcel],
        results: Sequence[LookupResult],
        order_number: str | None,
    ) -> None:
        """Remember what was answered, for the next turn, the console and the updates."""
        if order_number is not None:
            subject = Subject(kind=SubjectKind.ORDER, values=(order_number,), at=exchange.now)
        else:
            subject = Subject(
                kind=SubjectKind.TRACKING,
                values=tuple(parcel.number for parcel in parcels),
                carriers=tuple(parcel.carrier for parcel in parcels),
                at=exchange.now,
            )
        exchange.state = exchange.state.but(subject=subject)
        exchange.references += [("tracking", parcel.number) for parcel in parcels]
        exchange.based_on["shipments"] = [_snapshot(result) for result in results]
        exchange.follow += [
            parcel.number
            for parcel, result in zip(parcels, results, strict=True)
            if not isinstance(result, Found) or not result.shipment.status.is_terminal
        ]


def _snapshot(result: LookupResult) -> dict[str, Any]:
    """What a reply was based on for one parcel, as the merchant sees it in the console."""
    if isinstance(result, Found):
        return _found_snapshot(result)
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


def _found_snapshot(result: Found) -> dict[str, Any]:
    shipment = result.shipment
    latest = shipment.events[0] if shipment.events else None
    return {
        "number": shipment.number,
        "found": True,
        "carrier": shipment.carrier,
        "status": shipment.status.value,
        "exception_reason": shipment.exception_reason.value if shipment.exception_reason else None,
        "source": shipment.source,
        "checked_at": shipment.checked_at.isoformat(),
        "age_seconds": int(result.age.total_seconds()),
        "served_from_cache": result.served_from_cache,
        "stale": result.stale,
        "last_scan_at": shipment.last_scan_at.isoformat() if shipment.last_scan_at else None,
        "latest_event": latest.description if latest else None,
    }


def _newest_scan(shipment: Shipment) -> str:
    newest = shipment.events[0] if shipment.events else None
    return f"{newest.local_iso}|{newest.status}" if newest else shipment.status.value


def _shipments(results: Sequence[LookupResult]) -> list[Shipment]:
    """Each result's shipment (found, or cached when the carrier failed); empty when any parcel
    has none (then the full answer says what is known)."""
    shipments = []
    for result in results:
        if isinstance(result, Found):
            shipments.append(result.shipment)
        elif isinstance(result, Failed) and result.cached is not None:
            shipments.append(result.cached)
        else:
            return []
    return shipments


def _carriers_of(subject: Subject | None) -> dict[str, str | None]:
    if subject is None or subject.kind is not SubjectKind.TRACKING:
        return {}
    return dict(zip(subject.values, subject.carriers, strict=False))


def _recent(stamps: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """Refresh times still inside the refresh interval (older ones mean nothing any more)."""
    return {number: at for number, at in stamps.items() if now - at < REFRESH_EVERY}


__all__ = ["MAX_NUMBERS", "REFRESH_EVERY", "Parcel", "ParcelFlow", "TrackingLookup"]
