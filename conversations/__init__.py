"""Conversations, messages, dialogue state and the merchant console."""
