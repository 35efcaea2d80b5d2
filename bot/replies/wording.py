"""What each status and exception reason means to a buyer, as msgids.

Every Status and every ExceptionReason has a short label (parcel lists, timelines), a headline
(one sentence: what is true now) and an explanation (what happens next, how long it usually
takes, and whether the buyer must do something and where); see docs/tracking-sources.md,
Normalised model. The "typical" times are the estimates of its Exception reasons table, said as
estimates. Buyers read these in a chat, maybe anxious: calm, specific, honest, no blame, no
promises the shop has not made.

The texts are English msgids marked with `N_` so `pybabel extract` finds them; the reply
modules (`tracking`, `updates`, …) translate them when they write a reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from carriers.models import ExceptionReason, Status


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark `message` for extraction; it is translated where it is used."""
    return message


STATUS_LABELS: Mapping[Status, str] = MappingProxyType(
    {
        # TRANSLATORS: short labels for a parcel's state, used in lists and timelines.
        Status.PENDING: N_("Shipment created"),
        Status.INFO_RECEIVED: N_("Label created, not scanned yet"),
        Status.IN_TRANSIT: N_("On its way"),
        Status.OUT_FOR_DELIVERY: N_("Out for delivery"),
        Status.AVAILABLE_FOR_PICKUP: N_("Ready for pickup"),
        Status.FAILED_ATTEMPT: N_("Delivery attempt failed"),
        Status.DELIVERED: N_("Delivered"),
        Status.EXCEPTION: N_("Delivery problem"),
        Status.RETURNING: N_("Returning to the shop"),
        Status.RETURNED: N_("Returned to the shop"),
        Status.EXPIRED: N_("No recent tracking"),
        Status.UNKNOWN: N_("New update"),
    }
)

STATUS_HEADLINES: Mapping[Status, str] = MappingProxyType(
    {
        Status.PENDING: N_(
            "The shop has created your shipment, but the carrier hasn't scanned the parcel yet."
        ),
        Status.INFO_RECEIVED: N_(
            "The carrier has your parcel's details and is waiting to collect it from the shop."
        ),
        Status.IN_TRANSIT: N_("Your parcel is on its way."),
        Status.OUT_FOR_DELIVERY: N_("Your parcel is out for delivery and should arrive today."),
        Status.AVAILABLE_FOR_PICKUP: N_("Your parcel is waiting for you at a pickup point."),
        Status.FAILED_ATTEMPT: N_("The courier tried to deliver your parcel but couldn't."),
        Status.DELIVERED: N_("Your parcel was delivered."),
        Status.EXCEPTION: N_("There's a problem with your parcel's delivery."),
        Status.RETURNING: N_("Your parcel is on its way back to the shop."),
        Status.RETURNED: N_("Your parcel is back with the shop."),
        Status.EXPIRED: N_("Tracking for your parcel hasn't updated for a long time."),
        Status.UNKNOWN: N_("There's a new update on your parcel."),
    }
)

STATUS_EXPLANATIONS: Mapping[Status, str] = MappingProxyType(
    {
        Status.PENDING: N_(
            "Tracking will show more once the carrier scans the parcel. The first scan usually "
            "appears within 1–3 days of the label being created. There's nothing you need to do."
        ),
        Status.INFO_RECEIVED: N_(
            "Tracking will show more once the carrier collects and scans the parcel, usually "
            "within 1–3 days. There's nothing you need to do."
        ),
        Status.IN_TRANSIT: N_(
            "Tracking updates each time the parcel is scanned along the way. There's nothing "
            "you need to do."
        ),
        Status.OUT_FOR_DELIVERY: N_(
            "Deliveries usually arrive by the evening. If you'll be out, the courier may leave "
            "it with a neighbor or at a pickup point and leave you a note."
        ),
        Status.AVAILABLE_FOR_PICKUP: N_(
            "Bring ID and your tracking number, and collect it before the pickup point's "
            "deadline (often 5–15 days), or it will be sent back. The carrier's page shows the "
            "address and opening hours."
        ),
        Status.FAILED_ATTEMPT: N_(
            "The courier usually tries again the next business day or leaves the parcel at a "
            "pickup point. Look for a card or message from the carrier with the details."
        ),
        Status.DELIVERED: N_("If you can't find it, tell me here and I'll help you look for it."),
        Status.EXCEPTION: N_(
            "The carrier hasn't said exactly what's wrong. Problems like this are often sorted "
            "out within a few days, and the carrier's page may have more details. If nothing "
            "changes within 3 days, ask for a person here."
        ),
        Status.RETURNING: N_(
            "Returns usually take 1–2 weeks within a country and 2–8 weeks from abroad. Ask "
            "for a person here to arrange a re-send or a refund with the shop."
        ),
        Status.RETURNED: N_(
            "Ask for a person here and the shop will arrange a re-send or a refund with you."
        ),
        Status.EXPIRED: N_(
            "That doesn't always mean it's lost: some carriers stop updating tracking after a "
            "while. If you haven't received it, ask for a person here and the shop will look "
            "into it."
        ),
        Status.UNKNOWN: N_(
            "I couldn't interpret the carrier's latest update yet. The carrier's page shows "
            "their own wording; there's nothing you need to do."
        ),
    }
)

