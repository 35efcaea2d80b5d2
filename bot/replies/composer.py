"""The words a buyer reads: one method per situation, each a reply in the buyer's language.

Every reply is built from the translation catalogs (never from strings in code that skip
them), split into parts of at most 1000 UTF-8 bytes, with quick replies whose titles fit in
20 characters and whose payloads are stable (`bot.replies.payloads`). The composer only ever
receives what a buyer may be told: tracking data, order and tracking numbers, counts and
times, never names, addresses, emails or phone numbers, so none can appear in a reply.

Text that only makes sense with a button also says it in words ("ask for a person here"),
because quick replies are not shown on Instagram's desktop web (instagram-messaging.md §8.3.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from html import escape

from bot.instagram.messages import QuickReply, TextMessage
from bot.instagram.splitter import TEXT_LIMIT_BYTES, split_text
from bot.replies.answer import (
    NO_ESTIMATE,
    carrier_link,
    days_between,
    delivery_event,
    estimate,
    explanation,
    shipment_paragraphs,
    short_status,
    update_sentence,
)
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.dates import day, event_time, place, window
from bot.replies.payloads import STOP_UPDATES_PAYLOAD, TALK_TO_PERSON_PAYLOAD, refresh_payload
from bot.replies.silence import read_silence
from bot.replies.timeline import timeline_lines
from carriers.catalog import carrier as carrier_named
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet
from carriers.models import Shipment, Status
from carriers.numbers.detector import LikelyTypo

MAX_PARCEL_LINES = 10
"""A longer order lists the first ten parcels and says how many more there are."""

NOT_FOUND_WORRY_DAYS = 5
"""Not found for this many days is no longer "just too new": the number may be wrong."""

NOT_SHIPPED_WORRY_DAYS = 5
"""An order unshipped this long after it was placed is longer than shops usually take."""

# Statuses a parcel list singles out for details, most urgent first.
_ATTENTION = (
    Status.EXCEPTION,
    Status.FAILED_ATTEMPT,
    Status.AVAILABLE_FOR_PICKUP,
    Status.RETURNING,
    Status.RETURNED,
    Status.EXPIRED,
)


class ReplyKind(StrEnum):
    """Which situation a reply answers: a stable slug for logs, the console and tests."""

    SHIPMENT = "shipment"
    PARCELS = "parcels"
    NOT_FOUND_YET = "not_found_yet"
    TRACKING_UNAVAILABLE = "tracking_unavailable"
    NOT_SHIPPED = "not_shipped"
    ORDER_CLOSED = "order_closed"
    LIKELY_TYPO = "likely_typo"
    ASK_FOR_NUMBER = "ask_for_number"
    ORDER_NOT_FOUND = "order_not_found"
    VERIFICATION_PROMPT = "verification_prompt"
    VERIFICATION_PASSED = "verification_passed"
    VERIFICATION_FAILED = "verification_failed"
    LOCKED_OUT = "locked_out"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    HANDOFF = "handoff"
    GREETING = "greeting"
    THANKS = "thanks"
    OTHER = "other"
    SINCE_WE_LAST_SPOKE = "since_we_last_spoke"
    UPDATE = "update"
    UPDATES_STOPPED = "updates_stopped"
    TEMPORARY_PROBLEM = "temporary_problem"


class HandoffReason(StrEnum):
    """Why a conversation goes to a person; the values are what the dialogue records."""

    BUYER_ASKED = "buyer_asked"
    REFUND_OR_RETURN = "refund_or_return"
    CANCEL_OR_CHANGE = "cancel_or_change"
    NOT_RECEIVED = "not_received"


@dataclass(frozen=True, slots=True)
class ComposedReply:
    """One reply: text parts of at most 1000 UTF-8 bytes each, and the quick replies that go
    under the last part. `language` is the language it is written in (after fallbacks)."""

    kind: ReplyKind
    language: str
    parts: tuple[str, ...]
    quick_replies: tuple[QuickReply, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)

    def messages(self) -> list[TextMessage]:
        """The Send API messages, quick replies on the last (Instagram shows them there only)."""
        last = len(self.parts) - 1
        return [
            TextMessage(text=part, quick_replies=self.quick_replies if index == last else ())
            for index, part in enumerate(self.parts)
        ]

    def followed_by(self, other: ComposedReply) -> ComposedReply:
        """This reply and then `other`, packed into as few parts as fit; `other`'s kind and
        quick replies (it is what the buyer answers next)."""
        return replace(other, parts=pack((*self.parts, *other.parts)))


@dataclass(frozen=True, slots=True)
class EmailBody:
    """An update email (proactive updates, issue 7): subject, plain text and HTML alternatives
    in `language`, both carrying the unsubscribe link."""

    language: str
    subject: str
    text: str
    html: str


def pack(paragraphs: Sequence[str], limit: int = TEXT_LIMIT_BYTES) -> tuple[str, ...]:
    """Paragraphs packed into as few parts of at most `limit` UTF-8 bytes as fit, in order.

    A part breaks between paragraphs, so a timeline or a list of steps stays whole in one
    message; only a paragraph longer than `limit` on its own is cut (by `split_text`).
    """
    parts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in split_text(paragraph, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined.encode("utf-8")) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return tuple(parts)


class ReplyComposer:
    """Writes every reply the dialogue and the proactive updates send.

    `clock` returns the current aware UTC time (durations, "this year", passed estimates);
    `store_name` is how the shop is named to buyers; `order_example` is an order number shaped
    like the shop's, shown when asking for one.
    """

    def __init__(
        self,
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        store_name: str,
        *,
        order_example: str = "#1001",
    ) -> None:
        self._catalogs = catalogs
        self._clock = clock
        self._store = store_name
        self._order_example = order_example

    # Tracking answers ---------------------------------------------------------------------

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
        t = self._translation(language)
        paragraphs = shipment_paragraphs(t, shipment, self._clock(), unreachable_since)
        replies = [self._refresh(t, [shipment.number]), self._person(t)]
        return self._reply(ReplyKind.SHIPMENT, t, paragraphs, replies)

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
        t = self._translation(language)
        today = self._today()
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
            lines.append(f"{index}. {self._parcel_line(t, result, today)}")
        if count > len(shown):
            more = count - len(shown)
            lines.append(
                t.ngettext(
                    "…and {count} more parcel.", "…and {count} more parcels.", more, count=more
                )
            )
        paragraphs = ["\n".join(lines)]
        if unshipped_items:
            paragraphs.append(
                t.gettext(
                    "Part of your order hasn't shipped yet. It will get its own tracking "
                    "number when it does."
                )
            )
        focus = _needs_attention(results, self._clock())
        if focus is not None:
            shipment, unreachable = focus
            paragraphs += shipment_paragraphs(t, shipment, self._clock(), unreachable)
        elif all(_shipment_of(result) is not None for result in results):
            if all(_status_of(result) is Status.DELIVERED for result in results):
                paragraphs.append(t.gettext("Every parcel has been delivered."))
            else:
                paragraphs.append(
                    t.gettext(
                        "Nothing needs your attention right now. Send me one of the numbers "
                        "for its full details."
                    )
                )
        numbers = [_number_of(result) for result in shown]
        replies = [self._refresh(t, numbers), self._person(t)]
        return self._reply(ReplyKind.PARCELS, t, paragraphs, replies)

    def not_found_yet(
        self, language: str | None, number: str, *, since: datetime | None = None
    ) -> ComposedReply:
        """No carrier knows the number yet: honest, with what is normal, and when to worry.

        `since`: when sources first said "not found" (from `NotFoundYet.since`).
        """
        t = self._translation(language)
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
        else:
            paragraphs.append(
                t.gettext(
                    "That's normal for a new shipment: the carrier's first scan often takes 1–3 "
                    "days, and tracking sites can take a few more hours to show it. Please check "
                    "again later."
                )
            )
        replies = [self._refresh(t, [number]), self._person(t)]
        return self._reply(ReplyKind.NOT_FOUND_YET, t, paragraphs, replies)

    def tracking_unavailable(self, language: str | None, number: str) -> ComposedReply:
        """No source could be reached and nothing is cached for the number."""
        t = self._translation(language)
        text = t.gettext(
            "I couldn't get tracking for {number} from the carrier just now. This is usually "
            "temporary: please try again in a few minutes.",
            number=number,
        )
        replies = [self._refresh(t, [number]), self._person(t)]
        return self._reply(ReplyKind.TRACKING_UNAVAILABLE, t, [text], replies)

    # Orders and numbers -----------------------------------------------------------------

    def not_shipped(
        self,
        language: str | None,
        *,
        order_number: str | None = None,
        ordered_at: datetime | None = None,
    ) -> ComposedReply:
        """The order has no tracking number yet because it has not shipped."""
        t = self._translation(language)
        if order_number is not None:
            first = t.gettext(
                "Your order {order} hasn't shipped yet, so it doesn't have a tracking number.",
                order=order_number,
            )
        else:
            first = t.gettext(
                "Your order hasn't shipped yet, so it doesn't have a tracking number."
            )
        days = days_between(ordered_at, self._clock()) if ordered_at is not None else 0
        if days >= NOT_SHIPPED_WORRY_DAYS:
            second = t.ngettext(
                "It's been {days} day since you ordered, which is longer than usual: ask for a "
                "person here and the shop will check on it.",
                "It's been {days} days since you ordered, which is longer than usual: ask for a "
                "person here and the shop will check on it.",
                days,
                days=days,
            )
        else:
            second = t.gettext(
                "Orders usually ship within a few business days. Once it ships, send me your "
                "order number again and I'll show you where it is."
            )
        return self._reply(ReplyKind.NOT_SHIPPED, t, [first, second], [self._person(t)])

    def order_closed(
        self, language: str | None, order_number: str, *, refunded: bool = False
    ) -> ComposedReply:
        """The order was cancelled (or refunded) before it shipped: it will not arrive."""
        t = self._translation(language)
        if refunded:
            first = t.gettext(
                "Order {order} was refunded, so it won't be shipped.", order=order_number
            )
        else:
            first = t.gettext(
                "Order {order} was cancelled, so it won't be shipped.", order=order_number
            )
        second = t.gettext(
            "If that's not what you expected, ask for a person here and the shop will explain."
        )
        return self._reply(ReplyKind.ORDER_CLOSED, t, [t.join(first, second)], [self._person(t)])

    def likely_typo(self, language: str | None, typos: Sequence[LikelyTypo]) -> ComposedReply:
        """Numbers shaped like tracking numbers that fail their format: quote them, ask to check.

        Raises ValueError for no typos.
        """
        if not typos:
            raise ValueError("likely_typo() needs at least one likely typo")
        t = self._translation(language)
        lines = [_typo_line(t, typo) for typo in typos[:MAX_PARCEL_LINES]]
        ask = t.gettext(
            "Please check it against your shipping confirmation and send it again. You can also "
            "send your order number instead (for example {example}).",
            example=self._order_example,
        )
        return self._reply(ReplyKind.LIKELY_TYPO, t, ["\n".join(lines), ask], [self._person(t)])

    def ask_for_number(self, language: str | None) -> ComposedReply:
        """Ask for an order or tracking number, with an example and where to find one."""
        t = self._translation(language)
        text = t.gettext(
            "Please send me your order number (for example {example}) or your tracking number, "
            "and I'll check where your parcel is. You'll find both in your order or shipping "
            "confirmation email.",
            example=self._order_example,
        )
        return self._reply(ReplyKind.ASK_FOR_NUMBER, t, [text], [self._person(t)])

    def order_not_found(self, language: str | None, order_number: str) -> ComposedReply:
        """No order has this number."""
        t = self._translation(language)
        text = t.gettext(
            "I couldn't find order {order}. Please check the number in your order confirmation "
            "and send it again, or send the tracking number instead.",
            order=order_number,
        )
        return self._reply(ReplyKind.ORDER_NOT_FOUND, t, [text], [self._person(t)])

    # Verification -------------------------------------------------------------------------

    def verification_prompt(self, language: str | None, order_number: str) -> ComposedReply:
        """Ask the buyer to prove the order is theirs, naming every accepted detail, so the
        prompt never reveals which details the order has."""
        t = self._translation(language)
        text = t.gettext(
            "To keep order details private, I first need to check that order {order} is yours. "
            "Please reply with one of these:\n"
            "• the email address used for the order\n"
            "• the last 4 digits of the phone number on it\n"
            "• the delivery postcode or ZIP code",
            order=order_number,
        )
        return self._reply(ReplyKind.VERIFICATION_PROMPT, t, [text], [self._person(t)])

    def verification_passed(self, language: str | None) -> ComposedReply:
        """A short thanks, to go before the answer (`followed_by`)."""
        t = self._translation(language)
        text = t.gettext("Thanks, that matches the order.")
        return self._reply(ReplyKind.VERIFICATION_PASSED, t, [text], [])

    def verification_failed(self, language: str | None, attempts_left: int) -> ComposedReply:
        """The detail did not match; never says which detail or what is on file."""
        t = self._translation(language)
        first = t.gettext(
            "Sorry, that doesn't match the details on this order, so I can't show it. Please "
            "check and try again."
        )
        left = max(attempts_left, 0)
        second = t.ngettext(
            "You have {count} more try.", "You have {count} more tries.", left, count=left
        )
        return self._reply(
            ReplyKind.VERIFICATION_FAILED, t, [t.join(first, second)], [self._person(t)]
        )

    def locked_out(
        self, language: str | None, *, retry_after: timedelta | None = None
    ) -> ComposedReply:
        """Too many failed attempts: no more checks for a while; a person can still help."""
        t = self._translation(language)
        sentences = [
            t.gettext("For your security, I can't check this order here after too many attempts.")
        ]
        if retry_after is not None and retry_after > timedelta(0):
            hours = max(1, -(-retry_after // timedelta(hours=1)))
            if hours < 48:
                sentences.append(
                    t.ngettext(
                        "You can try again in {hours} hour.",
                        "You can try again in {hours} hours.",
                        hours,
                        hours=hours,
                    )
                )
            else:
                days = -(-hours // 24)
                sentences.append(
                    t.ngettext(
                        "You can try again in {days} day.",
                        "You can try again in {days} days.",
                        days,
                        days=days,
                    )
                )
        sentences.append(t.gettext("If you need help now, ask for a person here."))
        return self._reply(ReplyKind.LOCKED_OUT, t, [t.join(*sentences)], [self._person(t)])

    # Problems and people ------------------------------------------------------------------

    def delivered_not_received(
        self, language: str | None, shipment: Shipment | None = None
    ) -> ComposedReply:
        """Tracking says delivered but the buyer has nothing: where to look, then a person."""
        t = self._translation(language)
        first = [t.gettext("I'm sorry your parcel hasn't turned up.")]
        delivered = delivery_event(shipment)
        if delivered is not None:
            when = event_time(t.locale, delivered.occurred_local, today=self._today())
            where = place(t.locale, delivered.location, delivered.country)
            if where:
                first.append(
                    t.gettext(
                        "The carrier marked it as delivered: {when} · {place}.",
                        when=when,
                        place=where,
                    )
                )
            else:
                first.append(t.gettext("The carrier marked it as delivered: {when}.", when=when))
        steps = t.gettext(
            "These steps find most missing parcels:\n"
            "1. Look around your door, porch, garden or any safe place couriers use.\n"
            "2. Check your mailbox, parcel lockers and your building's reception or mailroom.\n"
            "3. Ask your neighbors and anyone you live with: couriers often leave parcels "
            "next door.\n"
            "4. Check the carrier's page for a delivery photo or a note saying where it was "
            "left."
        )
        wait = t.gettext(
            "Parcels marked as delivered sometimes arrive a day later. If it still hasn't "
            "turned up after 24 hours, ask for a person here and the shop will take it from "
            "there."
        )
        paragraphs = [t.join(*first), steps, wait]
        link = carrier_link(t, shipment) if shipment is not None else None
        if link:
            paragraphs.append(link)
        return self._reply(ReplyKind.DELIVERED_NOT_RECEIVED, t, paragraphs, [self._person(t)])

    def handoff(self, language: str | None, reason: HandoffReason) -> ComposedReply:
        """The conversation goes to a person: say why, and that they will answer here."""
        t = self._translation(language)
        store = self._store
        if reason is HandoffReason.REFUND_OR_RETURN:
            first = t.gettext(
                "Refunds and returns are handled by the {store} team, so I've passed your "
                "message on to them.",
                store=store,
            )
        elif reason is HandoffReason.CANCEL_OR_CHANGE:
            first = t.gettext(
                "Cancellations and address changes are handled by the {store} team, so I've "
                "passed your request on to them. If the order has already shipped, a change may "
                "not be possible, but they'll tell you your options.",
                store=store,
            )
        elif reason is HandoffReason.NOT_RECEIVED:
            first = t.gettext(
                "I've asked the {store} team to look into your missing parcel.", store=store
            )
        else:
            first = t.gettext("I've asked the {store} team to reply to you here.", store=store)
        second = t.gettext(
            "They'll answer in this chat as soon as they can. You can add any details here in "
            "the meantime."
        )
        return self._reply(ReplyKind.HANDOFF, t, [t.join(first, second)], [])

    def temporary_problem(self, language: str | None) -> ComposedReply:
        """Something failed on our side (a store that did not answer, …)."""
        t = self._translation(language)
        text = t.gettext(
            "Sorry, something went wrong on my side. Please try again in a few minutes, or ask "
            "for a person here."
        )
        return self._reply(ReplyKind.TEMPORARY_PROBLEM, t, [text], [self._person(t)])

    # Small talk ---------------------------------------------------------------------------

    def greeting(self, language: str | None, *, first_time: bool = True) -> ComposedReply:
        """Hello, saying the assistant is automated (Meta's disclosure advice, §10.6)."""
        t = self._translation(language)
        if first_time:
            text = t.gettext(
                "Hi! I'm {store}'s automated assistant. Send me your order number (for example "
                "{example}) or your tracking number and I'll tell you where your parcel is.",
                store=self._store,
                example=self._order_example,
            )
        else:
            text = t.gettext(
                "Hi again! Send me your order or tracking number and I'll check on your parcel."
            )
        return self._reply(ReplyKind.GREETING, t, [text], [self._person(t)])

    def thanks(self, language: str | None) -> ComposedReply:
        t = self._translation(language)
        text = t.gettext(
            "You're welcome! If anything else comes up with your order, just send a message here."
        )
        return self._reply(ReplyKind.THANKS, t, [text], [])

    def other(self, language: str | None) -> ComposedReply:
        """A message that is not about an order: say what the assistant does, offer a person."""
        t = self._translation(language)
        text = t.gettext(
            "I'm {store}'s automated assistant, and I can tell you where your order is. Send me "
            "your order number (for example {example}) or tracking number, or ask for a person "
            "if you need something else.",
            store=self._store,
            example=self._order_example,
        )
        return self._reply(ReplyKind.OTHER, t, [text], [self._person(t)])

    # Proactive updates (issue 7) ----------------------------------------------------------

    def update(self, language: str | None, shipment: Shipment) -> ComposedReply:
        """A proactive milestone update: shipped, out for delivery, delivered, ready for
        pickup, failed attempt, exception or returning (any other status gets a plain "there's
        an update"). Ends with how to stop updates."""
        t = self._translation(language)
        paragraphs = self._update_paragraphs(t, shipment)
        # TRANSLATORS: "Stop updates" is the button of that name; use its translation here.
        paragraphs.append(t.gettext("To stop these updates, reply “stop” or tap Stop updates."))
        replies = [self._person(t), self._stop(t)]
        return self._reply(ReplyKind.UPDATE, t, paragraphs, replies)

    def since_we_last_spoke(
        self, language: str | None, shipments: Sequence[Shipment]
    ) -> ComposedReply:
        """Updates held while the buyer's window was closed, told at their next message; goes
        before the answer to that message (`followed_by`). Raises ValueError for none."""
        if not shipments:
            raise ValueError("since_we_last_spoke() needs at least one shipment")
        t = self._translation(language)
        count = len(shipments)
        header = t.ngettext(
            "Since we last spoke, there's news about your parcel:",
            "Since we last spoke, there's news about your parcels:",
            count,
        )
        lines = [header]
        lines += ["• " + update_sentence(t, shipment) for shipment in shipments[:MAX_PARCEL_LINES]]
        if count > MAX_PARCEL_LINES:
            more = count - MAX_PARCEL_LINES
            lines.append(
                t.ngettext(
                    "…and {count} more parcel.", "…and {count} more parcels.", more, count=more
                )
            )
        replies = [self._refresh(t, [s.number for s in shipments]), self._stop(t)]
        return self._reply(ReplyKind.SINCE_WE_LAST_SPOKE, t, ["\n".join(lines)], replies)

    def updates_stopped(self, language: str | None) -> ComposedReply:
        t = self._translation(language)
        text = t.gettext(
            "OK, I won't send you any more updates about your parcels. You can still ask me "
            "about them here any time."
        )
        return self._reply(ReplyKind.UPDATES_STOPPED, t, [text], [])

    # Update emails (issue 7) ----------------------------------------------------------------

    def update_email(
        self, language: str | None, shipment: Shipment, *, unsubscribe_url: str
    ) -> EmailBody:
        """The email twin of `update`: the same news, then why the buyer gets it and a working
        unsubscribe link (the DM's "reply stop" does not apply to email)."""
        t = self._translation(language)
        paragraphs = self._update_paragraphs(t, shipment)
        # TRANSLATORS: an update email's footer; {store}: the shop's name.
        why = t.gettext(
            "You're receiving this email because you asked {store} about this parcel.",
            store=self._store,
        )
        # TRANSLATORS: an update email's footer, plain-text version; {url}: the link.
        leave = t.gettext("Don't want these emails? Unsubscribe: {url}", url=unsubscribe_url)
        # TRANSLATORS: an update email's subject; {number}: the tracking number.
        subject = t.gettext("Update on your parcel {number}", number=shipment.number)
        text = "\n\n".join([*paragraphs, f"--\n{why}\n{leave}"])
        # TRANSLATORS: the unsubscribe link's text in an update email.
        unsubscribe = t.gettext("Unsubscribe")
        direction = "rtl" if t.right_to_left else "ltr"
        body = "".join(f"<p>{_html_paragraph(paragraph)}</p>" for paragraph in paragraphs)
        html = (
            f'<!DOCTYPE html><html lang="{escape(t.language)}" dir="{direction}">'
            f'<head><meta charset="utf-8"><title>{escape(subject)}</title></head><body>{body}'
            f'<p style="color:#666;font-size:12px">{escape(why)}<br>'
            f'<a href="{escape(unsubscribe_url)}">{escape(unsubscribe)}</a></p></body></html>'
        )
        return EmailBody(t.language, subject, text, html)

    def language_of(self, language: str | None) -> str:
        """The language a reply asked for in `language` is written in (after fallbacks)."""
        return self._catalogs.resolve(language)

    def email_unsubscribed(self, language: str | None, number: str) -> str:
        """What the unsubscribe link's page says once it worked."""
        t = self._translation(language)
        return t.gettext(
            "Done: you won't get any more emails about your parcel {number}.", number=number
        )

    def email_link_invalid(self, language: str | None) -> str:
        """What the unsubscribe link's page says for a link that is not ours (cut, altered)."""
        t = self._translation(language)
        return t.gettext(
            "This unsubscribe link isn't valid. Please use the link in the latest email."
        )

    # The parts ------------------------------------------------------------------------------

    def _update_paragraphs(self, t: Translation, shipment: Shipment) -> list[str]:
        """The news of an update, the same by DM and by email: what happened, the latest scan,
        the estimate, the explanation when it matters, the carrier's page."""
        today = self._today()
        paragraphs = [update_sentence(t, shipment)]
        if shipment.events:
            latest = timeline_lines(
                t, shipment.events, today=today, destination=shipment.destination_country, limit=1
            )
            paragraphs.append("\n".join(latest))
        expected = estimate(t, shipment, today)
        if expected:
            paragraphs.append(expected)
        if shipment.status in {*_ATTENTION, Status.DELIVERED} or shipment.needs_action:
            paragraphs.append(explanation(t, shipment, self._clock()))
        link = carrier_link(t, shipment)
        if link:
            paragraphs.append(link)
        return paragraphs

    def _translation(self, language: str | None) -> Translation:
        return self._catalogs.translation(language)

    def _today(self) -> date:
        return self._clock().date()

    def _reply(
        self,
        kind: ReplyKind,
        t: Translation,
        paragraphs: Sequence[str],
        quick_replies: Sequence[QuickReply],
    ) -> ComposedReply:
        return ComposedReply(kind, t.language, pack(paragraphs), tuple(quick_replies))

    def _person(self, t: Translation) -> QuickReply:
        # TRANSLATORS: a button, at most 20 characters; hands the chat to a person.
        title = t.pgettext("button", "Talk to a person")
        return QuickReply(title=title, payload=TALK_TO_PERSON_PAYLOAD)

    def _refresh(self, t: Translation, numbers: Sequence[str]) -> QuickReply:
        # TRANSLATORS: a button, at most 20 characters; looks the parcel up again.
        title = t.pgettext("button", "Refresh")
        return QuickReply(title=title, payload=refresh_payload(numbers))

    def _stop(self, t: Translation) -> QuickReply:
        # TRANSLATORS: a button, at most 20 characters; stops proactive parcel updates.
        title = t.pgettext("button", "Stop updates")
        return QuickReply(title=title, payload=STOP_UPDATES_PAYLOAD)

    def _parcel_line(self, t: Translation, result: LookupResult, today: date) -> str:
        shipment = _shipment_of(result)
        number = _number_of(result)
        if shipment is None:
            if isinstance(result, NotFoundYet):
                status = t.gettext("Not found yet")
            else:
                status = t.gettext("Couldn't check just now")
        else:
            status = short_status(t, shipment)
            detail = self._line_detail(t, shipment, today)
            if detail:
                status = f"{status} · {detail}"
        known = carrier_named(shipment.carrier) if shipment and shipment.carrier else None
        if known is not None:
            return t.gettext(
                "{number} ({carrier}): {status}", number=number, carrier=known.name, status=status
            )
        return t.gettext("{number}: {status}", number=number, status=status)

    def _line_detail(self, t: Translation, shipment: Shipment, today: date) -> str | None:
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


_URL = re.compile(r"https?://[^\s<>\"']+")


def _html_paragraph(paragraph: str) -> str:
    """A paragraph as HTML: escaped, line breaks kept, links clickable."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(paragraph):
        parts.append(escape(paragraph[position : match.start()]))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        position = match.end()
    parts.append(escape(paragraph[position:]))
    return "".join(parts).replace("\n", "<br>")


def _typo_line(t: Translation, typo: LikelyTypo) -> str:
    if typo.reason == "check digit":
        return t.gettext(
            "“{number}” doesn't look quite right: one character seems to be mistyped (its check "
            "digit doesn't match).",
            number=typo.number,
        )
    if typo.reason == "length":
        return t.gettext(
            "“{number}” doesn't look quite right: it seems to have a character too many or too "
            "few.",
            number=typo.number,
        )
    return t.gettext(
        "“{number}” doesn't look quite right: part of it doesn't match the usual format for "
        "this kind of number.",
        number=typo.number,
    )


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
        unreachable: datetime | None = None
        if isinstance(result, Failed) or (isinstance(result, Found) and result.sync.failing):
            unreachable = shipment.checked_at
        if shipment.needs_action:
            rank = 0
        elif shipment.status in _ATTENTION:
            rank = 1 + _ATTENTION.index(shipment.status)
        else:
            silence = read_silence(shipment, now)
            if silence is None or not (silence.beyond_usual or silence.overdue(now.date())):
                continue
            rank = 1 + len(_ATTENTION)
        ranked.append((rank, position, shipment, unreachable))
    if not ranked:
        return None
    _, _, shipment, unreachable = min(ranked, key=lambda item: (item[0], item[1]))
    return shipment, unreachable


__all__ = [
    "MAX_PARCEL_LINES",
    "ComposedReply",
    "EmailBody",
    "HandoffReason",
    "ReplyComposer",
    "ReplyKind",
    "pack",
]
