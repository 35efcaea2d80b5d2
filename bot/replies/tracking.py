"""Tracking cards: where one parcel is, a list of parcels, and what to say when nothing is known.

A parcel is described by `bot.replies.answer` (headline, estimate, timeline, explanation,
silence note, carrier link), the same wherever the buyer reads about it; this module decides
which parcels to describe and adds the list, the "not found yet" and "unavailable" answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType

from bot.replies import buttons
from bot.replies.answer import (
    NO_ESTIMATE,
    carrier_link,
    days_between,
    delivery_event,
    lost_paragraphs,
    return_paragraphs,
    shipment_paragraphs,
    short_status,
    unchanged_paragraphs,
    when_paragraphs,
)
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.composer import MAX_PARCEL_LINES, ComposedReply, ReplyKind, compose
from bot.replies.dates import day, window
from bot.replies.silence import read_silence
from bot.understanding.lexicon import Aspect
from carriers.catalog import carrier as carrier_named
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet
from carriers.models import Shipment, Status

FOLLOW_UPS: Mapping[Aspect, Callable[[Translation, Shipment, datetime], list[str]]] = (
    MappingProxyType(
        {
            Aspect.DELIVERY_TIME: when_paragraphs,
            Aspect.DELAY: lost_paragraphs,
            Aspect.RETURNED: return_paragraphs,
        }
    )
)
"""The follow-up questions about a parcel just described, and the part of its answer each gets."""

NOT_FOUND_WORRY_DAYS = 5
"""Not found for this many days is no longer "just too new": the number may be wrong."""

ATTENTION = (
    Status.EXCEPTION,
    Status.FAILED_ATTEMPT,
    Status.AVAILABLE_FOR_PICKUP,
    Status.RETURNING,
    Status.RETURNED,
    Status.EXPIRED,
)
"""Statuses a parcel list singles out for details, most urgent first."""


class TrackingReplies:
    """The answers to a tracking lookup, one parcel or several.

    `clock` returns the current aware UTC time (durations, "this year", passed estimates).
    `sends_first_news`: update DMs tell a followed parcel's first scan, so a number no carrier
    knows yet can be promised that (else the buyer is asked to check again later).
    """

    def __init__(
        self,
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        *,
        sends_first_news: bool = False,
    ) -> None:
        self._catalogs = catalogs
        self._clock = clock
        self._sends_first_news = sends_first_news

    def lookup(self, language: str | None, result: LookupResult) -> ComposedReply:
        """The answer for one tracking lookup, whatever it found."""
        if isinstance(result, Found):
            unreachable = result.shipment.checked_at if result.sync.failing else None
            return self.shipment(language, result.shipment, unreachable_since=unreachable)
        if isinstance(result, NotFoundYet):
            return self.not_found_yet(language, result.number, since=result.since)
        if result.cached is not None:
            return self.shipment(
                language, result.cached, unreachable_since=result.cached.checked_at
            )
        return self.tracking_unavailable(language, result.number)

    def shipment(
        self,
        language: str | None,
        shipment: Shipment,
        *,
        unreachable_since: datetime | None = None,
    ) -> ComposedReply:
        """Where one parcel is: headline, estimate, timeline, explanation, carrier link.

        `unreachable_since`: the carrier could not be reached after this time (then the reply
        says how long ago its data was fetched). A label created with no scan yet (pending,
        info_received) gets its own wording, including how unusual the wait is.
        """
        t = self._catalogs.translation(language)
        paragraphs = shipment_paragraphs(t, shipment, self._clock(), unreachable_since)
        replies = [buttons.refresh(t, [shipment.number]), buttons.person(t)]
        return compose(ReplyKind.SHIPMENT, t, paragraphs, replies)

    def follow_up(
        self, language: str | None, shipments: Sequence[Shipment], aspect: Aspect
    ) -> ComposedReply:
        """The part of each parcel's answer that answers a follow-up question about parcels
        just described (`FOLLOW_UPS`: when, is it lost, why sent back), each with its link.

        Raises KeyError for an aspect without a follow-up answer (status, not received).
        """
        return self._parts(language, shipments, FOLLOW_UPS[aspect])

    def unchanged(self, language: str | None, shipments: Sequence[Shipment]) -> ComposedReply:
        """Asked again with no new scan since the last answer: that, not the same card."""
        return self._parts(language, shipments, unchanged_paragraphs)

    def _parts(
        self,
        language: str | None,
        shipments: Sequence[Shipment],
        answer: Callable[[Translation, Shipment, datetime], list[str]],
    ) -> ComposedReply:
        """`answer`'s paragraphs for each parcel, each followed by its link."""
        t = self._catalogs.translation(language)
        paragraphs: list[str] = []
        for shipment in shipments:
            paragraphs += answer(t, shipment, self._clock())
            link = carrier_link(t, shipment)
            if link:
                paragraphs.append(link)
        numbers = [shipment.number for shipment in shipments]
        replies = [buttons.refresh(t, numbers), buttons.person(t)]
        return compose(ReplyKind.FOLLOW_UP, t, paragraphs, replies)

    def parcels(
        self,
        language: str | None,
        results: Sequence[LookupResult],
        *,
        order_number: str | None = None,
        unshipped_items: bool = False,
    ) -> ComposedReply:
        """Several parcels (several numbers, or an order shipped in parts): one line each, then
        the details of the one that most needs attention.

        `unshipped_items`: part of the order has not shipped yet. One result without an order
        is answered as that parcel alone. Raises ValueError for no results.
        """
        if not results:
            raise ValueError("parcels() needs at least one lookup result")
        if len(results) == 1 and order_number is None and not unshipped_items:
            return self.lookup(language, results[0])
        t = self._catalogs.translation(language)
        shown = results[:MAX_PARCEL_LINES]
        paragraphs = [self._parcel_list(t, results, order_number)]
        if unshipped_items:
            paragraphs.append(
                t.gettext(
                    "Part of your order hasn't shipped yet. It will get its own tracking "
                    "number when it does."
                )
            )
        paragraphs += self._parcels_details(t, results)
        numbers = [_number_of(result) for result in shown]
        replies = [buttons.refresh(t, numbers), buttons.person(t)]
        return compose(ReplyKind.PARCELS, t, paragraphs, replies)

    def not_found_yet(
        self, language: str | None, number: str, *, since: datetime | None = None
    ) -> ComposedReply:
        """No carrier knows the number yet: honest, with what is normal, and when to worry.

        `since`: when sources first said "not found" (from `NotFoundYet.since`).
        """
        t = self._catalogs.translation(language)
        paragraphs = [t.gettext("I can't find any tracking for {number} yet.", number=number)]
        days = days_between(since, self._clock()) if since is not None else 0
        if days >= NOT_FOUND_WORRY_DAYS:
            late = t.ngettext(
                "The carrier has shown nothing for {days} day now, which is longer than usual.",
                "The carrier has shown nothing for {days} days now, which is longer than usual.",
                days,
                days=days,
            )
            check = t.gettext(
                "The number may have a typo, or the parcel may not have been handed to the "
                "carrier yet. Please compare it with your shipping confirmation, or ask for a "
                "person here and the shop will check."
            )
            paragraphs.append(t.join(late, check))
        elif self._sends_first_news:
            paragraphs.append(
                t.gettext(
                    "That's normal for a new shipment: the carrier's first scan often takes 1–3 "
                    "days, and tracking sites can take a few more hours to show it. I'm "
                    "following it: if the first scan shows up within a day, I'll send it to you "
                    "here; after that, just message me and I'll have it."
                )
            )
        else:
            paragraphs.append(
                t.gettext(
                    "That's normal for a new shipment: the carrier's first scan often takes 1–3 "
                    "days, and tracking sites can take a few more hours to show it. Please check "
                    "again later."
                )
            )
        replies = [buttons.refresh(t, [number]), buttons.person(t)]
        return compose(ReplyKind.NOT_FOUND_YET, t, paragraphs, replies)

    def no_tracking_source(self, language: str | None) -> ComposedReply:
        """No tracking source is configured at all: said as it is, never a made-up parcel."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "I can't look up tracking in this chat yet: the shop hasn't connected a tracking "
            "service. Ask for a person here and the shop will check your parcel for you."
        )
        return compose(ReplyKind.TRACKING_UNAVAILABLE, t, [text], [buttons.person(t)])

    def tracking_unavailable(self, language: str | None, number: str) -> ComposedReply:
        """No source could be reached and nothing is cached for the number."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "I couldn't get tracking for {number} from the carrier just now. This is usually "
            "temporary: please try again in a few minutes.",
            number=number,
        )
        replies = [buttons.refresh(t, [number]), buttons.person(t)]
        return compose(ReplyKind.TRACKING_UNAVAILABLE, t, [text], replies)

    # A list of parcels ----------------------------------------------------------------------

    def _parcel_list(
        self, t: Translation, results: Sequence[LookupResult], order_number: str | None
    ) -> str:
        """The header, one numbered line per parcel (at most `MAX_PARCEL_LINES`), how many more."""
        today = self._clock().date()
        count = len(results)
        if order_number is not None:
            header = t.ngettext(
                "Order {order} was sent in {count} parcel:",
                "Order {order} was sent in {count} parcels:",
                count,
                order=order_number,
                count=count,
            )
        else:
            header = t.ngettext(
                "Here's where your {count} parcel is:",
                "Here's where your {count} parcels are:",
                count,
                count=count,
            )
        lines = [header]
        shown = results[:MAX_PARCEL_LINES]
        for index, result in enumerate(shown, start=1):
            lines.append(f"{index}. {_parcel_line(t, result, today)}")
        if count > len(shown):
            more = count - len(shown)
            lines.append(
                t.ngettext(
                    "…and {count} more parcel.", "…and {count} more parcels.", more, count=more
                )
            )
        return "\n".join(lines)

    def _parcels_details(self, t: Translation, results: Sequence[LookupResult]) -> list[str]:
        """The full answer for the parcel that needs attention, else a word that all is well."""
        focus = _needs_attention(results, self._clock())
        if focus is not None:
            shipment, unreachable = focus
            return shipment_paragraphs(t, shipment, self._clock(), unreachable)
        if not all(_shipment_of(result) is not None for result in results):
            return []
        if all(_status_of(result) is Status.DELIVERED for result in results):
            return [t.gettext("Every parcel has been delivered.")]
        return [
            t.gettext(
                "Nothing needs your attention right now. Send me one of the numbers "
                "for its full details."
            )
        ]