REASON_LABELS: Mapping[ExceptionReason, str] = MappingProxyType(
    {
        ExceptionReason.CUSTOMS_HOLD: N_("Held at customs"),
        ExceptionReason.CUSTOMS_DOCUMENTS: N_("Customs needs information"),
        ExceptionReason.PAYMENT_REQUIRED: N_("Payment needed"),
        ExceptionReason.ADDRESS_ISSUE: N_("Address problem"),
        ExceptionReason.RECIPIENT_UNAVAILABLE: N_("Nobody was in"),
        ExceptionReason.BUSINESS_CLOSED: N_("Business closed"),
        ExceptionReason.REFUSED: N_("Refused at delivery"),
        ExceptionReason.WEATHER: N_("Weather delay"),
        ExceptionReason.CARRIER_DELAY: N_("Carrier delay"),
        ExceptionReason.HELD_BY_CARRIER: N_("Held by the carrier"),
        ExceptionReason.DAMAGED: N_("Damaged"),
        ExceptionReason.LOST: N_("Lost by the carrier"),
        ExceptionReason.REJECTED_BY_CARRIER: N_("Not accepted by the carrier"),
        ExceptionReason.CANCELLED: N_("Shipment cancelled"),
        ExceptionReason.DESTROYED: N_("Disposed of"),
        ExceptionReason.STALLED: N_("No updates for a while"),
        ExceptionReason.INVALID_TRACKING_NUMBER: N_("Number not recognized"),
        ExceptionReason.RETURNED_TO_SENDER: N_("Returned to sender"),
        ExceptionReason.OTHER: N_("Delivery problem"),
    }
)

REASON_HEADLINES: Mapping[ExceptionReason, str] = MappingProxyType(
    {
        ExceptionReason.CUSTOMS_HOLD: N_("Your parcel is being checked by customs."),
        ExceptionReason.CUSTOMS_DOCUMENTS: N_(
            "Customs needs more information before it can release your parcel."
        ),
        ExceptionReason.PAYMENT_REQUIRED: N_(
            "Import duties, taxes or a cash-on-delivery amount must be paid before your parcel "
            "can be delivered."
        ),
        ExceptionReason.ADDRESS_ISSUE: N_(
            "The carrier couldn't deliver because the address is incomplete or wrong."
        ),
        ExceptionReason.RECIPIENT_UNAVAILABLE: N_("Nobody was available to receive the parcel."),
        ExceptionReason.BUSINESS_CLOSED: N_("The business was closed when the courier came."),
        ExceptionReason.REFUSED: N_("The parcel was refused at delivery."),
        ExceptionReason.WEATHER: N_("Severe weather is delaying your parcel."),
        ExceptionReason.CARRIER_DELAY: N_("The carrier is running late with your parcel."),
        ExceptionReason.HELD_BY_CARRIER: N_(
            "The carrier is holding your parcel, or it wasn't collected from the pickup point "
            "in time."
        ),
        ExceptionReason.DAMAGED: N_("The carrier reported your parcel as damaged."),
        ExceptionReason.LOST: N_("The carrier can't locate your parcel."),
        ExceptionReason.REJECTED_BY_CARRIER: N_(
            "The carrier didn't accept the parcel because it doesn't meet its shipping rules."
        ),
        ExceptionReason.CANCELLED: N_("This shipment was cancelled."),
        ExceptionReason.DESTROYED: N_(
            "The parcel couldn't be delivered or returned, and the carrier disposed of it."
        ),
        ExceptionReason.STALLED: N_("Your parcel's tracking hasn't updated for a while."),
        ExceptionReason.INVALID_TRACKING_NUMBER: N_(
            "The carrier doesn't recognize this tracking number."
        ),
        ExceptionReason.RETURNED_TO_SENDER: N_(
            "The carrier is sending your parcel back to the shop."
        ),
        ExceptionReason.OTHER: N_("There's a problem with your parcel's delivery."),
    }
)

