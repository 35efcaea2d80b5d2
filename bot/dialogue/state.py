"""What the dialogue remembers of a conversation between turns (stored as its JSON state).

Only numbers, times and counts: never an email, phone, postcode or name, so a conversation's
state can be shown to a merchant or logged without leaking what a buyer used as proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

VERIFIED_FOR = timedelta(days=30)
"""A buyer who proved an order is theirs is not asked again for this long."""

SUBJECT_FOR = timedelta(days=30)
""""Where is it?" without a number means the last parcel or order asked about, this long."""


class SubjectKind(StrEnum):
    TRACKING = "tracking"
    ORDER = "order"


class Subject(BaseModel):
    """What the conversation was last about: tracking numbers, or one order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: SubjectKind
    values: tuple[str, ...]
    carriers: tuple[str | None, ...] = ()
    at: AwareDatetime


class Said(BaseModel):
    """What the last reply was: its kind, and the parcels it described (their numbers)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str
    numbers: tuple[str, ...] = ()
    latest: dict[str, str] = {}
    """Each parcel's newest scan as described (its local time and status: no carrier text)."""


class DialogueState(BaseModel):
    """The dialogue's memory; unknown or malformed stored state starts afresh."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    greeted: bool = False
    subject: Subject | None = None
    verified: dict[str, AwareDatetime] = {}
    pending_order: str | None = None
    failures: dict[str, int] = {}
    locked_until: dict[str, AwareDatetime] = {}
    not_received_told: str | None = None
    refreshed: dict[str, AwareDatetime] = {}
    profile_read: bool = False
    said: Said | None = None
    languages: dict[str, int] = {}

    @classmethod
    def load(cls, stored: Mapping[str, Any]) -> DialogueState:
        try:
            return cls.model_validate(dict(stored))
        except ValidationError:
            return cls()

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)

    def is_verified(self, order_number: str, now: datetime) -> bool:
        proved = self.verified.get(order_number)
        return proved is not None and now - proved < VERIFIED_FOR

    def lock_of(self, order_number: str, now: datetime) -> datetime | None:
        until = self.locked_until.get(order_number)
        return until if until is not None and until > now else None

    def current_subject(self, now: datetime) -> Subject | None:
        if self.subject is None or now - self.subject.at >= SUBJECT_FOR:
            return None
        return self.subject

    def described(self, numbers: tuple[str, ...]) -> bool:
        """Whether the last reply described exactly these parcels (a follow-up is about them)."""
        return bool(numbers) and self.said is not None and set(self.said.numbers) == set(numbers)

    def unchanged(self, latest: dict[str, str]) -> bool:
        """Whether the last reply described these parcels with these same newest scans."""
        said = self.said
        return said is not None and bool(latest) and said.latest == latest

    def conversation_language(self) -> str | None:
        """The language most of the buyer's real sentences were in (None before any)."""
        if not self.languages:
            return None
        return max(self.languages, key=lambda language: self.languages[language])

    def but(self, **changes: Any) -> DialogueState:
        """A copy with `changes` (pydantic's model_copy, validated field names only)."""
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"unknown dialogue state fields: {sorted(unknown)}")
        return self.model_copy(update=changes)


__all__ = [
    "SUBJECT_FOR",
    "VERIFIED_FOR",
    "DialogueState",
    "Said",
    "Subject",
    "SubjectKind",
]
