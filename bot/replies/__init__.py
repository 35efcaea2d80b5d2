"""What the buyer reads: replies for every situation, in eight languages, from gettext catalogs."""

from bot.replies.catalogs import Catalogs, Translation, load_catalogs
from bot.replies.composer import (
    ComposedReply,
    HandoffReason,
    ReplyComposer,
    ReplyKind,
)
from bot.replies.payloads import (
    REFRESH_PREFIX,
    STOP_UPDATES_PAYLOAD,
    TALK_TO_PERSON_PAYLOAD,
    refresh_payload,
    refreshed_numbers,
)

__all__ = [
    "REFRESH_PREFIX",
    "STOP_UPDATES_PAYLOAD",
    "TALK_TO_PERSON_PAYLOAD",
    "Catalogs",
    "ComposedReply",
    "HandoffReason",
    "ReplyComposer",
    "ReplyKind",
    "Translation",
    "load_catalogs",
    "refresh_payload",
    "refreshed_numbers",
]