def _parcel_line(t: Translation, result: LookupResult, today: date) -> str:
    shipment = _shipment_of(result)
    number = _number_of(result)
    if shipment is None:
        if isinstance(result, NotFoundYet):
            status = t.gettext("Not found yet")
        else:
            status = t.gettext("Couldn't check just now")
    else:
        status = short_status(t, shipment)
        detail = _line_detail(t, shipment, today)
        if detail:
            status = f"{status} · {detail}"
    known = carrier_named(shipment.carrier) if shipment and shipment.carrier else None
    if known is not None:
        return t.gettext(
            "{number} ({carrier}): {status}", number=number, carrier=known.name, status=status
        )
    return t.gettext("{number}: {status}", number=number, status=status)


def _line_detail(t: Translation, shipment: Shipment, today: date) -> str | None:
    if shipment.status is Status.DELIVERED:
        delivered = delivery_event(shipment)
        if delivered is not None:
            return day(t.locale, delivered.occurred_local.date(), today=today)
        return None
    if shipment.status in NO_ESTIMATE or shipment.estimated_delivery is None:
        return None
    dates = window(t.locale, shipment.estimated_delivery, today=today)
    if dates is None:
        return None
    # TRANSLATORS: after a parcel's state in a list: when it should arrive.
    return t.gettext("expected {dates}", dates=dates)


