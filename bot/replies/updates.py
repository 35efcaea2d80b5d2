"""Proactive update wording: a parcel's milestone told unasked, news held while the buyer's
window was closed, and the answer to "stop".

`update_paragraphs` is the news itself, the same by DM and by email (`bot.replies.email`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.replies import buttons
from bot.replies.answer import carrier_link, estimate, explanation, update_sentence
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.composer import MAX_PARCEL_LINES, ComposedReply, ReplyKind, compose
from bot.replies.timeline import timeline_lines
from bot.replies.tracking import ATTENTION
from carriers.models import Shipment, Status


class UpdateReplies:
    """The proactive updates' DMs. `clock` returns the current aware UTC time."""

    def __init__(self, catalogs: Catalogs, clock: Callable[[], datetime]) -> None:
        self._catalogs = catalogs
        self._clock = clock

    def update(self, language: str | None, shipment: Shipment) -> ComposedReply:
        """A proactive milestone update: shipped, out for delivery, delivered, ready for
        pickup, failed attempt, exception or returning (any other status gets a plain "there's
        an update"). Ends with how to stop updates."""
        t = self._catalogs.translation(language)
        paragraphs = update_paragraphs(t, shipment, self._clock)
        # TRANSLATORS: "Stop updates" is the button of that name; use its translation here.
        paragraphs.append(t.gettext("To stop these updates, reply “stop” or tap Stop updates."))
        replies = [buttons.person(t), buttons.stop(t)]
        return compose(ReplyKind.UPDATE, t, paragraphs, replies)

    def since_we_last_spoke(
        self, language: str | None, shipments: Sequence[Shipment]
    ) -> ComposedReply:
        """Updates held while the buyer's window was closed, told at their next message; goes
        before the answer to that message (`followed_by`). Raises ValueError for none."""
        if not shipments:
            raise ValueError("since_we_last_spoke() needs at least one shipment")
        t = self._catalogs.translation(language)
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
        replies = [buttons.refresh(t, [s.number for s in shipments]), buttons.stop(t)]
        return compose(ReplyKind.SINCE_WE_LAST_SPOKE, t, ["\n".join(lines)], replies)

    def updates_stopped(self, language: str | None) -> ComposedReply:
        t = self._catalogs.translation(language)
        text = t.gettext(
            "OK, I won't send you any more updates about your parcels. You can still ask me "
            "about them here any time."
        )
        return compose(ReplyKind.UPDATES_STOPPED, t, [text], [])


def update_paragraphs(
    t: Translation, shipment: Shipment, clock: Callable[[], datetime]
) -> list[str]:
    """The news of an update, the same by DM and by email: what happened, the latest scan,
    the estimate, the explanation when it matters, the carrier's page."""
    today = clock().date()
    paragraphs = [update_sentence(t, shipment)]
    if shipment.events:
        latest = timeline_lines(
            t, shipment.events, today=today, destination=shipment.destination_country, limit=1
        )
        paragraphs.append("\n".join(latest))
    expected = estimate(t, shipment, today)
    if expected:
        paragraphs.append(expected)
    if shipment.status in {*ATTENTION, Status.DELIVERED} or shipment.needs_action:
        paragraphs.append(explanation(t, shipment, clock()))
    link = carrier_link(t, shipment)
    if link:
        paragraphs.append(link)
    return paragraphs


__all__ = ["UpdateReplies", "update_paragraphs"]
