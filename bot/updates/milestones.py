"""Milestones: the few status changes worth telling a buyer about unprompted."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from carriers.lookup import StatusChange
from carriers.models import Status


class Milestone(StrEnum):
    """What an update tells; each is told at most once per shipment and subscription."""

    SHIPPED = "shipped"  # the first scan after the label was created
    # The carrier's first news (label data) of a parcel the buyer was told nothing of yet:
    # asked while no source had anything, they heard "not found yet" and were promised more.
    FIRST_NEWS = "first_news"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNING = "returning"


ALL_MILESTONES: Final = tuple(Milestone)

_BEFORE_FIRST_SCAN: Final = frozenset({None, Status.PENDING, Status.INFO_RECEIVED, Status.UNKNOWN})
_NOTHING_KNOWN: Final = frozenset({None, Status.PENDING, Status.UNKNOWN})
_DIRECT: Final = {
    Status.OUT_FOR_DELIVERY: Milestone.OUT_FOR_DELIVERY,
    Status.DELIVERED: Milestone.DELIVERED,
    Status.AVAILABLE_FOR_PICKUP: Milestone.AVAILABLE_FOR_PICKUP,
    Status.FAILED_ATTEMPT: Milestone.FAILED_ATTEMPT,
    Status.EXCEPTION: Milestone.EXCEPTION,
    Status.RETURNING: Milestone.RETURNING,
    Status.RETURNED: Milestone.RETURNING,
}


def milestone_of(change: StatusChange) -> Milestone | None:
    """The milestone a status change reaches, or None for one not worth a message (in transit
    again after a scan, an unmapped code). A label created is news only when nothing was known
    of the parcel before (subscribers asked and heard "not found yet")."""
    if change.new_status is Status.IN_TRANSIT:
        return Milestone.SHIPPED if change.old_status in _BEFORE_FIRST_SCAN else None
    if change.new_status is Status.INFO_RECEIVED:
        return Milestone.FIRST_NEWS if change.old_status in _NOTHING_KNOWN else None
    return _DIRECT.get(change.new_status)


def parse_milestones(names: tuple[str, ...]) -> frozenset[Milestone]:
    """Milestone names as configured ("all" for every one). Raises ValueError for unknown."""
    chosen: set[Milestone] = set()
    for name in (name.strip().lower() for name in names):
        if name == "all":
            chosen.update(ALL_MILESTONES)
        elif name in ("none", ""):
            continue
        else:
            try:
                chosen.add(Milestone(name))
            except ValueError:
                known = ", ".join(m.value for m in ALL_MILESTONES)
                raise ValueError(f"unknown milestone {name!r}; known: {known}") from None
    return frozenset(chosen)


__all__ = ["ALL_MILESTONES", "Milestone", "milestone_of", "parse_milestones"]