REASON_EXPLANATIONS: Mapping[ExceptionReason, str] = MappingProxyType(
    {
        ExceptionReason.CUSTOMS_HOLD: N_(
            "This is normal for international parcels. Customs checks usually take 1–5 "
            "business days, and up to 2 weeks at busy times. There's nothing you need to do "
            "yet: if customs needs anything from you, the carrier will contact you."
        ),
        ExceptionReason.CUSTOMS_DOCUMENTS: N_(
            "What to do: look for an SMS or email from the carrier (check your spam folder too) "
            "and reply as soon as you can. The parcel is usually released 1–3 business days "
            "after customs has the information; if nobody answers, it is sent back."
        ),
        ExceptionReason.PAYMENT_REQUIRED: N_(
            "What to do: look for an SMS, email or card from the carrier with the amount, and "
            "pay it on the carrier's official website or app (open it yourself rather than "
            "following a link, to stay safe from scam messages). Delivery usually follows 1–3 "
            "days after payment; unpaid parcels are sent back after the carrier's holding "
            "period."
        ),
        ExceptionReason.ADDRESS_ISSUE: N_(
            "What to do: ask for a person here and give the shop your full, correct address. "
            "Delivery usually follows 1–3 business days after it's corrected."
        ),
        ExceptionReason.RECIPIENT_UNAVAILABLE: N_(
            "The courier usually tries again the next business day (most carriers try 1–3 "
            "times) or leaves it at a pickup point. There's nothing you need to do, but look "
            "for a card or message from the carrier in case they offer a new date."
        ),
        ExceptionReason.BUSINESS_CLOSED: N_(
            "The courier will try again, usually the next business day. There's nothing you "
            "need to do, except make sure someone can receive it during opening hours."
        ),
        ExceptionReason.REFUSED: N_(
            "It's being sent back to the shop, which usually takes 1–2 weeks within a country "
            "and 2–8 weeks from abroad. If you didn't refuse it, ask for a person here and the "
            "shop will sort it out."
        ),
        ExceptionReason.WEATHER: N_(
            "It will move again once it's safe, usually within 1–3 days. There's nothing you "
            "need to do."
        ),
        ExceptionReason.CARRIER_DELAY: N_(
            "This is usually something like a missed flight or a sorting backlog, and it "
            "usually clears within 1–5 days. Your parcel is still on its way, and there's "
            "nothing you need to do."
        ),
        ExceptionReason.HELD_BY_CARRIER: N_(
            "What to do: collect it, or contact the carrier to arrange delivery, before it's "
            "sent back. Pickup points usually keep parcels for 5–15 days; the carrier's page or "
            "card shows where it is and the deadline."
        ),
        ExceptionReason.DAMAGED: N_(
            "The shop will arrange a replacement or a refund. The carrier's own review takes "
            "3–10 business days, but you don't need to wait for it: ask for a person here."
        ),
        ExceptionReason.LOST: N_(
            "The shop will ask the carrier to trace it, and re-send or refund your order if "
            "it isn't found. Carrier searches usually take 5–30 days, longer for international "
            "post. Ask for a person here if you'd like to talk it through."
        ),
        ExceptionReason.REJECTED_BY_CARRIER: N_(
            "The shop will contact you about sending it another way. There's nothing you need "
            "to do."
        ),
        ExceptionReason.CANCELLED: N_(
            "If your order is re-shipped, the shop will send you a new tracking number. If you "
            "didn't expect this, ask for a person here."
        ),
        ExceptionReason.DESTROYED: N_(
            "This can't be undone. Ask for a person here and the shop will arrange a refund "
            "or a re-send."
        ),
        ExceptionReason.STALLED: N_(
            "That doesn't mean it's lost: international parcels often go quiet between "
            "countries for 1–3 weeks. If there's still no update after another 7–14 days, the "
            "shop can open an inquiry with the carrier."
        ),
        ExceptionReason.INVALID_TRACKING_NUMBER: N_(
            "The number may have a typo, or the carrier hasn't scanned the parcel yet: the "
            "first scan often takes 1–3 days. Please check the number against your shipping "
            "confirmation."
        ),
        ExceptionReason.RETURNED_TO_SENDER: N_(
            "Returns usually take 1–2 weeks within a country and 2–8 weeks from abroad. Ask "
            "for a person here to arrange a re-send or a refund with the shop."
        ),
        ExceptionReason.OTHER: N_(
            "The carrier hasn't said exactly what's wrong. Problems like this are often sorted "
            "out within a few days, and the carrier's page may have more details. If nothing "
            "changes within 3 days, ask for a person here."
        ),
    }
)

GENERIC_ACTION = N_(
    "The carrier says you need to do something: look for an SMS, email or card from them, or "
    "check the carrier's page."
)
"""Said when a shipment needs the buyer's action but its reason's text does not say so."""


__all__ = [
    "GENERIC_ACTION",
    "N_",
    "REASON_EXPLANATIONS",
    "REASON_HEADLINES",
    "REASON_LABELS",
    "STATUS_EXPLANATIONS",
    "STATUS_HEADLINES",
    "STATUS_LABELS",
]
