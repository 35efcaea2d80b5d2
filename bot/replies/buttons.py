"""The quick replies under our replies: titles from the catalogs, payloads from `payloads`.

Titles are at most 20 characters in every language (the catalog checks hold them to it).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.instagram.messages import QuickReply
from bot.replies.catalogs import Translation
from bot.replies.payloads import STOP_UPDATES_PAYLOAD, TALK_TO_PERSON_PAYLOAD, refresh_payload


def person(t: Translation) -> QuickReply:
    # TRANSLATORS: a button, at most 20 characters; hands the chat to a person.
    title = t.pgettext("button", "Talk to a person")
    return QuickReply(title=title, payload=TALK_TO_PERSON_PAYLOAD)


def refresh(t: Translation, numbers: Sequence[str]) -> QuickReply:
    # TRANSLATORS: a button, at most 20 characters; looks the parcel up again.
    title = t.pgettext("button", "Refresh")
    return QuickReply(title=title, payload=refresh_payload(numbers))


def stop(t: Translation) -> QuickReply:
    # TRANSLATORS: a button, at most 20 characters; stops proactive parcel updates.
    title = t.pgettext("button", "Stop updates")
    return QuickReply(title=title, payload=STOP_UPDATES_PAYLOAD)


__all__ = ["person", "refresh", "stop"]
