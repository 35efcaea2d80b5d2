"""What the buyer reads: replies for every situation, in eight languages, from gettext catalogs."""

from bot.replies.catalogs import Catalogs, Translation, load_catalogs
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply, HandoffReason, ReplyKind
from bot.replies.email import EmailBody, UpdateEmails
from bot.replies.orders import OrderReplies
from bot.replies.payloads import (
    REFRESH_PREFIX,
    STOP_UPDATES_PAYLOAD,
    TALK_TO_PERSON_PAYLOAD,
    refresh_payload,
    refreshed_numbers,
)
from bot.replies.tracking import TrackingReplies
from bot.replies.updates import UpdateReplies

__all__ = [
    "REFRESH_PREFIX",
    "STOP_UPDATES_PAYLOAD",
    "TALK_TO_PERSON_PAYLOAD",
    "Catalogs",
    "ChatReplies",
    "ComposedReply",
    "EmailBody",
    "HandoffReason",
    "OrderReplies",
    "ReplyKind",
    "TrackingReplies",
    "Translation",
    "UpdateEmails",
    "UpdateReplies",
    "load_catalogs",
    "refresh_payload",
    "refreshed_numbers",
]
