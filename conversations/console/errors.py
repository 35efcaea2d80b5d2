"""Errors of the merchant console.

ConsoleError
├── UserExists      create-user named an account that is already there
├── UnknownUser     a command named an account that does not exist
└── WeakPassword    a password too short to set
"""

from __future__ import annotations


class ConsoleError(Exception):
    """Root of the console's errors."""


class UserExists(ConsoleError):
    pass


class UnknownUser(ConsoleError):
    pass


class WeakPassword(ConsoleError):
    pass


__all__ = ["ConsoleError", "UnknownUser", "UserExists", "WeakPassword"]
