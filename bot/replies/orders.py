"""Order answers: an order with no parcel to track, numbers we cannot use, and the proofs an
order asks for before anything about it is shown.

The verification replies never say which detail was wrong nor what is on file, and the prompt
names every accepted detail so it never reveals which ones the order has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.replies import buttons
from bot.replies.answer import days_between
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.composer import MAX_PARCEL_LINES, ComposedReply, ReplyKind, compose
from carriers.numbers import TYPO_CHECK_DIGIT, TYPO_LENGTH, LikelyTypo

NOT_SHIPPED_WORRY_DAYS = 5
"""An order unshipped this long after it was placed is longer than shops usually take."""


class OrderReplies:
    """The replies about an order and the numbers that name one.

    `clock` returns the current aware UTC time; `order_example` is an order number shaped like
    the shop's, shown when asking for one.
    """

    def __init__(
        self,
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        *,
        order_example: str = "#1001",
    ) -> None:
        self._catalogs = catalogs
        self._clock = clock
        self._order_example = order_example

    # Orders and numbers -----------------------------------------------------------------

    def not_shipped(
        self,
        language: str | None,
        *,
        order_number: str | None = None,
        ordered_at: datetime | None = None,
    ) -> ComposedReply:
        """The order has no tracking number yet because it has not shipped."""
        t = self._catalogs.translation(language)
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
        return compose(ReplyKind.NOT_SHIPPED, t, [first, second], [buttons.person(t)])

    def order_closed(
        self, language: str | None, order_number: str, *, refunded: bool = False
    ) -> ComposedReply:
        """The order was cancelled (or refunded) before it shipped: it will not arrive."""
        t = self._catalogs.translation(language)
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
        return compose(ReplyKind.ORDER_CLOSED, t, [t.join(first, second)], [buttons.person(t)])

    def likely_typo(self, language: str | None, typos: Sequence[LikelyTypo]) -> ComposedReply:
        """Numbers shaped like tracking numbers that fail their format: quote them, ask to check.

        Raises ValueError for no typos.
        """
        if not typos:
            raise ValueError("likely_typo() needs at least one likely typo")
        t = self._catalogs.translation(language)
        lines = [_typo_line(t, typo) for typo in typos[:MAX_PARCEL_LINES]]
        ask = t.gettext(
            "Please check it against your shipping confirmation and send it again. You can also "
            "send your order number instead (for example {example}).",
            example=self._order_example,
        )
        return compose(ReplyKind.LIKELY_TYPO, t, ["\n".join(lines), ask], [buttons.person(t)])

    def ask_for_number(self, language: str | None) -> ComposedReply:
        """Ask for an order or tracking number, with an example and where to find one."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "Please send me your order number (for example {example}) or your tracking number, "
            "and I'll check where your parcel is. You'll find both in your order or shipping "
            "confirmation email.",
            example=self._order_example,
        )
        return compose(ReplyKind.ASK_FOR_NUMBER, t, [text], [buttons.person(t)])

    # Verification -------------------------------------------------------------------------

    def verification_prompt(self, language: str | None, order_number: str) -> ComposedReply:
        """Ask the buyer to prove the order is theirs, naming every accepted detail, so the
        prompt never reveals which details the order has."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "To keep order details private, I first need to check that order {order} is yours. "
            "Please reply with one of these:\n"
            "• the email address used for the order\n"
            "• the last 4 digits of the phone number on it\n"
            "• the delivery postcode or ZIP code",
            order=order_number,
        )
        return compose(ReplyKind.VERIFICATION_PROMPT, t, [text], [buttons.person(t)])

    def verification_contact_prompt(self, language: str | None, order_number: str) -> ComposedReply:
        """The postcode is on the parcel's public scans: ask for the email or phone instead
        (said whether or not the postcode given was right)."""
        t = self._catalogs.translation(language)
        text = t.gettext(
            "Anyone with the tracking number can see this order's postcode, so it can't prove "
            "that order {order} is yours. Please reply with the email address used for the "
            "order or the last 4 digits of the phone number on it.",
            order=order_number,
        )
        return compose(ReplyKind.VERIFICATION_PROMPT, t, [text], [buttons.person(t)])

    def verification_passed(self, language: str | None) -> ComposedReply:
        """A short thanks, to go before the answer (`followed_by`)."""
        t = self._catalogs.translation(language)
        text = t.gettext("Thanks, that matches the order.")
        return compose(ReplyKind.VERIFICATION_PASSED, t, [text], [])

    def verification_failed(self, language: str | None, attempts_left: int) -> ComposedReply:
        """The detail did not match; never says which detail or what is on file."""
        t = self._catalogs.translation(language)
        first = t.gettext(
            "Sorry, that doesn't match the details on this order, so I can't show it. Please "
            "check and try again."
        )
        left = max(attempts_left, 0)
        second = t.ngettext(
            "You have {count} more try.", "You have {count} more tries.", left, count=left
        )
        return compose(
            ReplyKind.VERIFICATION_FAILED, t, [t.join(first, second)], [buttons.person(t)]
        )

    def locked_out(
        self, language: str | None, *, retry_after: timedelta | None = None
    ) -> ComposedReply:
        """Too many failed attempts: no more checks for a while; a person can still help."""
        t = self._catalogs.translation(language)
        sentences = [
            t.gettext("For your security, I can't check this order here after too many attempts.")
        ]
        if retry_after is not None and retry_after > timedelta(0):
            sentences.append(_retry_in(t, retry_after))
        sentences.append(t.gettext("If you need help now, ask for a person here."))
        return compose(ReplyKind.LOCKED_OUT, t, [t.join(*sentences)], [buttons.person(t)])


def _retry_in(t: Translation, retry_after: timedelta) -> str:
    """When a locked order can be proved again: in hours, or in days from 48 hours on."""
    hours = max(1, -(-retry_after // timedelta(hours=1)))
    if hours < 48:
        return t.ngettext(
            "You can try again in {hours} hour.",
            "You can try again in {hours} hours.",
            hours,
            hours=hours,
        )
    days = -(-hours // 24)
    return t.ngettext(
        "You can try again in {days} day.",
        "You can try again in {days} days.",
        days,
        days=days,
    )


def _typo_line(t: Translation, typo: LikelyTypo) -> str:
    if typo.reason == TYPO_CHECK_DIGIT:
        return t.gettext(
            "“{number}” doesn't look quite right: one character seems to be mistyped (its check "
            "digit doesn't match).",
            number=typo.number,
        )
    if typo.reason == TYPO_LENGTH:
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


__all__ = ["NOT_SHIPPED_WORRY_DAYS", "OrderReplies"]
