"""Errors raised by the bot package.

BotError
├── ConfigurationInvalid     a setting is missing or malformed
├── DatabaseNotMigrated      the schema is behind the code's migrations
└── SendError                the Send API refused or could not be reached
    ├── SendRetryable        worth retrying later (network, 5xx, throttling codes)
    └── SendFinal            never retried (window closed, bad token, bad recipient …)
"""

from __future__ import annotations


class BotError(Exception):
    """Root of every error the bot package raises."""


class ConfigurationInvalid(BotError):
    """A setting is missing or malformed; the message names it in one line."""


class DatabaseNotMigrated(BotError):
    """The database schema is missing or older than this code expects."""
