"""Thin aiohttp handlers: the Instagram webhook, health, metrics and the unsubscribe link."""
