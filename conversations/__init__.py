"""Conversations, messages, dialogue state and the merchant console."""

from conversations.models import Author, Conversation, Delivery, Direction, Message, MessageKind
from conversations.store import ConversationStore

__all__ = [
    "Author",
    "Conversation",
    "ConversationStore",
    "Delivery",
    "Direction",
    "Message",
    "MessageKind",
]
