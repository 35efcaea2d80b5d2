"""What is said around the parcels: hand-offs to a person, a parcel delivered but not received,
a problem on our side, and small talk.

Text that only makes sense with a button also says it in words ("ask for a person here"),
because quick replies are not shown on Instagram's desktop web (docs/instagram.md, Quick replies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.replies import buttons
from bot.replies.answer import carrier_link, delivery_event
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.composer import ComposedReply, HandoffReason, ReplyKind, compose
from bot.replies.dates import event_time, place
from bot.replies.wording import N_
from carriers.models import Shipment


class ChatReplies:
    """The replies that are not a tracking or an order answer.

    `clock` returns the current aware UTC time; `store_name` is how the shop is named to buyers
    (empty: replies name no shop, never a placeholder like "our shop");
    `order_example` is an order number shaped like the shop's, shown when saying what to send.
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

    # Problems and people ------------------------------------------------------------------

    def delivered_not_received(
        self, language: str | None, shipment: Shipment | None = None
    ) -> ComposedReply:
        """Tracking says delivered but the buyer has nothing: where to look, then a person."""
        t = self._catalogs.translation(language)
        sorry = self._not_turned_up(t, shipment)
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
        paragraphs = [sorry, steps, wait]
        link = carrier_link(t, shipment) if shipment is not None else None
        if link:
            paragraphs.append(link)
        return compose(ReplyKind.DELIVERED_NOT_RECEIVED, t, paragraphs, [buttons.person(t)])

    def handoff(self, language: str | None, reason: HandoffReason) -> ComposedReply:
        """The conversation goes to a person: say why, and that they will answer here."""
        t = self._catalogs.translation(language)
        if reason is HandoffReason.REFUND_OR_RETURN:
            first = self._named(
                t,
                N_(
                    "Refunds and returns are handled by the {store} team, so I've passed your "
                    "message on to them."
                ),
                N_(
                    "Refunds and returns are handled by the shop's team, so I've passed your "
                    "message on to them."
                ),
            )
        elif reason is HandoffReason.CANCEL_OR_CHANGE:
            first = self._named(
                t,
                N_(
                    "Cancellations and address changes are handled by the {store} team, so I've "
                    "passed your request on to them. If the order has already shipped, a change "
                    "may not be possible, but they'll tell you your options."
                ),
                N_(
                    "Cancellations and address changes are handled by the shop's team, so I've "
                    "passed your request on to them. If the order has already shipped, a change "
                    "may not be possible, but they'll tell you your options."
                ),
            )
        elif reason is HandoffReason.NOT_RECEIVED:
            first = self._named(
                t,
                N_("I've asked the {store} team to look into your missing parcel."),
                N_("I've asked the shop's team to look into your missing parcel."),
            )
        else:
            first = self._named(
                t,
                N_("I've asked the {store} team to reply to you here."),
                N_("I've asked the shop's team to reply to you here."),
            )
        second = t.gettext(
            "They'll answer in this chat as soon as they can. You can add any details here in "
            "the meantime."
        )
        return compose(ReplyKind.HANDOFF, t, [t.join(first, second)], [])

    def question_handoff(self, language: str | None, questions: Sequence[str]) -> ComposedReply:
        """Questions the assistant cannot answer, quoted, passed to a person."""
        t = self._catalogs.translation(language)
        quoted = "\n".join(f"“{question}”" for question in questions)
        first = t.gettext("I've passed this to a person at the shop:")
        second = t.gettext(
            "They'll answer in this chat as soon as they can. You can add any details here in "
            "the meantime."
        )
        return compose(ReplyKind.HANDOFF, t, [f"{first}\n{quoted}\n{second}"], [])

    def temporary_problem(self, language: str | None) -> ComposedReply:
        """Something failed on our side (a store that did not answer, …)."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "Sorry, something went wrong on my side. Please try again in a few minutes, or ask "
            "for a person here."
        )
        return compose(ReplyKind.TEMPORARY_PROBLEM, t, [text], [buttons.person(t)])

    # Small talk ---------------------------------------------------------------------------

    def greeting(self, language: str | None, *, first_time: bool = True) -> ComposedReply:
        """Hello, saying the assistant is automated.

        Meta's disclosure advice: docs/instagram.md, Escalation and disclosure.
        """
        t = self._catalogs.translation(language)
        if first_time:
            text = self._named(
                t,
                N_(
                    "Hi! I'm {store}'s automated assistant. Send me your order number (for example "
                    "{example}) or your tracking number and I'll tell you where your parcel is."
                ),
                N_(
                    "Hi! I'm the shop's automated assistant. Send me your order number (for "
                    "example {example}) or your tracking number and I'll tell you where your "
                    "parcel is."
                ),
                example=self._order_example,
            )
        else:
            text = t.gettext(
                "Hi again! Send me your order or tracking number and I'll check on your parcel."
            )
        return compose(ReplyKind.GREETING, t, [text], [buttons.person(t)])

    def thanks(self, language: str | None) -> ComposedReply:
        t = self._catalogs.translation(language)
        text = t.gettext(
            "You're welcome! If anything else comes up with your order, just send a message here."
        )
        return compose(ReplyKind.THANKS, t, [text], [])

    def story_mention(self, language: str | None) -> ComposedReply:
        """Thanks for mentioning the shop in a story: nothing asked, and saying it is automated
        (docs/instagram.md, Escalation and disclosure)."""
        t = self._catalogs.translation(language)
        text = self._named(
            t,
            N_("Thank you for mentioning us in your story! ({store}'s automated assistant)"),
            N_("Thank you for mentioning us in your story! (the shop's automated assistant)"),
        )
        return compose(ReplyKind.STORY_MENTION, t, [text], [])

    def other(self, language: str | None) -> ComposedReply:
        """A message that is not about an order: say what the assistant does, offer a person."""
        t = self._catalogs.translation(language)
        text = self._named(
            t,
            N_(
                "I'm {store}'s automated assistant, and I can tell you where your order is. "
                "Send me your order number (for example {example}) or tracking number, or ask "
                "for a person if you need something else."
            ),
            N_(
                "I'm the shop's automated assistant, and I can tell you where your order is. Send "
                "me your order number (for example {example}) or tracking number, or ask for a "
                "person if you need something else."
            ),
            example=self._order_example,
        )
        return compose(ReplyKind.OTHER, t, [text], [buttons.person(t)])

    def _named(self, t: Translation, named: str, unnamed: str, **fields: object) -> str:
        """`named` with the shop's name; `unnamed`, which names no shop, when it has none."""
        if self._store:
            return t.gettext(named, store=self._store, **fields)
        return t.gettext(unnamed, **fields)

    def _not_turned_up(self, t: Translation, shipment: Shipment | None) -> str:
        """Sorry, and when and where the carrier says it delivered the parcel (when it says)."""
        first = [t.gettext("I'm sorry your parcel hasn't turned up.")]
        delivered = delivery_event(shipment)
        if delivered is not None:
            when = event_time(t.locale, delivered.occurred_local, today=self._clock().date())
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
        return t.join(*first)


__all__ = ["ChatReplies"]