def _shipment_of(result: LookupResult) -> Shipment | None:
    if isinstance(result, Found):
        return result.shipment
    if isinstance(result, Failed):
        return result.cached
    return None


def _status_of(result: LookupResult) -> Status | None:
    shipment = _shipment_of(result)
    return shipment.status if shipment is not None else None


def _number_of(result: LookupResult) -> str:
    return result.shipment.number if isinstance(result, Found) else result.number


def _needs_attention(
    results: Sequence[LookupResult], now: datetime
) -> tuple[Shipment, datetime | None] | None:
    """The shipment a parcel list explains in full, and since when its carrier was unreachable.

    A parcel the buyer must act on comes first, then by status (exception, failed attempt,
    pickup, returning, returned, expired), then one whose carrier has gone quiet for longer
    than usual. None when every parcel is fine.
    """
    ranked: list[tuple[int, int, Shipment, datetime | None]] = []
    for position, result in enumerate(results):
        shipment = _shipment_of(result)
        if shipment is None:
            continue
        rank = _attention_rank(shipment, now)
        if rank is None:
            continue
        unreachable: datetime | None = None
        if isinstance(result, Failed) or (isinstance(result, Found) and result.sync.failing):
            unreachable = shipment.checked_at
        ranked.append((rank, position, shipment, unreachable))
    if not ranked:
        return None
    _, _, shipment, unreachable = min(ranked, key=lambda item: (item[0], item[1]))
    return shipment, unreachable


def _attention_rank(shipment: Shipment, now: datetime) -> int | None:
    """How urgently a parcel needs explaining (0 first); None when it is fine."""
    if shipment.needs_action:
        return 0
    if shipment.status in ATTENTION:
        return 1 + ATTENTION.index(shipment.status)
    silence = read_silence(shipment, now)
    if silence is None or not (silence.beyond_usual or silence.overdue(now.date())):
        return None
    return 1 + len(ATTENTION)


__all__ = ["ATTENTION", "FOLLOW_UPS", "NOT_FOUND_WORRY_DAYS", "TrackingReplies"]
