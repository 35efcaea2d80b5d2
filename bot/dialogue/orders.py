"""Order lookup: an order number (or a proof for a pending one) to the order's parcels, once
the sender is its buyer; and "where is it?" without a number.

"Where is it?" means the conversation's last parcels, else its last order when proved here,
else the newest order linked to the sender's Instagram username, else a request for a number.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.dialogue.exchange import Exchange
from bot.dialogue.parcels import ParcelFlow
from bot.dialogue.state import Subject, SubjectKind
from bot.dialogue.verification import Admitted, Verifier
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply
from bot.replies.orders import OrderReplies
from carriers.numbers.detector import LikelyTypo
from stores.errors import StoreLookupFailed
from stores.fields import order_number_key
from stores.lookup import OrderLookup
from stores.models import FulfillmentStatus, Order
from stores.repository import OrderRepository
from stores.verification import ProofKind

log = logging.getLogger(__name__)

_CLOSED_ORDERS = frozenset({FulfillmentStatus.CANCELLED, FulfillmentStatus.REFUNDED})


class OrderFlow:
    def __init__(
        self,
        *,
        orders: OrderLookup,
        repository: OrderRepository,
        parcels: ParcelFlow,
        verifier: Verifier,
        replies: OrderReplies,
        chat: ChatReplies,
    ) -> None:
        self._orders = orders
        self._repository = repository
        self._parcels = parcels
        self._verifier = verifier
        self._replies = replies
        self._chat = chat

    async def order(self, exchange: Exchange, given: str, text: str) -> ComposedReply:
        """The answer to an order number (`given` as typed; `text` may hold a proof)."""
        key = order_number_key(given) or given
        limited = await self._verifier.lookups_limited(exchange, key)
        if limited is not None:
            return limited
        exchange.references.append(("order", key))
        try:
            order = await self._orders.find(key)
        except StoreLookupFailed as exc:
            log.warning("dialogue: store could not answer (%s)", exc.reason)
            return self._chat.temporary_problem(exchange.language)
        if order is None:
            return await self._no_such_order(exchange, key, text)
        admitted = await self._verifier.admit(exchange, order, text)
        if isinstance(admitted, ComposedReply):
            return admitted
        answer = await self.answer(exchange, order)
        if admitted is Admitted.PROOF:
            return self._replies.verification_passed(exchange.language).followed_by(answer)
        return answer

    async def answer(
        self, exchange: Exchange, order: Order, *, not_received: bool = False
    ) -> ComposedReply:
        """A proved order: its parcels, or why it has none (not shipped, cancelled, refunded)."""
        if not order.parcels:
            exchange.state = exchange.state.but(
                subject=Subject(
                    kind=SubjectKind.ORDER, values=(order.order_number,), at=exchange.now
                )
            )
            if order.fulfillment_status in _CLOSED_ORDERS:
                return self._replies.order_closed(
                    exchange.language,
                    order.order_number,
                    refunded=order.fulfillment_status is FulfillmentStatus.REFUNDED,
                )
            return self._replies.not_shipped(
                exchange.language, order_number=order.order_number, ordered_at=order.ordered_at
            )
        parcels = [
            self._parcels.parcel(parcel.tracking_number, parcel.carrier) for parcel in order.parcels
        ]
        return await self._parcels.track(exchange, parcels, not_received=not_received, order=order)

    async def where_is_it(self, exchange: Exchange, *, not_received: bool) -> ComposedReply:
        """ "Where is it?" without a number (see the module docstring)."""
        last = await self._parcels.last_asked(exchange, not_received=not_received)
        if last is not None:
            return last
        proved = await self._last_order(exchange)
        if proved is not None:
            exchange.references.append(("order", proved.order_number))
            exchange.based_on["verification"] = "earlier"
            return await self.answer(exchange, proved, not_received=not_received)
        username = await self._verifier.username(exchange)
        if username:
            linked = await self._repository.by_instagram_username(username)
            if linked:
                newest = max(linked, key=_order_time)
                exchange.references.append(("order", newest.order_number))
                exchange.based_on["verification"] = ProofKind.INSTAGRAM_USERNAME.value
                self._verifier.verified(exchange, newest.order_number)
                return await self.answer(exchange, newest, not_received=not_received)
        return self.ask_for_number(exchange)

    def ask_for_number(self, exchange: Exchange) -> ComposedReply:
        return self._replies.ask_for_number(exchange.language)

    def likely_typos(self, exchange: Exchange, typos: Sequence[LikelyTypo]) -> ComposedReply:
        return self._replies.likely_typo(exchange.language, typos)

    def ask_for_proof(self, exchange: Exchange, order_number: str) -> ComposedReply:
        """The pending order's proof request again (the buyer said something else)."""
        return self._replies.verification_prompt(exchange.language, order_number)

    async def _no_such_order(self, exchange: Exchange, key: str, text: str) -> ComposedReply:
        parcel = self._parcels.parcel(key, None)
        if parcel.candidates and self._parcels.checked_number(key):
            # "a encomenda 794612345680": no such order, but a valid tracking number.
            if exchange.state.pending_order == key:
                exchange.state = exchange.state.but(pending_order=None)
            exchange.references.remove(("order", key))
            return await self._parcels.track(exchange, [parcel])
        # Said exactly as for an order that exists, so numbers cannot be tried to find orders.
        return await self._verifier.admit_unknown(exchange, key, text)

    async def _last_order(self, exchange: Exchange) -> Order | None:
        """The order the conversation was last about, when it was proved here and still found."""
        subject = exchange.state.current_subject(exchange.now)
        if subject is None or not subject.values:
            return None
        number = subject.values[0]
        if not exchange.state.is_verified(number, exchange.now):
            return None
        try:
            return await self._orders.find(number)
        except StoreLookupFailed:
            return None


def _order_time(order: Order) -> datetime:
    return order.ordered_at or order.updated_at


__all__ = ["OrderFlow"]
